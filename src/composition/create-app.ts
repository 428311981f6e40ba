import express, { type Express, type RequestHandler, type Router } from 'express';
import { pinoHttp } from 'pino-http';
import type { Logger as PinoLogger } from 'pino';
import { AggregatedLog } from '../adapters/pino/aggregated-log';
import { errorHandler, notFoundHandler } from '../adapters/http/error-handler';
import { reportIngestDocs, reportIngestRoutes } from '../adapters/http/report-ingest-routes';
import { buildOpenApiDocument, type RouteDoc } from '../adapters/http/openapi';
import { corsAllowlist } from '../adapters/http/cors';
import { JSON_HEADERS } from '../adapters/http/json-headers';
import { httpMetrics, metricsRoutes, opsDocs, opsRoutes, type OpsOptions } from '../adapters/http/ops-routes';
import type { ReportIngestion } from '../app/report-ingestion';
import type { BeaconIntake } from '../app/beacon-intake';
import type { Clock } from '../ports/clock';
import { beaconHandler, telemetryDocs, telemetryRoutes } from '../adapters/http/telemetry-routes';
import type { Config } from './config';

const VERSION: string = require('../../package.json').version;

export interface AppDeps {
  config: Readonly<Config>;
  /** The service's own logger (request logs, errors); never the client-log sink. */
  logger: PinoLogger;
  ingestion: ReportIngestion;
  /** The update-check beacon; absent when TELEMETRY_ENABLED=false (its routes answer 404). */
  beacons?: BeaconIntake;
  /** Further routers mounted before the 404 handler (read API, logs intake). */
  routers?: Router[];
  /** OpenAPI entries of the routes in `routers`. */
  routeDocs?: RouteDoc[];
  /** Health, readiness and metrics. */
  ops?: OpsOptions;
  /** Times the request log's aggregation windows; the system clock when absent. */
  clock?: Clock;
}

/** Builds the Express app. It never listens: main.ts does, and tests use supertest on port 0. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // API responses are never revalidated, and hashing every body for an ETag costs a digest per request.
  app.set('etag', false);
  app.set('trust proxy', deps.config.trustProxy);
  if (deps.ops?.metrics) app.use(httpMetrics(deps.ops.metrics));
  const now = deps.clock ? () => deps.clock!.now().getTime() : Date.now;
  app.use(requestLogging(deps.logger, now));
  if (deps.config.corsOrigins.length > 0) {
    app.use(['/reports/ingest', '/api/v1/logs'], corsAllowlist(deps.config.corsOrigins, 'Authorization, Content-Type, X-Device-ID, X-Trace-Id'));
  }
  // The two hot routes come first, every layer before them being work each request pays for: the
  // beacon is a single route on the app (a GET, so ingest only pays one path test for it), then ingest.
  if (deps.beacons) app.get('/telemetry/beacon', beaconHandler(deps.beacons));
  if (deps.config.reports.enabled) app.use(reportIngestRoutes(deps.ingestion, deps.config.reports.maxBodyBytes));
  // The two routes above write these headers themselves; every later answer gets them here. A
  // route that serves something cacheable (the dashboard's hashed assets) sets its own Cache-Control.
  app.use(jsonAnswerHeaders);
  if (deps.beacons) app.use(telemetryRoutes(deps.beacons));
  if (deps.ops) app.use(opsRoutes(deps.ops));
  const metricsHere = deps.ops?.metrics !== undefined && deps.config.metricsToken !== null;
  if (metricsHere) app.use(metricsRoutes(deps.ops!.metrics!, deps.config.metricsToken));
  const openApi = buildOpenApiDocument(
    [...opsDocs.filter((d) => d.path === '/openapi.json' || (deps.ops && (d.path !== '/metrics' || metricsHere))), ...(deps.config.reports.enabled ? reportIngestDocs : []), ...(deps.beacons ? telemetryDocs : []), ...(deps.routeDocs ?? [])],
    { version: VERSION },
  );
  app.get('/openapi.json', (_req, res) => {
    res.json(openApi);
  });
  for (const router of deps.routers ?? []) app.use(router);
  app.use(notFoundHandler);
  app.use(errorHandler(deps.logger, now));
  return app;
}

const jsonAnswerHeaders: RequestHandler = (_req, res, next) => {
  res.setHeader('X-Content-Type-Options', JSON_HEADERS['X-Content-Type-Options']);
  res.setHeader('Cache-Control', JSON_HEADERS['Cache-Control']);
  next();
};

/**
 * The app of the METRICS_LISTEN listener: GET /metrics and nothing else. Null when there are no
 * Prometheus metrics to serve (a test's own Metrics).
 */
export function createMetricsApp(deps: Pick<AppDeps, 'config' | 'logger' | 'ops'>): Express | null {
  if (deps.ops?.metrics === undefined) return null;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(jsonAnswerHeaders);
  app.use(metricsRoutes(deps.ops.metrics, deps.config.metricsToken));
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
