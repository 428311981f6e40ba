import express, { type Express, type RequestHandler } from 'express';
import { pinoHttp } from 'pino-http';
import type { Logger as PinoLogger } from 'pino';
import { AggregatedLog } from '../adapters/pino/aggregated-log';
import { errorHandler, notFoundHandler } from '../adapters/http/error-handler';
import { corsAllowlist } from '../adapters/http/cors';
import { httpMetrics, metricsRoutes } from '../adapters/http/ops-routes';
import type { AppRoute } from '../adapters/http/route-module';
import { JSON_HEADERS } from '../adapters/http/json-headers';
import type { Clock } from '../ports/clock';
import type { Config } from './config';
import { enabledModules, openApiDocument, ROUTE_MODULES, type MountParts, type RouteParts, type ServiceRouteModule } from './routes';

export interface AppDeps {
  config: Readonly<Config>;
  /** The service's own logger (request logs, errors); never the client-log sink. */
  logger: PinoLogger;
  /** What the route modules are built from. */
  parts: RouteParts;
  /** ROUTE_MODULES, in their order; a test may mount others. */
  modules?: readonly ServiceRouteModule[];
  /** Times the request log's aggregation windows; the system clock when absent. */
  clock?: Clock;
}

/**
 * Builds the Express app: the request-wide layers, then every enabled route module in list order,
 * then the JSON 404 and the error handler. It never listens: main.ts does, and tests use
 * supertest on port 0.
 */
export function createApp(deps: AppDeps): Express {
  const { config } = deps;
  const app = express();
  app.disable('x-powered-by');
  // API responses are never revalidated, and hashing every body for an ETag costs a digest per request.
  app.set('etag', false);
  app.set('trust proxy', config.trustProxy);
  // The openapi module serves the document of exactly the modules mounted, known once they are chosen.
  let document: object = {};
  const parts: MountParts = { ...deps.parts, openApiDocument: () => document };
  const modules = enabledModules(deps.modules ?? ROUTE_MODULES, config, parts);
  document = openApiDocument(modules, config);
  // Every layer before a route is work each request pays for: only these three come first.
  if (parts.promMetrics) app.use(httpMetrics(parts.promMetrics));
  const now = deps.clock ? () => deps.clock!.now().getTime() : Date.now;
  app.use(requestLogging(deps.logger, now));
  const corsPaths = modules.flatMap((module) => module.corsPaths ?? []);
  if (config.corsOrigins.length > 0 && corsPaths.length > 0) {
    app.use(corsPaths, corsAllowlist(config.corsOrigins, 'Authorization, Content-Type, X-Device-ID, X-Trace-Id'));
  }
  // The two hot routes come first (the list's order): they write the JSON headers themselves; every
  // later answer gets them here. A route that serves something cacheable (the dashboard's hashed
  // assets) sets its own Cache-Control.
  const hot = modules.filter((module) => HOT_MODULES.has(module.name));
  for (const module of hot) mount(app, module.routes(parts, config));
  app.use(jsonAnswerHeaders);
  for (const module of modules.filter((m) => !HOT_MODULES.has(m.name))) mount(app, module.routes(parts, config));
  app.use(notFoundHandler);
  app.use(errorHandler(deps.logger, now));
  return app;
}

function mount(app: Express, routes: ReturnType<ServiceRouteModule['routes']>): void {
  if (isAppRoute(routes)) app[routes.method](routes.path, routes.handler);
  else app.use(routes);
}

const isAppRoute = (routes: object): routes is AppRoute => 'handler' in routes && 'path' in routes;

/** Mounted before the JSON-headers layer: each request walks the list, and these two answer most of them. */
const HOT_MODULES = new Set(['beacon', 'report-ingest']);

const jsonAnswerHeaders: RequestHandler = (_req, res, next) => {
  res.setHeader('X-Content-Type-Options', JSON_HEADERS['X-Content-Type-Options']);
  res.setHeader('Cache-Control', JSON_HEADERS['Cache-Control']);
  next();
};

/**
 * The app of the METRICS_LISTEN listener: GET /metrics and nothing else. Null when there are no
 * Prometheus metrics to serve (a test's own Metrics).
 */
export function createMetricsApp(deps: Pick<AppDeps, 'config' | 'logger' | 'parts'>): Express | null {
  const { promMetrics } = deps.parts;
  if (promMetrics === null) return null;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(jsonAnswerHeaders);
  app.use(metricsRoutes(promMetrics, deps.config.metricsToken));
  app.use(notFoundHandler);
  app.use(errorHandler(deps.logger));
  return app;
}

// Not X-Trace-Id: clients choose it freely, and some put tokens there.
const LOGGED_HEADERS = ['content-type', 'content-length', 'user-agent'];

/**
 * What a request log line may hold: no Authorization, cookies, device ids, client IPs or query
 * strings (signed download URLs carry their signature there).
 */
function requestForLog(req: { id?: unknown; method?: string; url?: string; headers?: Record<string, unknown> }) {
  const headers: Record<string, unknown> = {};
  for (const name of LOGGED_HEADERS) if (req.headers?.[name] !== undefined) headers[name] = req.headers[name];
  return { id: req.id, method: req.method, path: (req.url ?? '').split('?')[0], headers };
}

const levelOf = (status: number, failed: boolean) => (failed || status >= 500 ? 'error' : status >= 400 ? 'info' : 'debug');

/** The route a request matched, as its pattern (bounded), not its path (chosen by the client). */
function routeOf(req: { baseUrl?: string; route?: { path?: unknown } }): string {
  return typeof req.route?.path === 'string' ? `${req.baseUrl ?? ''}${req.route.path}` : '(no route)';
}

interface RequestLine {
  fields: Record<string, unknown>;
  level: 'info' | 'error';
  msg: string;
}

/**
 * pino-http when debug lines are wanted. Otherwise successful requests log nothing, and pino-http's
 * per-request child loggers and serialisation were the largest cost of a minimal ingest in the
 * profile (docs/benchmarks.md); so then only 4xx/5xx are logged, with the same fields.
 *
 * A storm of refusals must not become a storm of log lines: 4xx lines, and 503s (a store that is
 * down answers every request so), are aggregated to at most one line per second per (route,
 * status, reason), each carrying in `count` the requests it stands for. Other 5xx stay one line
 * each. Metrics keep the exact counts either way.
 */
function requestLogging(logger: PinoLogger, now: () => number): RequestHandler {
  if (logger.isLevelEnabled('debug')) {
    return pinoHttp({
      logger,
      quietReqLogger: true,
      serializers: { req: requestForLog, res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }) },
      customLogLevel: (_req, res, err) => levelOf(res.statusCode, Boolean(err)),
    });
  }
  const write = (line: RequestLine, count: number) => logger[line.level]({ ...line.fields, count }, line.msg);
  const aggregated = new AggregatedLog<RequestLine>(write, { now });
  return (req, res, next) => {
    const start = Date.now();
    res.once('finish', () => {
      const status = res.statusCode;
      if (status < 400) return;
      const route = routeOf(req);
      const reason = typeof res.locals.errorCode === 'string' ? res.locals.errorCode : String(status);
      const line: RequestLine = {
        fields: { req: requestForLog(req), res: { statusCode: status }, responseTime: Date.now() - start, route, reason },
        level: levelOf(status, false) === 'error' ? 'error' : 'info',
        msg: status >= 500 ? 'request errored' : 'request completed',
      };
      if (status >= 500 && status !== 503) write(line, 1);
      else aggregated.record(`${route} ${status} ${reason}`, line);
    });
    next();
  };
}
