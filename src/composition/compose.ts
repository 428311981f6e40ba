import type { Logger as PinoLogger } from 'pino';
import { systemClock } from '../adapters/memory/system-clock';
import { PRIVATE_DIR_MODE, tighten } from '../adapters/fs/private-files';
import { createServiceLogger } from '../adapters/pino/pino-logger';
import { PromMetrics } from '../adapters/prometheus/prom-metrics';
import type { ReadinessCheck } from '../adapters/http/ops-routes';
import type { RedisConnection } from '../adapters/redis/redis-client';
import type { SqliteDatabase } from '../adapters/sqlite/sqlite-database';
import { CachedAppDirectory } from '../app/cached-app-directory';
import { RelayTokens } from '../app/relay-tokens';
import type { Identity } from '../app/identity';
import type { LeasedTask } from '../app/leased-task';
import type { LogsIntake } from '../app/logs-intake';
import type { ReportIngestion } from '../app/report-ingestion';
import type { RetentionSweeper } from '../app/retention-sweeper';
import type { DailyCounts } from '../app/rollout-counts';
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
import type { DiskFullWatch } from '../adapters/fs/disk-full-watch';
import { Closers } from './closers';
import type { Config } from './config';
import type { AppDeps } from './create-app';
import { composeIdentity } from './identity';
import { composeLogsIntake, composeReportIngestion } from './intakes';
import { composeLease, leaseHolderName } from './lease';
import { composeLimiter } from './limiter';
import { composeReadApi } from './read-api';
import { composeRetention } from './retention';
import type { RouteParts } from './routes';
import { composeRollouts, type Rollouts } from './rollouts';
import { loadOrCreateSecret, randomHex } from './secrets';
import { composeStorage, type Storage } from './storage';
import { composeVerdicts, composeVerdictStores, type Verdicts, type VerdictStores } from './verdicts';

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
  /** Relay tokens, the credential of POST /telemetry/beacons (routes, CLI). */
  relayTokens: RelayTokens;
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
  rolloutCounts?: DailyCounts;
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

/** What every other part is built with. */
interface Basics {
  logger: PinoLogger;
  clock: Clock;
  metrics: Metrics;
}

/** The stores and the clients the use cases share; composeStores opens them in closing order, reversed. */
interface Stores extends Pick<Storage, 'repository' | 'accounts' | 'sqlite'> {
  storage: Storage;
  blobStore: BlobStore;
  limiter: RateLimiter;
  redis: RedisConnection | null;
  directory: CachedAppDirectory;
  lease: Lease;
  holder: string;
  urlSigning: string;
  /** Watches DATA_DIR's disk for /readyz; null off the embedded database. */
  disk: DiskFullWatch | null;
}

/** The use cases behind the intakes and identity. */
interface Intakes {
  verdictStores: VerdictStores;
  relayTokens: RelayTokens;
  rollouts: Rollouts;
  ingestion: ReportIngestion;
  identity: Identity;
  tokenVerifier: TokenVerifier;
  logsIntake: LogsIntake | null;
}

async function assemble(config: Readonly<Config>, overrides: ComposeOverrides, closers: Closers): Promise<Composition> {
  const basics: Basics = {
    logger: overrides.logger ?? createServiceLogger(config.logLevel),
    clock: overrides.clock ?? systemClock,
    metrics: overrides.metrics ?? new PromMetrics(),
  };
  const stores = await composeStores(config, basics, closers);
  const intakes = await composeIntakes(config, overrides, basics, stores, closers);
  const { sweeper, sweepTask } = composeRetention(config, { ...basics, ...stores, expiresMetadataItself: stores.storage.expiresMetadataItself }, closers);
  const counts = overrides.rolloutCounts ?? intakes.rollouts.rates;
  const verdicts = composeVerdicts(config, intakes.verdictStores, { ...basics, directory: stores.directory, counts, lease: stores.lease, holder: stores.holder }, closers);
  const readinessChecks = readinessChecksOf(stores);
  const leasedWork = () => [sweepTask, intakes.rollouts.sweepTask, ...verdicts.tasks].flatMap((task) => (task ? [task.health()] : []));
  const parts = routeParts(config, { basics, stores, intakes, verdicts, ops: { checks: readinessChecks, leasedWork, logger: basics.logger } });
  const { repository, accounts, sqlite, blobStore, limiter, redis, directory, lease, holder, urlSigning } = stores;
  return {
    deps: { config, logger: basics.logger, clock: basics.clock, parts },
    clock: basics.clock,
    metrics: basics.metrics,
    repository,
    accounts,
    sqlite,
    blobStore,
    limiter,
    redis,
    directory,
    lease,
    holder,
    sweeper,
    sweepTask,
    readinessChecks,
    relayTokens: intakes.relayTokens,
    identity: intakes.identity,
    tokenVerifier: intakes.tokenVerifier,
    secrets: { urlSigning },
    verdicts,
    rollouts: intakes.rollouts,
    close: () => closers.closeAll(),
  };
}

