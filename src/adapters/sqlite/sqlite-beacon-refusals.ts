import { setImmediate } from 'node:timers/promises';
import { cellFromId, cellId } from '../../domain/rollout-cell';
import type { BeaconRefusalStore, RefusalCount, RefusalQuery, RefusalReason, RefusalTotal, UnmatchedCount, UnmatchedReason } from '../../ports/beacon-refusals';
import type { SketchGranularity } from '../../ports/device-sketches';
import { guarded, type SqliteDatabase } from './sqlite-database';

const BUCKET_MS = { hour: 3_600_000, day: 86_400_000 } as const;
/** Buckets summed by one query: a day of hours, a week of days; the next slice waits for the next turn. */
const BUCKETS_PER_QUERY = { hour: 24, day: 7 } as const;
const EXPIRY_BATCH = 2_000;

/**
 * Refused-beacon counts in two tables on the shared handle (SQLite migration 3): `beacon_refusals`
 * per (app, granularity, bucket, cell, reason), the cell as its id ('' for none), and
 * `beacon_unmatched` per (hour, reason, owner, app name), trimmed to the hour's largest rows after each add.
 */
export class SqliteBeaconRefusalStore implements BeaconRefusalStore {
  private readonly upsert;
  private readonly sum;
  private readonly upsertUnmatched;
  private readonly trimUnmatched;
  private readonly sumUnmatched;
  private readonly remove;
  private readonly removeUnmatched;

  constructor(private readonly db: SqliteDatabase) {
    this.upsert = db.prepare(
      `INSERT INTO beacon_refusals (app_id, granularity, bucket, cell, reason, count) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (app_id, granularity, bucket, cell, reason) DO UPDATE SET count = count + excluded.count`,
    );
    this.sum = db.prepare<[string, string, number, number], { cell: string; reason: string; count: number }>(
      'SELECT cell, reason, SUM(count) AS count FROM beacon_refusals WHERE app_id = ? AND granularity = ? AND bucket >= ? AND bucket < ? GROUP BY cell, reason',
    );
    this.upsertUnmatched = db.prepare(
      `INSERT INTO beacon_unmatched (hour, reason, owner, app_name, count) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (hour, reason, owner, app_name) DO UPDATE SET count = count + excluded.count`,
    );
    this.trimUnmatched = db.prepare(
      `DELETE FROM beacon_unmatched WHERE hour = ? AND (reason, owner, app_name) NOT IN
         (SELECT reason, owner, app_name FROM beacon_unmatched WHERE hour = ? ORDER BY count DESC, owner, app_name, reason LIMIT ?)`,
    );
    this.sumUnmatched = db.prepare<[number, number], { owner: string; app_name: string; reason: string; count: number }>(
      `SELECT owner, app_name, reason, SUM(count) AS count FROM beacon_unmatched WHERE hour >= ? AND hour < ?
       GROUP BY reason, owner, app_name ORDER BY count DESC, owner, app_name, reason`,
    );
    this.remove = db.prepare(
      `DELETE FROM beacon_refusals WHERE (app_id, granularity, bucket, cell, reason) IN
         (SELECT app_id, granularity, bucket, cell, reason FROM beacon_refusals WHERE granularity = ? AND bucket < ? LIMIT ?)`,
    );
    this.removeUnmatched = db.prepare('DELETE FROM beacon_unmatched WHERE hour < ?');
  }

  async add(counts: RefusalCount[]): Promise<void> {
    if (counts.length === 0) return;
    guarded('refusal add', () =>
      this.db.transaction(() => {
        for (const c of counts) this.upsert.run(c.appId, c.granularity, c.bucket.getTime(), c.cell ? cellId(c.cell) : '', c.reason, c.count);
      })(),
    );
  }

  /** A slice of buckets per query, one query per event-loop turn. */
  async totals(query: RefusalQuery): Promise<RefusalTotal[]> {
    const sums = new Map<string, RefusalTotal>();
    const step = BUCKETS_PER_QUERY[query.granularity] * BUCKET_MS[query.granularity];
    for (let start = query.from.getTime(); start < query.to.getTime(); start += step) {
      if (start > query.from.getTime()) await setImmediate();
      const end = Math.min(start + step, query.to.getTime());
      for (const row of guarded('refusal read', () => this.sum.all(query.appId, query.granularity, start, end))) {
        const id = `${row.reason}|${row.cell}`;
        const total = sums.get(id);
        if (total) total.count += row.count;
        else sums.set(id, { cell: row.cell === '' ? null : cellFromId(row.cell), reason: row.reason as RefusalReason, count: row.count });
      }
    }
    return [...sums.values()];
  }

  async addUnmatched(hour: Date, counts: UnmatchedCount[], keep: number): Promise<void> {
    if (counts.length === 0) return;
    const at = hour.getTime();
    guarded('unmatched beacons add', () =>
      this.db.transaction(() => {
        for (const c of counts) this.upsertUnmatched.run(at, c.reason, c.owner, c.appName, c.count);
        this.trimUnmatched.run(at, at, keep);
      })(),
    );
  }

  async unmatched(from: Date, to: Date): Promise<UnmatchedCount[]> {
    return guarded('unmatched beacons read', () => this.sumUnmatched.all(from.getTime(), to.getTime())).map((row) => ({
      owner: row.owner,
      appName: row.app_name,
      reason: row.reason as UnmatchedReason,
      count: row.count,
    }));
  }

  async expire(granularity: SketchGranularity, before: Date): Promise<number> {
    let removed = granularity === 'hour' ? guarded('unmatched beacons expiry', () => this.removeUnmatched.run(before.getTime()).changes) : 0;
    for (;;) {
      const changes = guarded('refusal expiry', () => this.remove.run(granularity, before.getTime(), EXPIRY_BATCH).changes);
      removed += changes;
      if (changes < EXPIRY_BATCH) return removed;
      await setImmediate();
    }
  }
}
