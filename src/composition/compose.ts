import type { Logger as PinoLogger } from 'pino';
import { systemClock } from '../adapters/memory/system-clock';
import { PRIVATE_DIR_MODE, tighten } from '../adapters/fs/private-files';
import { createServiceLogger } from '../adapters/pino/pino-logger';
import { PromMetrics } from '../adapters/prometheus/prom-metrics';
import type { ReadinessCheck } from '../adapters/http/ops-routes';
import type { RedisConnection } from '../adapters/redis/redis-client';
import type { SqliteDatabase } from '../adapters/sqlite/sqlite-database';
import { CachedAppDirectory } from '../app/cached-app-directory';
import type { Identity } from '../app/identity';
import { LeasedTask } from '../app/leased-task';
import { RetentionSweeper } from '../app/retention-sweeper';
import { localUrlSigner } from '../domain/signed-url';
import type { AccountRepository } from '../ports/account-repository';
import type { AppIntegrity } from '../ports/app-integrity';
import type { BlobStore } from '../ports/blob-store';
import type { Clock } from '../ports/clock';
import type { Lease } from '../ports/lease';
import type { ClientLogSink } from '../ports/logger';
import type { Metrics } from '../ports/metrics';
import type { RateLimiter } from '../ports/rate-limiter';
import type { ReportRepository } from '../ports/report-repository';
import type { TokenVerifier } from '../ports/token-verifier';
import { composeBlobStore } from './blob-store';
import { composeDiskWatch } from './disk-watch';
import { Closers } from './closers';
import type { Config } from './config';
import type { AppDeps } from './create-app';
import { composeIdentity } from './identity';
import { composeLogsIntake, composeReportIngestion } from './intakes';
import { composeLease, leaseHolderName } from './lease';
import { composeLimiter } from './limiter';
import { apiRoutes } from './routes';
import { loadOrCreateSecret, randomHex } from './secrets';
import { composeStorage } from './storage';
import { composeVerdicts, composeVerdictStores, type Verdicts } from './verdicts';
import type { RolloutCounts } from '../app/rollout-evaluator';
import { composeRollouts, type Rollouts } from './rollouts';

export { loadOrCreateSecret, randomHex } from './secrets';

export interface Composition {
  deps: AppDeps;
  directory: CachedAppDirectory;
  repository: ReportRepository;
  blobStore: BlobStore;
  limiter: RateLimiter;
  /** Set when REDIS_URL or REDIS_CLUSTER_NODES is; shared with other Redis users (logs limiter, leases). */
  redis: RedisConnection | null;
  metrics: Metrics;
  clock: Clock;
  sweeper: RetentionSweeper;
  /** Runs the sweeper on one instance of many; main.ts starts it. Null when REPORTS_SWEEP_INTERVAL_MS=0. */
  sweepTask: LeasedTask | null;
  /** Work that must happen once across instances runs under it. */
  lease: Lease;
  /** This instance's name as a lease holder. */
  holder: string;
  readinessChecks: ReadinessCheck[];
  accounts: AccountRepository;
  identity: Identity;
  /** Verifies bearer JWTs for every authenticated route (read API, /users, logs). */
  tokenVerifier: TokenVerifier;
  secrets: { urlSigning: string };
  /** The embedded database when REPOSITORY_DRIVER=sqlite, for adapters that add their own tables. */
  sqlite: SqliteDatabase | null;
  /** Rollout verdicts and webhooks; main.ts starts their loops. */
  verdicts: Verdicts;
  /** Device sketches, beacons and rates (rollout health). */
  rollouts: Rollouts;
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
  /** Hourly counts for rollout evaluations instead of the device sketches (tests). */
  rolloutCounts?: RolloutCounts;
}

/** Builds every adapter and use case from the config, one port family at a time. */
export async function compose(config: Readonly<Config>, overrides: ComposeOverrides = {}): Promise<Composition> {
  const closers = new Closers();
  try {
    return await assemble(config, overrides, closers);
  } catch (error) {
    // A step that fails at startup must not leave the clients opened before it behind.
    await closers.closeAll();
    throw error;
  }
}

