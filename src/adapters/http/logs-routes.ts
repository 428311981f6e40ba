import { randomUUID } from 'node:crypto';
import { Router, type RequestHandler } from 'express';
import type { RedisConnection } from '../redis/redis-client';
import type { LogsIntake, LogsSettings } from '../../app/logs-intake';
import { looksLikeSecret } from '../../domain/privacy';
import type { Logger } from '../../ports/logger';
import type { Metrics } from '../../ports/metrics';
import { readJsonBody } from './json-body';
import { logsRateLimit, perIpRateLimit } from './logs-rate-limit';

export interface LogsRoutesDeps {
  intake: LogsIntake;
  settings: LogsSettings;
  metrics: Metrics;
  logger: Logger;
  redis?: RedisConnection | null;
  redisPrefix?: string;
}

// Echoed into a response header, so only a short token of visible ASCII is taken as is; one that
// looks like a credential is replaced, since it would be written into every record unscrubbed.
const TRACE_ID = /^[\x21-\x7e]{1,128}$/;

/**
 * POST /api/v1/logs. Cheapest refusal first: guard (401/400), rate limit (429), body size (413),
 * schema (422). The body is never read for a caller who is refused or over budget.
 */
export function logsRoutes(deps: LogsRoutesDeps): Router {
  const router = Router();

  const traceId: RequestHandler = (req, res, next) => {
    const given = req.get('x-trace-id');
    res.locals.traceId = given !== undefined && TRACE_ID.test(given) && !looksLikeSecret(given) ? given : randomUUID();
    res.setHeader('X-Trace-Id', res.locals.traceId as string);
    next();
  };

  const guard: RequestHandler = async (req, res, next) => {
    const caller = await deps.intake.identify({
      authorization: req.headers.authorization,
      deviceId: req.get('x-device-id'),
      headers: req.headers,
      ip: req.ip,
    });
    res.locals.authMode = caller.authMode;
    res.locals.user = caller.user;
    res.locals.deviceId = caller.deviceId;
    next();
  };

  const limit = logsRateLimit({
    maxRequestsPerMinute: deps.settings.maxRequestsPerMinute,
    metrics: deps.metrics,
    logger: deps.logger,
    redis: deps.redis,
    redisPrefix: deps.redisPrefix,
  });

  // Beyond the seed: after the device limit, a ceiling per address for anonymous callers, who can
  // make up a device id per request. Signed-in callers are limited per user by the limit above.
  const ipLimit = perIpRateLimit({
    maxRequestsPerMinute: deps.settings.maxRequestsPerIpPerMinute,
    scope: 'logs_ip',
    skip: (_req, res) => res.locals.authMode === 'authenticated',
    metrics: deps.metrics,
    logger: deps.logger,
    redis: deps.redis,
    redisPrefix: deps.redisPrefix,
  });

  router.post('/api/v1/logs', traceId, guard, limit, ipLimit, async (req, res) => {
    const body = await readJsonBody(req, deps.settings.maxBodyBytes);
    const caller = { authMode: res.locals.authMode, userId: res.locals.user?.id ?? null, deviceId: res.locals.deviceId };
    const count = deps.intake.accept(caller, body, res.locals.traceId as string);
    res.status(200).json({ accepted: true, count });
  });
  return router;
}
