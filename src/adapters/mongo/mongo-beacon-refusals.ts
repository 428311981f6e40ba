import type { Collection, Db } from 'mongodb';
import type { BeaconRefusalStore, RefusalCount, RefusalQuery, RefusalReason, RefusalTotal, UnmatchedCount, UnmatchedReason } from '../../ports/beacon-refusals';
import type { SketchGranularity } from '../../ports/device-sketches';
import { guarded } from './mongo-errors';
import {
  REFUSAL_COLLECTIONS,
  UNMATCHED_ORDER,
  fromRefusalGroup,
  fromUnmatchedGroup,
  refusalAddUpdate,
  refusalExpiryFilter,
  refusalId,
  refusalIdFilter,
  refusalTotalsPipeline,
  unmatchedAddUpdate,
  unmatchedExpiryFilter,
  unmatchedHourFilter,
  unmatchedIdFilter,
  unmatchedPipeline,
  type RefusalDocument,
  type UnmatchedDocument,
} from './mongo-refusal-builders';

const DAY_MS = 86_400_000;
const BUCKET_MS = { hour: 3_600_000, day: DAY_MS } as const;

/** One document per counted row, added to with $inc (bulk, unordered); expiry is the TTL index (Mongo migration 2). */
export class MongoBeaconRefusalStore implements BeaconRefusalStore {
  private readonly refusals: Collection<RefusalDocument>;
  private readonly unmatchedRows: Collection<UnmatchedDocument>;

  constructor(
    db: Db,
    private readonly retention: { hourlyDays: number; dailyDays: number },
  ) {
    this.refusals = db.collection<RefusalDocument>(REFUSAL_COLLECTIONS.refusals);
    this.unmatchedRows = db.collection<UnmatchedDocument>(REFUSAL_COLLECTIONS.unmatched);
  }

  async add(counts: RefusalCount[]): Promise<void> {
    // One operation per row: two upserts of one new _id in one bulk could race to insert it.
    const rows = new Map<string, RefusalCount>();
    for (const c of counts) {
      const id = refusalId(c);
      const row = rows.get(id);
      if (row) row.count += c.count;
      else rows.set(id, { ...c });
    }
    if (rows.size === 0) return;
    const operations = [...rows.values()].map((c) => {
      const days = c.granularity === 'hour' ? this.retention.hourlyDays : this.retention.dailyDays;
      const expiresAt = new Date(c.bucket.getTime() + BUCKET_MS[c.granularity] + days * DAY_MS);
      return { updateOne: { filter: refusalIdFilter(c), update: refusalAddUpdate(c, expiresAt), upsert: true } };
    });
    await guarded('refusal add', () => this.refusals.bulkWrite(operations, { ordered: false }));
  }

  async totals(query: RefusalQuery): Promise<RefusalTotal[]> {
    const groups = await guarded('refusal read', () =>
      this.refusals.aggregate<{ _id: { cell: string; reason: RefusalReason }; count: number }>(refusalTotalsPipeline(query)).toArray(),
    );
    return groups.map(fromRefusalGroup);
  }

  async addUnmatched(hour: Date, counts: UnmatchedCount[], keep: number): Promise<void> {
    if (counts.length === 0) return;
    const expiresAt = new Date(hour.getTime() + BUCKET_MS.hour + this.retention.hourlyDays * DAY_MS);
    const operations = counts.map((c) => ({ updateOne: { filter: unmatchedIdFilter(hour, c), update: unmatchedAddUpdate(hour, c, expiresAt), upsert: true } }));
    await guarded('unmatched beacons add', () => this.unmatchedRows.bulkWrite(operations, { ordered: false }));
    const beyond = await guarded('unmatched beacons trim', () =>
      this.unmatchedRows.find(unmatchedHourFilter(hour), { projection: { _id: 1 } }).sort(UNMATCHED_ORDER).skip(keep).toArray(),
    );
    if (beyond.length > 0) await guarded('unmatched beacons trim', () => this.unmatchedRows.deleteMany({ _id: { $in: beyond.map((d) => d._id) } }));
  }

  async unmatched(from: Date, to: Date): Promise<UnmatchedCount[]> {
    const groups = await guarded('unmatched beacons read', () =>
      this.unmatchedRows.aggregate<{ _id: { reason: UnmatchedReason; owner: string; app_name: string }; count: number }>(unmatchedPipeline(from, to)).toArray(),
    );
    return groups.map(fromUnmatchedGroup);
  }

  async expire(granularity: SketchGranularity, before: Date): Promise<number> {
    const refusals = await guarded('refusal expiry', () => this.refusals.deleteMany(refusalExpiryFilter(granularity, before)));
    const unmatched = granularity === 'hour' ? await guarded('unmatched beacons expiry', () => this.unmatchedRows.deleteMany(unmatchedExpiryFilter(before))) : { deletedCount: 0 };
    return refusals.deletedCount + unmatched.deletedCount;
  }
}
