import express, { type Express, type RequestHandler, type Router } from 'express';
import { pinoHttp } from 'pino-http';
import type { Logger as PinoLogger } from 'pino';
import { errorHandler, notFoundHandler } from '../adapters/http/error-handler';
import { reportIngestDocs, reportIngestRoutes } from '../adapters/http/report-ingest-routes';
import { buildOpenApiDocument, type RouteDoc } from '../adapters/http/openapi';
import { corsAllowlist } from '../adapters/http/cors';
import { httpMetrics, opsDocs, opsRoutes, type OpsOptions } from '../adapters/http/ops-routes';
import type { ReportIngestion } from '../app/report-ingestion';
import type { BeaconIntake } from '../app/beacon-intake';
import { telemetryDocs, telemetryRoutes } from '../adapters/http/telemetry-routes';
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
}

/** Builds the Express app. It never listens: main.ts does, and tests use supertest on port 0. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // API responses are never revalidated, and hashing every body for an ETag costs a digest per request.
  app.set('etag', false);
  app.set('trust proxy', deps.config.trustProxy);
  if (deps.ops?.metrics) app.use(httpMetrics(deps.ops.metrics));
  app.use(requestLogging(deps.logger));
  if (deps.config.corsOrigins.length > 0) {
    app.use(['/reports/ingest', '/api/v1/logs'], corsAllowlist(deps.config.corsOrigins, 'Authorization, Content-Type, X-Device-ID, X-Trace-Id'));
  }
  // The ingest route comes first: it carries nearly all the traffic, and every layer before it
  // is work each report pays for.
  if (deps.config.reports.enabled) app.use(reportIngestRoutes(deps.ingestion, deps.config.reports.maxBodyBytes));
  if (deps.beacons) app.use(telemetryRoutes(deps.beacons));
  if (deps.ops) app.use(opsRoutes(deps.ops));
  const openApi = buildOpenApiDocument(
    [...opsDocs.filter((d) => d.path === '/openapi.json' || (deps.ops && (d.path !== '/metrics' || deps.ops.metrics))), ...(deps.config.reports.enabled ? reportIngestDocs : []), ...(deps.beacons ? telemetryDocs : []), ...(deps.routeDocs ?? [])],
    { version: VERSION },
  );
  app.get('/openapi.json', (_req, res) => {
    res.json(openApi);
  });
  for (const router of deps.routers ?? []) app.use(router);
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

/**
 * pino-http when debug lines are wanted. Otherwise successful requests log nothing, and pino-http's
 * per-request child loggers and serialisation were the largest cost of a minimal ingest in the
 * profile (docs/benchmarks.md); so then only 4xx/5xx are logged, with the same fields.
 */
function requestLogging(logger: PinoLogger): RequestHandler {
  if (logger.isLevelEnabled('debug')) {
    return pinoHttp({
      logger,
      quietReqLogger: true,
      serializers: { req: requestForLog, res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }) },
      customLogLevel: (_req, res, err) => levelOf(res.statusCode, Boolean(err)),
    });
  }
  return (req, res, next) => {
    const start = Date.now();
    res.once('finish', () => {
      if (res.statusCode < 400) return;
      logger[levelOf(res.statusCode, false)](
        { req: requestForLog(req), res: { statusCode: res.statusCode }, responseTime: Date.now() - start },
        res.statusCode >= 500 ? 'request errored' : 'request completed',
      );
    });
    next();
  };
}
