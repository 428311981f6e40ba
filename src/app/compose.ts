import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Router } from 'express';
import type { Logger as PinoLogger } from 'pino';
import { ScryptPasswordHasher } from '../adapters/crypto/scrypt-password-hasher';
import { authRoutes } from '../adapters/http/auth-routes';
import { usersRoutes } from '../adapters/http/users-routes';
import { JwtTokenIssuer } from '../adapters/jwt/jwt-token-issuer';
import { JwtTokenVerifier, publicKeyAlgorithm } from '../adapters/jwt/jwt-token-verifier';
import { MemoryAccountRepository } from '../adapters/memory/memory-account-repository';
import { MongoAccountRepository } from '../adapters/mongo/mongo-account-repository';
import { SqliteAccountRepository } from '../adapters/sqlite/sqlite-account-repository';
import type { Redis } from 'ioredis';
import { FsBlobStore } from '../adapters/fs/fs-blob-store';
import { MemoryAppDirectory } from '../adapters/memory/memory-app-directory';
import { MemoryBlobStore } from '../adapters/memory/memory-blob-store';
import { MemoryRateLimiter } from '../adapters/memory/memory-rate-limiter';
import { MemoryReportRepository } from '../adapters/memory/memory-report-repository';
import { systemClock } from '../adapters/memory/system-clock';
import { connectMongo } from '../adapters/mongo/mongo-connection';
import { logsRoutes } from '../adapters/http/logs-routes';
import { appsDocs, authDocs, logsDocs, reportsReadDocs, usersDocs } from '../adapters/http/route-docs';
import { NoopAppIntegrity } from '../adapters/noop/noop-app-integrity';
import { PinoClientLogSink } from '../adapters/pino/pino-client-log-sink';
import { createServiceLogger } from '../adapters/pino/pino-logger';
import { SqliteAppDirectory } from '../adapters/sqlite/sqlite-app-directory';
import { openSqliteDatabase, type SqliteDatabase } from '../adapters/sqlite/sqlite-database';
import { SqliteReportRepository } from '../adapters/sqlite/sqlite-report-repository';
import { connectRedis } from '../adapters/redis/redis-client';
import { RedisRateLimiter } from '../adapters/redis/redis-rate-limiter';
import { S3BlobStore } from '../adapters/s3/s3-blob-store';
import { localUrlSigner } from '../domain/signed-url';
import type { AccountRepository } from '../ports/account-repository';
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
import { RetentionSweeper } from './retention-sweeper';
import { PromMetrics } from '../adapters/prometheus/prom-metrics';
import type { ReadinessCheck } from '../adapters/http/ops-routes';
import { readApiRouters } from './read-api';
import { Identity } from './identity';
import { LogsIntake } from './logs-intake';
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
  sweeper: RetentionSweeper;
  readinessChecks: ReadinessCheck[];
  accounts: AccountRepository;
  identity: Identity;
  /** Verifies bearer JWTs for every authenticated route (read API, /users, logs). */
  tokenVerifier: TokenVerifier;
  secrets: { urlSigning: string };
  /** The embedded database when REPOSITORY_DRIVER=sqlite, for adapters that add their own tables. */
  sqlite: SqliteDatabase | null;
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

/** Adapters name the variable to fix at the start of their message ("S3_BUCKET_NAME_PRIVATE: …"). */
function startupError(error: Error, fallbackVariable: string): ConfigError {
  const named = /^([A-Z][A-Z0-9_]*(?:\/[A-Z][A-Z0-9_]*)*): ([\s\S]*)$/.exec(error.message);
  return named ? new ConfigError(named[1]!, named[2]!) : new ConfigError(fallbackVariable, error.message);
}

export async function compose(config: Readonly<Config>, overrides: ComposeOverrides = {}): Promise<Composition> {
  const closers: Array<() => Promise<void>> = [];
  const closeOpened = async () => {
    for (const close of [...closers].reverse()) await close().catch(() => undefined);
  };
  try {
    return await assemble(config, overrides, closers, closeOpened);
  } catch (error) {
    // A step that fails at startup must not leave the clients opened before it behind.
    await closeOpened();
    throw error;
  }
}

