import { randomBytes } from 'node:crypto';
import { MemoryDayKeyStore, MemoryDeviceSketchStore } from '../adapters/memory/memory-device-sketches';
import type { RedisConnection } from '../adapters/redis/redis-client';
import { RedisDayKeyStore, RedisDeviceSketchStore } from '../adapters/redis/redis-device-sketches';
import { SqliteDayKeyStore, SqliteDeviceSketchStore } from '../adapters/sqlite/sqlite-device-sketches';
import { MemoryBeaconRefusalStore } from '../adapters/memory/memory-beacon-refusals';
import { RedisBeaconRefusalStore } from '../adapters/redis/redis-beacon-refusals';
import { SqliteBeaconRefusalStore } from '../adapters/sqlite/sqlite-beacon-refusals';
import { CellCap } from '../app/cell-cap';
import { RefusalTally } from '../app/refusal-tally';
import type { BeaconRefusalStore } from '../ports/beacon-refusals';
import { BeaconIntake, type BeaconIntakeDeps } from '../app/beacon-intake';
import { DeviceCounter } from '../app/device-counter';
import type { RelayTokens } from '../app/relay-tokens';
import { RolloutRates } from '../app/rollout-rates';
import { SketchBuffer } from '../app/sketch-buffer';
import { LeasedTask } from '../app/leased-task';
import { SketchSweeper } from '../app/sketch-sweeper';
import type { AccountRepository } from '../ports/account-repository';
import type { AppDirectory } from '../ports/app-directory';
import type { Clock } from '../ports/clock';
import type { DayKeyStore, DeviceSketchStore } from '../ports/device-sketches';
import type { Lease } from '../ports/lease';
import type { Logger } from '../ports/logger';
import type { Metrics } from '../ports/metrics';
import type { RateLimiter } from '../ports/rate-limiter';
import type { Closers } from './closers';
import { ConfigError, type Config } from './config';
import type { Storage } from './storage';

export interface Rollouts {
  store: DeviceSketchStore;
  dayKeys: DayKeyStore;
  /** Which store holds the sketches: redis, sqlite, mongo or memory. */
  storeName: string;
  /** Counts of refused beacons and of beacons to unknown apps, in the same store as the sketches. */
  refusalStore: BeaconRefusalStore;
  buffer: SketchBuffer;
  /** Refused and unmatched beacons counted in process, written with each flush of the sketches. */
  refusals: RefusalTally;
  counter: DeviceCounter;
  /** The rates API and, through RolloutCounts, the verdict evaluator's counts. */
  rates: RolloutRates;
  sweeper: SketchSweeper;
  /** Runs the sketch sweeper on one instance of many; main.ts starts it. Null when REPORTS_SWEEP_INTERVAL_MS=0. */
  sweepTask: LeasedTask | null;
  /** Null when TELEMETRY_ENABLED=false: the beacon routes then stay unmounted (404). */
  beacons: BeaconIntake | null;
}

/**
 * Device sketches in Redis when REDIS_URL is set (native HyperLogLogs, shared by every instance,
 * expired by PEXPIREAT), else in the repository's own store; ROLLOUT_SKETCH_STORE=repository keeps
 * them there even with Redis; refused-beacon counts go wherever the sketches go and are flushed
 * with them. The buffer's final flush is registered before the stores close.
 */
type RolloutDeps = {
  storage: Storage;
  redis: RedisConnection | null;
  accounts: AccountRepository;
  directory: AppDirectory;
  relayTokens: RelayTokens;
  limiter: RateLimiter;
  metrics: Metrics;
  clock: Clock;
  logger: Logger;
  lease: Lease;
  holder: string;
};