async function assemble(config: Readonly<Config>, overrides: ComposeOverrides, closers: Closers): Promise<Composition> {
  const logger = overrides.logger ?? createServiceLogger(config.logLevel);
  const clock = overrides.clock ?? systemClock;
  const metrics = overrides.metrics ?? new PromMetrics();

  // Created 0700 by whichever adapter needs it first; one an older version made is tightened here.
  if (tighten(config.dataDir, PRIVATE_DIR_MODE) === 'not_permitted') {
    logger.warn({ dataDir: config.dataDir }, 'DATA_DIR is readable by others and not ours to chmod; the files in it are 0600');
  }
  const urlSigning = config.storage.driver === 's3' ? randomHex(32) : loadOrCreateSecret(config.dataDir, 'url-signing');
  const signer = localUrlSigner(urlSigning, config.publicBaseUrl, () => Math.floor(clock.now().getTime() / 1000));

  const storage = await composeStorage(config, closers);
  const { repository, accounts, sqlite } = storage;
  const disk = composeDiskWatch(config, closers);
  const blobStore = await composeBlobStore(config, signer, closers, disk?.observe);
  const { limiter, redis } = await composeLimiter(config, { logger, metrics, clock }, closers);
  const directory = new CachedAppDirectory(storage.directory, clock, config.reports.keyCacheTtlMs);
  const lease = await composeLease(storage, redis, clock);
  closers.add(() => lease.close());
  const holder = leaseHolderName();

  const verdictStores = await composeVerdictStores(storage);
  const rollouts = await composeRollouts(config, { storage, redis, accounts, directory, limiter, metrics, clock, logger, lease, holder }, closers);
  const ingestion = composeReportIngestion(config, { directory, repository, blobStore, limiter, clock, metrics, logger, devices: rollouts.counter, outbox: verdictStores.groupEventsInIngestWrite ? undefined : verdictStores.webhooks });
  const identityParts = composeIdentity(config, { accounts, directory, limiter, clock });
  const { identity } = identityParts;
  const tokenVerifier = overrides.tokenVerifier ?? identityParts.tokenVerifier;
  const logsIntake = composeLogsIntake(config, { tokenVerifier, metrics, clock, sink: overrides.clientLogSink, appIntegrity: overrides.appIntegrity }, closers);

  // The sketches live in the repository's store or in Redis, both checked already.
  const readinessChecks: ReadinessCheck[] = [
    { name: 'repository', check: () => repository.ping() },
    { name: 'blob_store', check: () => blobStore.ping() },
    ...(redis ? [{ name: 'redis', check: async () => void (await redis.ping()) }] : []),
    ...(disk ? [{ name: 'disk', check: () => disk.check() }] : []),
  ];
  const sweeper = new RetentionSweeper({
    repository,
    blobStore,
    clock,
    logger,
    lookaheadMs: storage.expiresMetadataItself ? config.reports.sweepIntervalMs + 60_000 : 0,
  });
  closers.add(() => sweeper.stop());
  const sweepTask =
    config.reports.sweepIntervalMs > 0
      ? new LeasedTask({ lease, name: 'retention-sweep', holder, intervalMs: config.reports.sweepIntervalMs, job: () => sweeper.sweepOnce(), clock, logger })
      : null;
  // Stops before the sweeper's closer (closers run in reverse): waits for a running sweep, then releases.
  if (sweepTask) closers.add(() => sweepTask.stop());

  const verdicts = composeVerdicts(config, verdictStores, { directory, clock, logger, counts: overrides.rolloutCounts ?? rollouts.rates, lease, holder }, closers);

  const secrets = { urlSigning };
  const { routers, routeDocs } = apiRoutes(config, {
    deps: { config },
    directory,
    repository,
    blobStore,
    clock,
    secrets,
    identity,
    tokenVerifier,
    logsIntake,
    metrics,
    logger,
    redis,
    verdicts,
    rates: rollouts.rates,
  });

  return {
    deps: {
      config,
      logger,
      clock,
      ingestion,
      beacons: rollouts.beacons ?? undefined,
      routers,
      routeDocs,
      ops: {
        checks: readinessChecks,
        leasedWork: () => [sweepTask, rollouts.sweepTask, ...verdicts.tasks].flatMap((task) => (task ? [task.health()] : [])),
        metrics: metrics instanceof PromMetrics ? metrics : undefined,
        metricsToken: config.metricsToken,
        logger,
      },
    },
    sweeper,
    sweepTask,
    lease,
    holder,
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
    secrets,
    sqlite,
    verdicts,
    rollouts,
    close: () => closers.closeAll(),
  };
}
