import { Binary, type Collection, type Db } from 'mongodb';
import type { RolloutCell } from '../../domain/rollout-cell';
import { SKETCH_PAGE_SIZE, type DayKeyStore, type DeviceSketchStore, type SketchEntry, type SketchGranularity, type SketchQuery } from '../../ports/device-sketches';
import { guarded, guardedError, isDuplicateKey } from './mongo-errors';
import {
  SKETCH_COLLECTIONS,
  fromSketchDocument,
  sketchCellsPipeline,
  sketchExpiryFilter,
  sketchIdFilter,
  sketchMergeUpdate,
  sketchReadFilter,
  type SketchDocument,
} from './mongo-sketch-builders';

const DAY_MS = 86_400_000;
const BUCKET_MS = { hour: 3_600_000, day: DAY_MS } as const;

export interface MongoSketchRetention {
  hourlyDays: number;
  dailyDays: number;
}

/** One document per sketch; merges are unordered bulk updateOnes, expiry is the TTL index. */
export class MongoDeviceSketchStore implements DeviceSketchStore {
  private readonly sketches: Collection<SketchDocument>;

  constructor(private readonly db: Db, private readonly retention: MongoSketchRetention) {
    this.sketches = db.collection<SketchDocument>(SKETCH_COLLECTIONS.sketches);
  }

  async merge(entries: SketchEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const operations = entries.map(({ key, registers }) => {
      const days = key.granularity === 'hour' ? this.retention.hourlyDays : this.retention.dailyDays;
      const expiresAt = new Date(key.bucket.getTime() + BUCKET_MS[key.granularity] + days * DAY_MS);
      return { updateOne: { filter: sketchIdFilter(key), update: sketchMergeUpdate(key, registers, expiresAt), upsert: true } };
    });
    await guarded('sketch merge', () => this.sketches.bulkWrite(operations, { ordered: false }));
  }

  async *readPages(query: SketchQuery, pageSize = SKETCH_PAGE_SIZE): AsyncIterable<SketchEntry[]> {
    const cursor = this.sketches.find(sketchReadFilter(query)).batchSize(pageSize);
    try {
      let page: SketchEntry[] = [];
      for await (const doc of cursor) {
        page.push(fromSketchDocument(doc));
        if (page.length >= pageSize) {
          yield page;
          page = [];
        }
      }
      if (page.length > 0) yield page;
    } catch (error) {
      throw guardedError('sketch read', error);
    } finally {
      await cursor.close().catch(() => undefined);
    }
  }

  async cellsIn(appId: string, day: Date): Promise<RolloutCell[]> {
    const groups = await guarded('sketch cells', () => this.sketches.aggregate<{ _id: RolloutCell }>(sketchCellsPipeline(appId, day)).toArray());
    return groups.map((g) => ({ version: g._id.version, channel: g._id.channel, platform: g._id.platform, arch: g._id.arch }));
  }

  async expire(granularity: SketchGranularity, before: Date): Promise<number> {
    const result = await guarded('sketch expiry', () => this.sketches.deleteMany(sketchExpiryFilter(granularity, before)));
    return result.deletedCount;
  }

  async ping(): Promise<void> {
    await guarded('ping', () => this.db.command({ ping: 1 }));
  }

  /** The client belongs to the repository's connection. */
  async close(): Promise<void> {}
}

interface DayKeyDocument {
  _id: string;
  key: Binary;
  expiresAt: Date;
}

export class MongoDayKeyStore implements DayKeyStore {
  private readonly keys: Collection<DayKeyDocument>;

  constructor(db: Db) {
    this.keys = db.collection<DayKeyDocument>(SKETCH_COLLECTIONS.dayKeys);
  }

  async keyFor(day: string, candidate: Uint8Array): Promise<Uint8Array> {
    const start = Date.parse(`${day.slice(0, 10)}T00:00:00.000Z`);
    const expiresAt = new Date((Number.isNaN(start) ? Date.now() : start) + 3 * DAY_MS);
    const upsert = () =>
      this.keys.findOneAndUpdate({ _id: { $eq: day } }, { $setOnInsert: { key: new Binary(Buffer.from(candidate)), expiresAt } }, { upsert: true, returnDocument: 'after' });
    // Two instances upserting the same new day: one insert wins, the other's duplicate key error means "read it".
    const doc = await guarded('day key', () => upsert().catch((error: unknown) => (isDuplicateKey(error) ? upsert() : Promise.reject(error))));
    return new Uint8Array(doc!.key.buffer);
  }

  async deleteBefore(day: string): Promise<number> {
    const result = await guarded('day key expiry', () => this.keys.deleteMany({ _id: { $lt: day } }));
    return result.deletedCount;
  }
}
