import { cellId } from '../../domain/rollout-cell';
import type { BeaconRefusalStore, RefusalCount, RefusalQuery, RefusalTotal, UnmatchedCount } from '../../ports/beacon-refusals';
import type { SketchGranularity } from '../../ports/device-sketches';

interface UnmatchedRow extends UnmatchedCount {
  hour: number;
}

export class MemoryBeaconRefusalStore implements BeaconRefusalStore {
  private readonly rows = new Map<string, RefusalCount>();
  private readonly unmatchedRows = new Map<string, UnmatchedRow>();

  async add(counts: RefusalCount[]): Promise<void> {
    for (const c of counts) {
      const id = refusalId(c);
      const row = this.rows.get(id);
      if (row) row.count += c.count;
      else this.rows.set(id, { ...c, cell: c.cell && { ...c.cell }, bucket: new Date(c.bucket) });
    }
  }

  async totals(query: RefusalQuery): Promise<RefusalTotal[]> {
    const sums = new Map<string, RefusalTotal>();
    for (const row of this.rows.values()) {
      if (row.appId !== query.appId || row.granularity !== query.granularity || row.bucket < query.from || row.bucket >= query.to) continue;
      const id = `${row.reason}|${row.cell ? cellId(row.cell) : ''}`;
      const sum = sums.get(id);
      if (sum) sum.count += row.count;
      else sums.set(id, { cell: row.cell && { ...row.cell }, reason: row.reason, count: row.count });
    }
    return [...sums.values()];
  }

  async addUnmatched(hour: Date, counts: UnmatchedCount[], keep: number): Promise<void> {
    for (const c of counts) {
      const id = JSON.stringify([hour.getTime(), c.reason, c.owner, c.appName]);
      const row = this.unmatchedRows.get(id);
      if (row) row.count += c.count;
      else this.unmatchedRows.set(id, { ...c, hour: hour.getTime() });
    }
    const ofHour = [...this.unmatchedRows].filter(([, row]) => row.hour === hour.getTime()).sort(([a, x], [b, y]) => y.count - x.count || (a < b ? -1 : 1));
    for (const [id] of ofHour.slice(keep)) this.unmatchedRows.delete(id);
  }

  async unmatched(from: Date, to: Date): Promise<UnmatchedCount[]> {
    const sums = new Map<string, UnmatchedCount>();
    for (const row of this.unmatchedRows.values()) {
      if (row.hour < from.getTime() || row.hour >= to.getTime()) continue;
      const id = JSON.stringify([row.reason, row.owner, row.appName]);
      const sum = sums.get(id);
      if (sum) sum.count += row.count;
      else sums.set(id, { owner: row.owner, appName: row.appName, reason: row.reason, count: row.count });
    }
    return [...sums.values()].sort((a, b) => b.count - a.count);
  }

  async expire(granularity: SketchGranularity, before: Date): Promise<number> {
    let removed = 0;
    for (const [id, row] of this.rows) {
      if (row.granularity === granularity && row.bucket < before) {
        this.rows.delete(id);
        removed++;
      }
    }
    if (granularity !== 'hour') return removed;
    for (const [id, row] of this.unmatchedRows) {
      if (row.hour < before.getTime()) {
        this.unmatchedRows.delete(id);
        removed++;
      }
    }
    return removed;
  }
}

const refusalId = (c: Omit<RefusalCount, 'count'>) => `${c.appId}|${c.granularity}|${c.bucket.getTime()}|${c.reason}|${c.cell ? cellId(c.cell) : ''}`;
