import { utcDay } from '../domain/rollout-cell';
import type { Clock } from '../ports/clock';
import type { DayKeyStore, DeviceSketchStore } from '../ports/device-sketches';

const DAY_MS = 86_400_000;

/**
 * Removes sketches past their retention (stores without a TTL; the others answer 0) and the daily
 * keys two days after their day, so a digest can't be recomputed once its day is over.
 */
export class SketchSweeper {
  constructor(
    private readonly deps: { store: DeviceSketchStore; keys: DayKeyStore; clock: Clock; hourlyRetentionDays: number; dailyRetentionDays: number },
  ) {}

  async sweepOnce(): Promise<{ hourly: number; daily: number; keys: number }> {
    const now = this.deps.clock.now().getTime();
    const hourly = await this.deps.store.expire('hour', new Date(now - this.deps.hourlyRetentionDays * DAY_MS));
    const daily = await this.deps.store.expire('day', new Date(now - this.deps.dailyRetentionDays * DAY_MS));
    const keys = await this.deps.keys.deleteBefore(utcDay(new Date(now - 2 * DAY_MS)));
    return { hourly, daily, keys };
  }
}