async function assemble(
  config: Readonly<Config>,
  overrides: ComposeOverrides,
  closers: Array<() => Promise<void>>,
  closeOpened: () => Promise<void>,
): Promise<Composition> {
  const logger = overrides.logger ?? createServiceLogger(config.logLevel);
  const clock = overrides.clock ?? systemClock;
  const metrics = overrides.metrics ?? new PromMetrics();

  const urlSigning = config.storage.driver === 's3' ? randomHex(32) : loadOrCreateSecret(config.dataDir, 'url-signing');
  const signer = localUrlSigner(urlSigning, config.publicBaseUrl, () => Math.floor(clock.now().getTime() / 1000));

  // MongoDB's TTL index removes expired blob metadata by itself; see RetentionSweeper.
  const expiresMetadataItself = config.repository.driver === 'mongo';
  let repository: ReportRepository;
  let rawDirectory: AppDirectory;
  let sqlite: SqliteDatabase | null = null;
  let accounts: AccountRepository;
  switch (config.repository.driver) {
    case 'sqlite': {
      const db = openSqliteDatabase(config.dataDir);
      sqlite = db;
      // Pushed before the adapters' closers, so the shared handle closes after both of them.
      closers.push(async () => {
        db.close();
      });
      repository = new SqliteReportRepository(db);
      rawDirectory = new SqliteAppDirectory(db);
      accounts = new SqliteAccountRepository(db);
      break;
    }
    case 'memory':
      repository = new MemoryReportRepository();
      rawDirectory = new MemoryAppDirectory();
      accounts = new MemoryAccountRepository();
      break;
    case 'mongo': {
      const mongo = await connectMongo(config.repository.mongoUrl ?? '', config.repository.mongoDb);
      ({ repository, directory: rawDirectory } = mongo);
      closers.push(() => mongo.close());
      const mongoAccounts = new MongoAccountRepository(mongo.db);
      await mongoAccounts.ensureIndexes();
      accounts = mongoAccounts;
      break;
    }
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
      const s3 = await S3BlobStore.connect(config.storage.s3).catch((error: Error) => {
        throw startupError(error, 'STORAGE_DRIVER');
      });
      if (config.reports.s3Lifecycle) {
        await s3.applyLifecycle(`${config.reports.storagePrefix}/`, config.reports.blobRetentionDays).catch(async (error: Error) => {
          await s3.close();
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
    const onError = (error: Error) => logger.debug({ err: { message: error.message } }, 'redis connection error');
    const client = await connectRedis(config.redisUrl, onError).catch((error: Error) => {
      throw startupError(error, 'REDIS_URL');
    });
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

  const readinessChecks: ReadinessCheck[] = [
    { name: 'repository', check: () => repository.ping() },
    { name: 'blob_store', check: () => blobStore.ping() },
  ];
  if (redis) {
    const client = redis;
    readinessChecks.push({ name: 'redis', check: async () => void (await client.ping()) });
  }
  const sweeper = new RetentionSweeper({
    repository,
    blobStore,
    clock,
    logger,
    lookaheadMs: expiresMetadataItself ? config.reports.sweepIntervalMs + 60_000 : 0,
  });
  closers.push(() => sweeper.stop());

  const identityParts = composeIdentity(config, { accounts, directory, limiter, clock });
  const { identity } = identityParts;
  const tokenVerifier = overrides.tokenVerifier ?? identityParts.tokenVerifier;
  const routers: Router[] = [authRoutes(identity), usersRoutes(identity, tokenVerifier)];
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
    routers.push(logsRoutes({ intake, settings: config.logs, metrics, logger, redis }));
  }
  const routeDocs = [...authDocs, ...usersDocs, ...appsDocs, ...(config.reports.enabled ? reportsReadDocs : []), ...(config.logs.enabled ? logsDocs(config.logs) : [])];

  const composition: Composition = {
    deps: {
      config,
      logger,
      ingestion,
      routers,
      routeDocs,
      ops: { checks: readinessChecks, metrics: metrics instanceof PromMetrics ? metrics : undefined, metricsToken: config.metricsToken, logger },
    },
    sweeper,
    readinessChecks,
    directory,
    repository,
    blobStore,
    limiter,
    redis,
    metrics,
    clock,
    accounts,
    identity,
    tokenVerifier,
    secrets: { urlSigning },
    sqlite,
    close: closeOpened,
  };
  composition.deps.routers!.push(...readApiRouters(composition, tokenVerifier, randomHex));
  return composition;
}

/**
 * JWT_SECRET, else (embedded default) a secret kept under DATA_DIR so tokens survive restarts.
 * With only JWT_PUBLIC_KEY, tokens come from an external issuer: they are verified, and sign-in
 * and the token command answer 501 because this service has nothing to sign with.
 */
function composeIdentity(
  config: Readonly<Config>,
  deps: { accounts: AccountRepository; directory: AppDirectory; limiter: RateLimiter; clock: Clock },
): { tokenVerifier: TokenVerifier; identity: Identity } {
  const { auth } = config;
  if (auth.jwtPublicKey !== null && publicKeyAlgorithm(auth.jwtPublicKey) === null) {
    throw new ConfigError('JWT_PUBLIC_KEY', 'must be an RSA or EC P-256 public key');
  }
  const secret = auth.jwtSecret ?? (auth.jwtPublicKey === null ? loadOrCreateSecret(config.dataDir, 'jwt') : null);
  const claims = { issuer: auth.jwtIssuer, audience: auth.jwtAudience };
  const tokenVerifier = new JwtTokenVerifier({ secret, publicKey: auth.jwtPublicKey, ...claims }, deps.accounts, deps.clock);
  const identity = new Identity({
    accounts: deps.accounts,
    hasher: new ScryptPasswordHasher(),
    issuer: secret === null ? null : new JwtTokenIssuer({ secret, ...claims }, deps.clock),
    apps: deps.directory,
    limiter: deps.limiter,
    clock: deps.clock,
    newId: () => randomHex(12),
    settings: { tokenTtlSeconds: auth.tokenTtlSeconds, loginRateLimitPerMinute: auth.loginRateLimitPerMinute },
  });
  return { tokenVerifier, identity };
}
