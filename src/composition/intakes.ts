import type { Logger as PinoLogger } from 'pino';
import { NoopAppIntegrity } from '../adapters/noop/noop-app-integrity';
import { PinoClientLogSink } from '../adapters/pino/pino-client-log-sink';
import type { BlobStore } from '../ports/blob-store';
import type { Clock } from '../ports/clock';
import type { AppIntegrity } from '../ports/app-integrity';
import type { ClientLogSink } from '../ports/logger';
import type { Metrics } from '../ports/metrics';
import type { RateLimiter } from '../ports/rate-limiter';
import type { ReportRepository } from '../ports/report-repository';
import type { TokenVerifier } from '../ports/token-verifier';
import type { WebhookStore } from '../ports/webhook-store';
import type { CachedAppDirectory } from '../app/cached-app-directory';
import type { DeviceCounter } from '../app/device-counter';
import { LogsIntake } from '../app/logs-intake';
import { ReportIngestion } from '../app/report-ingestion';
import type { Closers } from './closers';
import type { Config } from './config';
import { randomHex } from './secrets';

export function composeReportIngestion(
  config: Readonly<Config>,
  deps: {
    directory: CachedAppDirectory;
    repository: ReportRepository;
    blobStore: BlobStore;
    limiter: RateLimiter;
    clock: Clock;
    metrics: Metrics;
    logger: PinoLogger;
    outbox?: Pick<WebhookStore, 'appendEvent'>;
    devices?: DeviceCounter;
  },
): ReportIngestion {
  return new ReportIngestion({ ...deps, randomHex, settings: config.reports });
}


/** Null when LOGS_ENABLED=false: POST /api/v1/logs then stays unmounted and answers 404 like any unknown route. */
export function composeLogsIntake(
  config: Readonly<Config>,
  deps: {
    tokenVerifier: TokenVerifier;
    metrics: Metrics;
    clock: Clock;
    sink?: ClientLogSink;
    appIntegrity?: AppIntegrity;
  },
  closers: Closers,
): LogsIntake | null {
  if (!config.logs.enabled) return null;
  const sink = deps.sink ?? new PinoClientLogSink({ level: config.logLevel, destination: config.logs.destination });
  closers.add(async () => sink.flush?.());
  return new LogsIntake({
    tokenVerifier: deps.tokenVerifier,
    appIntegrity: deps.appIntegrity ?? new NoopAppIntegrity(),
    sink,
    metrics: deps.metrics,
    clock: deps.clock,
    settings: config.logs,
  });
}