export async function composeRollouts(config: Readonly<Config>, deps: RolloutDeps, closers: Closers): Promise<Rollouts> {
  const { rollouts } = config;
  const { store, dayKeys, refusalStore, storeName } = await open(config, deps);
  const refusals = new RefusalTally({ store: refusalStore, metrics: deps.metrics, logger: deps.logger, unmatchedKept: config.telemetry.unmatchedKept });
  const buffer = new SketchBuffer({
    store,
    logger: deps.logger,
    intervalMs: rollouts.flushIntervalMs,
    maxPendingBytes: rollouts.maxPendingBytes,
    alsoFlush: () => refusals.flush(),
  });
  buffer.start();
  const cap = new CellCap({ store, clock: deps.clock, logger: deps.logger, maxCellsPerDay: rollouts.maxCellsPerAppPerDay });
  const counter = new DeviceCounter({ buffer, keys: dayKeys, randomBytes: (n) => randomBytes(n), cap, refusals });
  const sweeper = new SketchSweeper({
    store,
    refusals: refusalStore,
    keys: dayKeys,
    clock: deps.clock,
    hourlyRetentionDays: rollouts.hourlyRetentionDays,
    dailyRetentionDays: rollouts.dailyRetentionDays,
  });
  const interval = config.reports.sweepIntervalMs;
  const sweepTask =
    interval > 0
      ? new LeasedTask({ lease: deps.lease, name: 'sketch-sweep', holder: deps.holder, intervalMs: interval, job: async () => void (await sweeper.sweepOnce()), clock: deps.clock, logger: deps.logger })
      : null;
  closers.add(
    () => store.close(),
    async () => sweepTask?.stop(),
    () => buffer.close(),
  );
  const rates = new RolloutRates({ directory: deps.directory, store, refusals: refusalStore, clock: deps.clock, minDevices: rollouts.minDevices });
  const beacons = config.telemetry.enabled ? beaconIntake(config, deps, { counter, cap, refusals }) : null;
  return { store, dayKeys, refusalStore, storeName, buffer, refusals, counter, rates, sweeper, sweepTask, beacons };
}

function beaconIntake(config: Readonly<Config>, deps: RolloutDeps, parts: Pick<BeaconIntakeDeps, 'counter' | 'cap' | 'refusals'>): BeaconIntake {
  return new BeaconIntake({
    ...parts,
    accounts: deps.accounts,
    directory: deps.directory,
    relayTokens: deps.relayTokens,
    limiter: deps.limiter,
    metrics: deps.metrics,
    clock: deps.clock,
    logger: deps.logger,
    settings: {
      rateLimitPerIp: config.telemetry.rateLimitPerIp,
      rateLimitWindowSeconds: config.telemetry.rateLimitWindowSeconds,
      cacheTtlMs: config.reports.keyCacheTtlMs,
    },
    rateLimitPerKeyPerMinute: config.reports.rateLimitPerKeyPerMinute,
  });
}

async function open(
  config: Readonly<Config>,
  deps: { storage: Storage; redis: RedisConnection | null; clock: Clock },
): Promise<{ store: DeviceSketchStore; dayKeys: DayKeyStore; refusalStore: BeaconRefusalStore; storeName: string }> {
  const retention = { hourlyDays: config.rollouts.hourlyRetentionDays, dailyDays: config.rollouts.dailyRetentionDays };
  if (deps.redis && config.rollouts.sketchStore === 'auto') {
    return {
      store: new RedisDeviceSketchStore(deps.redis, retention, () => deps.clock.now()),
      dayKeys: new RedisDayKeyStore(deps.redis),
      refusalStore: new RedisBeaconRefusalStore(deps.redis, retention),
      storeName: 'redis',
    };
  }
  const { sqlite, mongoDb: mongo } = deps.storage;
  switch (config.repository.driver) {
    case 'sqlite':
      return { store: new SqliteDeviceSketchStore(sqlite!), dayKeys: new SqliteDayKeyStore(sqlite!), refusalStore: new SqliteBeaconRefusalStore(sqlite!), storeName: 'sqlite' };
    case 'mongo': {
      const { MongoDayKeyStore, MongoDeviceSketchStore } = await import('../adapters/mongo/mongo-device-sketches');
      const { MongoBeaconRefusalStore } = await import('../adapters/mongo/mongo-beacon-refusals');
      return { store: new MongoDeviceSketchStore(mongo!, retention), dayKeys: new MongoDayKeyStore(mongo!), refusalStore: new MongoBeaconRefusalStore(mongo!, retention), storeName: 'mongo' };
    }
    case 'memory':
      return { store: new MemoryDeviceSketchStore(), dayKeys: new MemoryDayKeyStore(), refusalStore: new MemoryBeaconRefusalStore(), storeName: 'memory' };
    default:
      throw new ConfigError('REPOSITORY_DRIVER', `driver "${config.repository.driver}" has no device sketch store`);
  }
}
