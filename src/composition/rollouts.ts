import { randomBytes } from 'node:crypto';
import { MemoryDayKeyStore, MemoryDeviceSketchStore } from '../adapters/memory/memory-device-sketches';
import type { RedisConnection } from '../adapters/redis/redis-client';
import { RedisDayKeyStore, RedisDeviceSketchStore } from '../adapters/redis/redis-device-sketches';
import { SqliteDayKeyStore, SqliteDeviceSketchStore } from '../adapters/sqlite/sqlite-device-sketches';
import { BeaconIntake } from '../app/beacon-intake';
import { DeviceCounter } from '../app/device-counter';
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
  buffer: SketchBuffer;
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
 * them there even with Redis. The buffer's final flush is registered before the stores close.
 */
export async function composeRollouts(
  config: Readonly<Config>,
  deps: {
    storage: Storage;
    redis: RedisConnection | null;
    accounts: AccountRepository;
    directory: AppDirectory;
    limiter: RateLimiter;
    metrics: Metrics;
    clock: Clock;
    logger: Logger;
    lease: Lease;
    holder: string;
  },
  closers: Closers,
): Promise<Rollouts> {
  const { rollouts } = config;
  const { store, dayKeys, storeName } = await open(config, deps);
  const buffer = new SketchBuffer({ store, logger: deps.logger, intervalMs: rollouts.flushIntervalMs });
  buffer.start();
  const counter = new DeviceCounter({ buffer, keys: dayKeys, randomBytes: (n) => randomBytes(n) });
  const sweeper = new SketchSweeper({
    store,
    keys: dayKeys,
    clock: deps.clock,
    logger: deps.logger,
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
    () => sweeper.stop(),
    async () => sweepTask?.stop(),
    () => buffer.close(),
  );
  const rates = new RolloutRates({ directory: deps.directory, store, clock: deps.clock, minDevices: rollouts.minDevices });
  const beacons = config.telemetry.enabled
    ? new BeaconIntake({
        accounts: deps.accounts,
        directory: deps.directory,
        limiter: deps.limiter,
        counter,
        metrics: deps.metrics,
        clock: deps.clock,
        logger: deps.logger,
        settings: { rateLimitPerIpPerMinute: config.telemetry.rateLimitPerIpPerMinute, cacheTtlMs: config.reports.keyCacheTtlMs },
        rateLimitPerKeyPerMinute: config.reports.rateLimitPerKeyPerMinute,
      })
    : null;
  return { store, dayKeys, storeName, buffer, counter, rates, sweeper, sweepTask, beacons };
}

async function open(
  config: Readonly<Config>,
  deps: { storage: Storage; redis: RedisConnection | null; clock: Clock },
): Promise<{ store: DeviceSketchStore; dayKeys: DayKeyStore; storeName: string }> {
  const retention = { hourlyDays: config.rollouts.hourlyRetentionDays, dailyDays: config.rollouts.dailyRetentionDays };
  if (deps.redis && config.rollouts.sketchStore === 'auto') {
    return { store: new RedisDeviceSketchStore(deps.redis, retention, () => deps.clock.now()), dayKeys: new RedisDayKeyStore(deps.redis), storeName: 'redis' };
  }
  const { sqlite, mongoDb: mongo } = deps.storage;
  switch (config.repository.driver) {
    case 'sqlite':
      return { store: new SqliteDeviceSketchStore(sqlite!), dayKeys: new SqliteDayKeyStore(sqlite!), storeName: 'sqlite' };
    case 'mongo': {
      const { MongoDayKeyStore, MongoDeviceSketchStore } = await import('../adapters/mongo/mongo-device-sketches');
      return { store: new MongoDeviceSketchStore(mongo!, retention), dayKeys: new MongoDayKeyStore(mongo!), storeName: 'mongo' };
    }
    case 'memory':
      return { store: new MemoryDeviceSketchStore(), dayKeys: new MemoryDayKeyStore(), storeName: 'memory' };
    default:
      throw new ConfigError('REPOSITORY_DRIVER', `driver "${config.repository.driver}" has no device sketch store`);
  }
}