async function composeStores(config: Readonly<Config>, { logger, clock, metrics }: Basics, closers: Closers): Promise<Stores> {
  // Created 0700 by whichever adapter needs it first; one an older version made is tightened here.
  if (tighten(config.dataDir, PRIVATE_DIR_MODE) === 'not_permitted') {
    logger.warn({ dataDir: config.dataDir }, 'DATA_DIR is readable by others and not ours to chmod; the files in it are 0600');
  }
  const urlSigning = config.storage.driver === 's3' ? randomHex(32) : loadOrCreateSecret(config.dataDir, 'url-signing');
  const signer = localUrlSigner(urlSigning, config.publicBaseUrl, () => Math.floor(clock.now().getTime() / 1000));
  const storage = await composeStorage(config, closers);
  const disk = composeDiskWatch(config, closers);
  const blobStore = await composeBlobStore(config, signer, closers, disk?.observe);
  const { limiter, redis } = await composeLimiter(config, { logger, metrics, clock }, closers);
  const directory = new CachedAppDirectory(storage.directory, clock, config.reports.keyCacheTtlMs);
  const lease = await composeLease(storage, redis, clock);
  closers.add(() => lease.close());
  const { repository, accounts, sqlite } = storage;
  return { storage, repository, accounts, sqlite, blobStore, limiter, redis, directory, lease, holder: leaseHolderName(), urlSigning, disk };
}

async function composeIntakes(config: Readonly<Config>, overrides: ComposeOverrides, basics: Basics, stores: Stores, closers: Closers): Promise<Intakes> {
  const { clock, metrics, logger } = basics;
  const { storage, redis, accounts, directory, limiter, lease, holder } = stores;
  const verdictStores = await composeVerdictStores(storage);
  const relayTokens = new RelayTokens({ store: storage.relayTokens, directory, clock, randomHex });
  const rollouts = await composeRollouts(config, { storage, redis, accounts, directory, relayTokens, limiter, metrics, clock, logger, lease, holder }, closers);
  // Where the repository writes group events in the ingest write itself, ingestion needs no outbox.
  const outbox = verdictStores.groupEventsInIngestWrite ? undefined : verdictStores.webhooks;
  const ingestion = composeReportIngestion(config, { ...basics, directory, repository: stores.repository, blobStore: stores.blobStore, limiter, devices: rollouts.counter, outbox });
  const identityParts = composeIdentity(config, { accounts, directory, limiter, clock });
  const tokenVerifier = overrides.tokenVerifier ?? identityParts.tokenVerifier;
  const logsIntake = composeLogsIntake(config, { tokenVerifier, metrics, clock, sink: overrides.clientLogSink, appIntegrity: overrides.appIntegrity }, closers);
  return { verdictStores, relayTokens, rollouts, ingestion, identity: identityParts.identity, tokenVerifier, logsIntake };
}

// The sketches live in the repository's store or in Redis, both checked already.
function readinessChecksOf({ repository, blobStore, redis, disk }: Stores): ReadinessCheck[] {
  return [
    { name: 'repository', check: () => repository.ping() },
    { name: 'blob_store', check: () => blobStore.ping() },
    ...(redis ? [{ name: 'redis', check: async () => void (await redis.ping()) }] : []),
    ...(disk ? [{ name: 'disk', check: () => disk.check() }] : []),
  ];
}

function routeParts(
  config: Readonly<Config>,
  c: { basics: Basics; stores: Stores; intakes: Intakes; verdicts: Verdicts; ops: RouteParts['ops'] },
): RouteParts {
  const { basics, stores, intakes, verdicts } = c;
  const { apps, groups } = composeReadApi(config, { ...stores, relayTokens: intakes.relayTokens, clock: basics.clock, urlSigningSecret: stores.urlSigning });
  return {
    ingestion: intakes.ingestion,
    beacons: intakes.rollouts.beacons,
    ops: c.ops,
    promMetrics: basics.metrics instanceof PromMetrics ? basics.metrics : null,
    identity: intakes.identity,
    tokenVerifier: intakes.tokenVerifier,
    logsIntake: intakes.logsIntake,
    metrics: basics.metrics,
    logger: basics.logger,
    redis: stores.redis,
    apps,
    groups,
    webhookManagement: verdicts.webhookManagement,
    rolloutHealth: verdicts.rolloutHealth,
    rates: intakes.rollouts.rates,
    relayTokens: intakes.relayTokens,
  };
}
