import { utcDay } from '../domain/rollout-cell';
import type { Clock } from '../ports/clock';
import type { BeaconRefusalStore } from '../ports/beacon-refusals';
import type { DayKeyStore, DeviceSketchStore } from '../ports/device-sketches';

const DAY_MS = 86_400_000;

/**
 * Removes sketches and refused-beacon counts past their retention (stores without a TTL; the
 * others answer 0), in batches that yield to the event loop, and the daily keys two days after
 * their day, so a digest can't be recomputed once its day is over.
 */
export class SketchSweeper {
  constructor(
    private readonly deps: {
      store: DeviceSketchStore;
      refusals: BeaconRefusalStore;
      keys: DayKeyStore;
      clock: Clock;
      hourlyRetentionDays: number;
      dailyRetentionDays: number;
    },
  ) {}

  async sweepOnce(): Promise<{ hourly: number; daily: number; refusals: number; keys: number }> {
    const now = this.deps.clock.now().getTime();
    const hourBefore = new Date(now - this.deps.hourlyRetentionDays * DAY_MS);
    const dayBefore = new Date(now - this.deps.dailyRetentionDays * DAY_MS);
    const hourly = await this.deps.store.expire('hour', hourBefore);
    const daily = await this.deps.store.expire('day', dayBefore);
    const refusals = (await this.deps.refusals.expire('hour', hourBefore)) + (await this.deps.refusals.expire('day', dayBefore));
    const keys = await this.deps.keys.deleteBefore(utcDay(new Date(now - 2 * DAY_MS)));
    return { hourly, daily, refusals, keys };
  }
}
