import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { Logger as PinoLogger } from 'pino';
import { FsBlobStore } from '../adapters/fs/fs-blob-store';
import { MemoryAppDirectory } from '../adapters/memory/memory-app-directory';
import { MemoryBlobStore } from '../adapters/memory/memory-blob-store';
import { MemoryMetrics } from '../adapters/memory/memory-metrics';
import { MemoryRateLimiter } from '../adapters/memory/memory-rate-limiter';
import { MemoryReportRepository } from '../adapters/memory/memory-report-repository';
import { systemClock } from '../adapters/memory/system-clock';
import { createServiceLogger } from '../adapters/pino/pino-logger';
import { connectRedis } from '../adapters/redis/redis-client';
import { RedisRateLimiter } from '../adapters/redis/redis-rate-limiter';
import { S3BlobStore } from '../adapters/s3/s3-blob-store';
import { localUrlSigner } from '../domain/signed-url';
import type { AppDirectory } from '../ports/app-directory';
import type { BlobStore } from '../ports/blob-store';
import type { Clock } from '../ports/clock';
import type { Metrics } from '../ports/metrics';
import type { RateLimiter } from '../ports/rate-limiter';
import type { ReportRepository } from '../ports/report-repository';
import { CachedAppDirectory } from './cached-app-directory';
import { ConfigError, type Config } from './config';
import type { AppDeps } from './create-app';
import { FailOpenRateLimiter } from './fail-open-rate-limiter';
import { ReportIngestion } from './report-ingestion';

export interface Composition {
  deps: AppDeps;
  directory: CachedAppDirectory;
  repository: ReportRepository;
  blobStore: BlobStore;
  limiter: RateLimiter;
  /** Set when REDIS_URL is; shared with other Redis users (the logs route's rate-limit-redis store). */
  redis: Redis | null;
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

/** Adapters name the variable to fix at the start of their message ("S3_BUCKET_NAME_PRIVATE: …"). */
function startupError(error: Error, fallbackVariable: string): ConfigError {
  const named = /^([A-Z][A-Z0-9_]*(?:\/[A-Z][A-Z0-9_]*)*): ([\s\S]*)$/.exec(error.message);
  return named ? new ConfigError(named[1]!, named[2]!) : new ConfigError(fallbackVariable, error.message);
}

export async function compose(config: Readonly<Config>, overrides: ComposeOverrides = {}): Promise<Composition> {
  const logger = overrides.logger ?? createServiceLogger(config.logLevel);
  const clock = overrides.clock ?? systemClock;
  const metrics = overrides.metrics ?? new MemoryMetrics();
  const closers: Array<() => Promise<void>> = [];
  const closeOpened = async () => {
    for (const close of [...closers].reverse()) await close().catch(() => undefined);
  };

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
    case 'fs':
      blobStore = new FsBlobStore(config.dataDir, signer);
      await blobStore.ping().catch((error: Error) => {
        throw new ConfigError('DATA_DIR', `cannot write blobs under ${config.dataDir}: ${error.message}`);
      });
      break;
    case 's3': {
      const s3 = await S3BlobStore.connect(config.storage.s3).catch(async (error: Error) => {
        await closeOpened();
        throw startupError(error, 'STORAGE_DRIVER');
      });
      if (config.reports.s3Lifecycle) {
        await s3.applyLifecycle(`${config.reports.storagePrefix}/`, config.reports.blobRetentionDays).catch(async (error: Error) => {
          await s3.close();
          await closeOpened();
          throw new ConfigError('REPORTS_S3_LIFECYCLE', `cannot set the bucket lifecycle: ${error.message}`);
        });
      }
      blobStore = s3;
      break;
    }
    default:
      throw new ConfigError('STORAGE_DRIVER', `driver "${config.storage.driver}" is not available in this build`);
  }
  closers.push(() => blobStore.close());

  let redis: Redis | null = null;
  let rawLimiter: RateLimiter;
  if (config.redisUrl) {
    // Errors after startup surface through FailOpenRateLimiter's counted, throttled warning.
    const client = await connectRedis(config.redisUrl, (error) => logger.debug({ err: { message: error.message } }, 'redis connection error')).catch(
      async (error: Error) => {
        await closeOpened();
        throw startupError(error, 'REDIS_URL');
      },
    );
    redis = client;
    closers.push(async () => void (await client.quit()));
    rawLimiter = new RedisRateLimiter(client);
  } else {
    rawLimiter = new MemoryRateLimiter(clock);
    if (config.reports.enabled) logger.warn('REDIS_URL is not set: rate limits are per process');
  }
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

  return {
    deps: { config, logger, ingestion, routers: [] },
    directory,
    repository,
    blobStore,
    limiter,
    redis,
    metrics,
    clock,
    secrets: { urlSigning },
    close: closeOpened,
  };
}
