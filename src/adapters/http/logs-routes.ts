import { randomUUID } from 'node:crypto';
import { Router, type RequestHandler } from 'express';
import type { RedisConnection } from '../redis/redis-client';
import type { LogsIntake, LogsSettings } from '../../app/logs-intake';
import { logBatchSchema } from '../../domain/log-entry';
import { looksLikeSecret } from '../../domain/privacy';
import type { Logger } from '../../ports/logger';
import type { Metrics } from '../../ports/metrics';
import { readJsonBody } from './json-body';
import { logsRateLimit, perIpRateLimit } from './logs-rate-limit';
import { errorResponse, objectSchema, type RouteDoc } from './openapi';
import { required, type RouteModule } from './route-module';

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

function logsDocs(logs: LogsSettings): RouteDoc[] {
  return [
    {
      method: 'post',
      path: '/api/v1/logs',
      summary: 'A batch of client log entries',
      tag: 'logs',
      auth: 'jwt_or_device',
      body: logBatchSchema(logs),
      headers: [
        { name: 'X-Device-Id', required: false, description: 'UUID v4; required without a valid JWT' },
        { name: 'X-Trace-Id', required: false, description: 'Echoed in the response; generated when absent' },
      ],
      responses: {
        200: { description: 'Accepted', schema: objectSchema(['accepted', 'count'], { accepted: { type: 'boolean' }, count: { type: 'integer' } }) },
        400: errorResponse('Invalid device ID format, or invalid JSON'),
        401: errorResponse('Device ID required, or invalid or expired token (a refused bearer token and no X-Device-Id)'),
        413: errorResponse('Body over LOGS_MAX_BODY_BYTES'),
        422: errorResponse('Schema violation; paths lists the failing ones'),
        429: errorResponse('Rate limited (scope logs: per user or device; logs_ip: per address for anonymous callers); RateLimit headers and Retry-After'),
        501: errorResponse('Transfer-Encoding other than chunked'),
      },
    },
  ];
}

/** The intake is null when LOGS_ENABLED=false. */
type LogsParts = Omit<LogsRoutesDeps, 'intake' | 'settings' | 'redisPrefix'> & { logsIntake: LogsIntake | null };

export const logsModule: RouteModule<LogsParts, { logs: LogsSettings }> = {
  name: 'logs',
  enabled: (_settings, { logsIntake }) => logsIntake !== null,
  routes: ({ logsIntake, metrics, logger, redis }, { logs }) => logsRoutes({ intake: required(logsIntake, 'logsIntake'), settings: logs, metrics, logger, redis }),
  docs: ({ logs }) => logsDocs(logs),
  corsPaths: ['/api/v1/logs'],
};
