import { timingSafeEqual } from 'node:crypto';
import { Router, type RequestHandler } from 'express';
import { bearerToken } from '../../domain/bearer-token';
import { AuthenticationError, DiskFullError } from '../../domain/errors';
import type { Logger } from '../../ports/logger';
import type { PromMetrics } from '../prometheus/prom-metrics';
import { errorResponse, type RouteDoc } from './openapi';
import { required, type RouteModule } from './route-module';

export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

export interface OpsOptions {
  checks: ReadinessCheck[];
  checkTimeoutMs?: number;
  /** The work this instance may run under a lease; /readyz shows the jobs it leads, and never fails on them. */
  leasedWork?: () => Array<{ name: string; leader: boolean; lastRunAt: Date | null; lastError: string | null }>;
  /** Told when a check starts failing (with its reason) and when it recovers. */
  logger?: Logger;
}

/** Liveness and readiness. */
export function opsRoutes(opts: OpsOptions): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  // Probes poll every few seconds, so only a change of state is logged.
  const failing = new Set<string>();
  router.get('/readyz', async (_req, res) => {
    const timeout = opts.checkTimeoutMs ?? 1000;
    const results = await Promise.all(
      opts.checks.map(async ({ name, check }) => {
        try {
          await withTimeout(check(), timeout);
          if (failing.delete(name)) opts.logger?.info({ check: name }, 'readiness check recovered');
          return { name, ok: true, said: null };
        } catch (error) {
          // The reason goes to our own log, not the body: it can name hosts. A full disk names nothing.
          if (!failing.has(name)) opts.logger?.warn({ check: name, err: { message: (error as Error).message } }, 'readiness check failing');
          failing.add(name);
          return { name, ok: false, said: error instanceof DiskFullError ? 'disk full' : `${name} unavailable` };
        }
      }),
    );
    const failingNow = results.filter((r) => !r.ok).map((r) => r.name);
    const reasons = results.flatMap((r) => (r.said === null ? [] : [r.said]));
    const checks = Object.fromEntries(results.map((r) => [r.name, r.ok ? 'ok' : 'failing']));
    // Only the jobs this instance leads: a follower answers for itself, and a failing job never takes
    // its leader out of rotation (it would keep the lease and stop serving). Errors stay in the log.
    const leads = (opts.leasedWork?.() ?? []).filter((w) => w.leader);
    const leading = Object.fromEntries(leads.map((w) => [w.name, { last_run_at: w.lastRunAt?.toISOString() ?? null, last_run_ok: w.lastRunAt === null ? null : w.lastError === null }]));
    if (failingNow.length > 0) res.status(503).json({ error: `not ready: ${reasons.join(', ')}`, code: 'unavailable', status: 'unavailable', failing: failingNow, checks, leading });
    else res.json({ status: 'ready', checks, leading });
  });
  return router;
}

/**
 * GET /metrics in Prometheus' text format, behind `token` when there is one. Served on a listener
 * of its own (METRICS_LISTEN), and on the API's only with a token: the counters tell apart, for
 * instance, refusals of a guessed owner/app.
 */
export function metricsRoutes(metrics: PromMetrics, token: string | null): Router {
  const router = Router();
  router.get('/metrics', metricsAuth(token), async (_req, res) => {
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  });
  return router;
}

function metricsAuth(token: string | null): RequestHandler {
  return (req, _res, next) => {
    if (token === null) return next();
    const given = Buffer.from(bearerToken(req.headers.authorization) ?? '');
    const expected = Buffer.from(token);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new AuthenticationError('a valid metrics token is required', 'invalid_metrics_token');
    }
    next();
  };
}

/** Observes every response with its route template (never the raw path, which would explode cardinality). */
export function httpMetrics(metrics: PromMetrics): RequestHandler {
  return (req, res, next) => {
    const end = metrics.httpDuration.startTimer();
    res.on('finish', () => {
      const route = req.route?.path ? `${req.baseUrl}${req.route.path}` : 'unmatched';
      end({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    }),
  ]);
}

const readiness = {
  type: 'object',
  required: ['status', 'checks'],
  properties: {
    status: { type: 'string', enum: ['ready', 'unavailable'] },
    error: { type: 'string', description: 'When unavailable: "not ready: " and why, e.g. "disk full" or "redis unavailable"' },
    code: { type: 'string', enum: ['unavailable'] },
    failing: { type: 'array', items: { type: 'string' } },
    checks: { type: 'object', additionalProperties: { type: 'string', enum: ['ok', 'failing'] } },
  },
};

const opsDocs: RouteDoc[] = [
  { method: 'get', path: '/healthz', summary: 'Liveness; checks no dependency', tag: 'operations', auth: 'none', responses: { 200: { description: 'Alive' } } },
  {
    method: 'get',
    path: '/readyz',
    summary: 'Readiness of every configured adapter',
    tag: 'operations',
    auth: 'none',
    responses: { 200: { description: 'Ready', schema: readiness }, 503: { description: 'An adapter is failing, named in failing; a disk too full to write under DATA_DIR is "disk full"', schema: readiness } },
  },
];

const metricsDocs: RouteDoc[] = [
  {
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics; on this listener only when METRICS_TOKEN is set (else on METRICS_LISTEN)',
    tag: 'operations',
    auth: 'metrics_token',
    responses: { 200: { description: 'Prometheus text format' }, 401: errorResponse('METRICS_TOKEN not given') },
  },
];

export const opsModule: RouteModule<{ ops: OpsOptions }> = {
  name: 'ops',
  routes: ({ ops }) => opsRoutes(ops),
  docs: () => opsDocs,
};

/**
 * /metrics on the API's listener: only with METRICS_TOKEN (it is on METRICS_LISTEN otherwise), and
 * when the service counts with prom-client (always, but in tests on in-memory metrics).
 */
export const metricsModule: RouteModule<{ promMetrics: PromMetrics | null }, { metricsToken: string | null }> = {
  name: 'metrics',
  enabled: ({ metricsToken }, { promMetrics }) => promMetrics !== null && metricsToken !== null,
  routes: ({ promMetrics }, { metricsToken }) => metricsRoutes(required(promMetrics, 'promMetrics'), metricsToken),
  docs: () => metricsDocs,
};

/** The document itself, built by createApp from the same list of modules as the routes. */
export const openApiModule: RouteModule<{ openApiDocument: () => object }> = {
  name: 'openapi',
  routes: ({ openApiDocument }) => ({
    method: 'get',
    path: '/openapi.json',
    handler: (_req, res) => {
      res.json(openApiDocument());
    },
  }),
  docs: () => [{ method: 'get', path: '/openapi.json', summary: 'This document', tag: 'operations', auth: 'none', responses: { 200: { description: 'OpenAPI 3.1' } } }],
};
