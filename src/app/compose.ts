import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Router } from 'express';
import type { Logger as PinoLogger } from 'pino';
import { MemoryAppDirectory } from '../adapters/memory/memory-app-directory';
import { MemoryBlobStore } from '../adapters/memory/memory-blob-store';
import { MemoryMetrics } from '../adapters/memory/memory-metrics';
import { MemoryRateLimiter } from '../adapters/memory/memory-rate-limiter';
import { MemoryReportRepository } from '../adapters/memory/memory-report-repository';
import { systemClock } from '../adapters/memory/system-clock';
import { logsRoutes } from '../adapters/http/logs-routes';
import { NoopAppIntegrity } from '../adapters/noop/noop-app-integrity';
import { PinoClientLogSink } from '../adapters/pino/pino-client-log-sink';
import { createServiceLogger } from '../adapters/pino/pino-logger';
import { localUrlSigner } from '../domain/signed-url';
import type { AppDirectory } from '../ports/app-directory';
import type { AppIntegrity } from '../ports/app-integrity';
import type { BlobStore } from '../ports/blob-store';
import type { Clock } from '../ports/clock';
import type { ClientLogSink } from '../ports/logger';
import type { Metrics } from '../ports/metrics';
import type { RateLimiter } from '../ports/rate-limiter';
import type { ReportRepository } from '../ports/report-repository';
import type { TokenVerifier } from '../ports/token-verifier';
import { CachedAppDirectory } from './cached-app-directory';
import { ConfigError, type Config } from './config';
import type { AppDeps } from './create-app';
import { FailOpenRateLimiter } from './fail-open-rate-limiter';
import { LogsIntake } from './logs-intake';
import { ReportIngestion } from './report-ingestion';

export interface Composition {
  deps: AppDeps;
  directory: CachedAppDirectory;
  repository: ReportRepository;
  blobStore: BlobStore;
  limiter: RateLimiter;
  metrics: Metrics;
  clock: Clock;
  secrets: { urlSigning: string };
  /** Closes every client the composition opened, in reverse order. */
  close(): Promise<void>;
}

export interface ComposeOverrides {
  logger?: PinoLogger;
  clock?: Clock;
  metrics?: Metrics;
  tokenVerifier?: TokenVerifier;
  clientLogSink?: ClientLogSink;
  appIntegrity?: AppIntegrity;
}

export const randomHex = (bytes: number) => randomBytes(bytes).toString('hex');

/**
 * A secret the embedded default keeps under DATA_DIR, so signed URLs and tokens survive restarts
 * without any configuration. An explicitly configured value always wins.
 */
export function loadOrCreateSecret(dataDir: string, name: string): string {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, `${name}.secret`);
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  const secret = randomHex(32);
  writeFileSync(path, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
  return secret;
}

export async function compose(config: Readonly<Config>, overrides: ComposeOverrides = {}): Promise<Composition> {
  const logger = overrides.logger ?? createServiceLogger(config.logLevel);
  const clock = overrides.clock ?? systemClock;
  const metrics = overrides.metrics ?? new MemoryMetrics();
  const closers: Array<() => Promise<void>> = [];

  const urlSigning = config.storage.driver === 's3' ? randomHex(32) : loadOrCreateSecret(config.dataDir, 'url-signing');
  const signer = localUrlSigner(urlSigning, config.publicBaseUrl, () => Math.floor(clock.now().getTime() / 1000));

  let repository: ReportRepository;
  let rawDirectory: AppDirectory;
  switch (config.repository.driver) {
    case 'memory':
      repository = new MemoryReportRepository();
      rawDirectory = new MemoryAppDirectory();
      break;
    default:
      throw new ConfigError('REPOSITORY_DRIVER', `driver "${config.repository.driver}" is not available in this build`);
  }
  closers.push(() => repository.close(), () => rawDirectory.close());

  let blobStore: BlobStore;
  switch (config.storage.driver) {
    case 'memory':
      blobStore = new MemoryBlobStore(signer);
      break;
    default:
      throw new ConfigError('STORAGE_DRIVER', `driver "${config.storage.driver}" is not available in this build`);
  }
  closers.push(() => blobStore.close());

  const rawLimiter: RateLimiter = new MemoryRateLimiter(clock);
  if (config.reports.enabled) logger.warn('REDIS_URL is not set: rate limits are per process');
  const limiter = new FailOpenRateLimiter(rawLimiter, { metrics, logger, clock });
  closers.push(() => limiter.close());

  const directory = new CachedAppDirectory(rawDirectory, clock, config.reports.keyCacheTtlMs);
  const ingestion = new ReportIngestion({
    directory,
    repository,
    blobStore,
    limiter,
    clock,
    metrics,
    logger,
    randomHex,
    settings: config.reports,
  });

  const routers: Router[] = [];
  // Until the JWT verifier is wired, every bearer token is refused and callers fall back to the device id.
  const tokenVerifier: TokenVerifier = overrides.tokenVerifier ?? { verify: async () => null };
  // LOGS_ENABLED=false leaves POST /api/v1/logs unmounted: it answers 404 like any unknown route.
  if (config.logs.enabled) {
    const sink = overrides.clientLogSink ?? new PinoClientLogSink({ level: config.logLevel, destination: config.logs.destination });
    closers.push(async () => sink.flush?.());
    const intake = new LogsIntake({
      tokenVerifier,
      appIntegrity: overrides.appIntegrity ?? new NoopAppIntegrity(),
      sink,
      metrics,
      clock,
      settings: config.logs,
    });
    routers.push(logsRoutes({ intake, settings: config.logs, metrics, logger, redis: null }));
  }

  return {
    deps: { config, logger, ingestion, routers },
    directory,
    repository,
    blobStore,
    limiter,
    metrics,
    clock,
    secrets: { urlSigning },
    async close() {
      for (const close of closers.reverse()) await close().catch(() => undefined);
    },
  };
}
