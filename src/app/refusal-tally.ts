import { bucketStart, cellId, type RolloutCell } from '../domain/rollout-cell';
import type { BeaconRefusalStore, RefusalCount, RefusalReason, UnmatchedCount, UnmatchedReason } from '../ports/beacon-refusals';
import type { Logger } from '../ports/logger';
import type { Metrics } from '../ports/metrics';

/** Distinct unmatched names counted per interval; more are counted in `stats.unmatchedOverflow` only. */
const MAX_UNMATCHED_PER_INTERVAL = 1_000;
/** Refusal rows per interval; bounded anyway (capped cells × reasons per app), this only guards the guard. */
const MAX_REFUSAL_ROWS_PER_INTERVAL = 100_000;

export interface RefusalTallySettings {
  store: BeaconRefusalStore;
  metrics: Metrics;
  logger: Logger;
  /** TELEMETRY_UNKNOWN_APPS_KEPT: the unmatched (owner, app name) rows kept per hour, the most frequent. */
  unmatchedKept: number;
}

/**
 * Counts beacons that were not counted, in process, and adds them to the store with each sketch
 * flush, so a flood of refusals costs a map increment each, never a write each:
 * refusals per (app, hour, reason, cell or none), written to both the hour's and the day's bucket;
 * and beacons whose (owner, app name) matched no app that counts, for the admin's eyes only. Each
 * refusal also bumps telltale_beacons_refused_total{reason}, which names no app.
 */
export class RefusalTally {
  private refusals = new Map<string, RefusalCount>();
  private unmatchedNames = new Map<string, { hour: number; count: UnmatchedCount }>();
  private flushing: Promise<void> = Promise.resolve();
  readonly stats = { writes: 0, unmatchedOverflow: 0, refusalOverflow: 0, failedWrites: 0 };

  constructor(private readonly deps: RefusalTallySettings) {}

  /** A refusal; `appId` null when its app is unknown or could not be looked up cheaply: then it is only in the metric. */
  refused(appId: string | null, cell: RolloutCell | null, at: Date, reason: RefusalReason, count = 1): void {
    this.deps.metrics.increment('beacons_refused_total', { reason }, count);
    if (appId === null) return;
    const hour = Math.floor(at.getTime() / 3_600_000) * 3_600_000;
    const id = `${appId}|${hour}|${reason}|${cell ? cellId(cell) : ''}`;
    const row = this.refusals.get(id);
    if (row) row.count += count;
    else if (this.refusals.size < MAX_REFUSAL_ROWS_PER_INTERVAL) this.refusals.set(id, { appId, cell, granularity: 'hour', bucket: new Date(hour), reason, count });
    else this.stats.refusalOverflow += count;
  }

  unmatched(owner: string, appName: string, reason: UnmatchedReason, at: Date): void {
    const hour = Math.floor(at.getTime() / 3_600_000) * 3_600_000;
    const id = JSON.stringify([hour, reason, owner, appName]);
    const row = this.unmatchedNames.get(id);
    if (row) row.count.count++;
    else if (this.unmatchedNames.size < MAX_UNMATCHED_PER_INTERVAL) this.unmatchedNames.set(id, { hour, count: { owner, appName, reason, count: 1 } });
    else this.stats.unmatchedOverflow++;
  }

  /** Writes what was counted since the last flush (the sketch buffer calls it after each of its own); a failed write is logged and its counts dropped. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.write());
    return this.flushing;
  }

  private async write(): Promise<void> {
    const refusals = this.refusals;
    const unmatched = this.unmatchedNames;
    if (refusals.size === 0 && unmatched.size === 0) return;
    this.refusals = new Map();
    this.unmatchedNames = new Map();
    try {
      if (refusals.size > 0) {
        this.stats.writes++;
        await this.deps.store.add(withDays([...refusals.values()]));
      }
      for (const [hour, counts] of byHour(unmatched)) {
        this.stats.writes++;
        await this.deps.store.addUnmatched(new Date(hour), counts, this.deps.unmatchedKept);
      }
    } catch (error) {
      // Counts of what was not counted: losing one interval of them on a store outage is logged, not retried.
      this.stats.failedWrites++;
      this.deps.logger.warn({ err: { message: (error as Error).message } }, 'refused-beacon counts not written');
    }
  }
}

/** Each hourly row, plus its day's row (hours of one day summed). */
function withDays(hourly: RefusalCount[]): RefusalCount[] {
  const days = new Map<string, RefusalCount>();
  for (const row of hourly) {
    const day = bucketStart(row.bucket, 'day');
    const id = `${row.appId}|${day.getTime()}|${row.reason}|${row.cell ? cellId(row.cell) : ''}`;
    const sum = days.get(id);
    if (sum) sum.count += row.count;
    else days.set(id, { ...row, granularity: 'day', bucket: day });
  }
  return [...hourly, ...days.values()];
}

function byHour(rows: Map<string, { hour: number; count: UnmatchedCount }>): Map<number, UnmatchedCount[]> {
  const out = new Map<number, UnmatchedCount[]>();
  for (const { hour, count } of rows.values()) {
    const list = out.get(hour);
    if (list) list.push(count);
    else out.set(hour, [count]);
  }
  return out;
}
