import type { Collection, Db } from 'mongodb';
import type { GroupFilter } from '../../domain/group-query';
import { dimensionsOf, type BlobRecord, type ReportEvent, type ReportGroup } from '../../domain/report';
import type { GroupPage, RecordOutcome, ReportRepository, SummaryBucket, SummaryQuery, TriageUpdate } from '../../ports/report-repository';
import {
  BLOB_NEWEST_FIRST,
  COLLECTIONS,
  appDataFilter,
  blobIdsOfAppFilter,
  GROUP_SORT,
  blobFilter,
  blobIdsFilter,
  blobsOfGroupFilter,
  expiringBlobsQuery,
  groupKeyFilter,
  groupListFilter,
  pageWindow,
  RECORD_EVENT_OPTIONS,
  recordEventUpdate,
  recordOutcome,
  summaryPipeline,
  triageUpdate,
  trimQuery,
  type BlobDocument,
  type GroupDocument,
} from './mongo-builders';
import { guarded, isDuplicateKey } from './mongo-errors';

export function toDocument(g: ReportGroup): GroupDocument {
  return {
    app_id: g.appId,
    groupHash: g.groupHash,
    ...dimensionsOf(g),
    stats: { ...g.stats },
    status: g.status,
    resolvedAt: g.resolvedAt,
    resolvedBy: g.resolvedBy,
    tags: [...g.tags],
    note: g.note,
    createdAt: g.createdAt,
    updatedAt: g.updatedAt,
  };
}

export function fromDocument(d: GroupDocument): ReportGroup {
  const { count, firstSeen, lastSeen, detailsStored, detailsRejected } = d.stats;
  return {
    appId: d.app_id,
    groupHash: d.groupHash,
    ...dimensionsOf(d),
    stats: { count, firstSeen, lastSeen, detailsStored, detailsRejected },
    status: d.status,
    resolvedAt: d.resolvedAt ?? null,
    resolvedBy: d.resolvedBy ?? null,
    tags: [...(d.tags ?? [])],
    note: d.note ?? '',
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
  };
}

export function toBlobDocument(b: BlobRecord): BlobDocument {
  return { _id: b.id, app_id: b.appId, groupHash: b.groupHash, ...dimensionsOf(b), storage: { ...b.storage }, createdAt: b.createdAt, expiresAt: b.expiresAt };
}

export function fromBlobDocument(d: BlobDocument): BlobRecord {
  const { driver, key, compressedSize, decompressedSize, contentType, encoding } = d.storage;
  return {
    id: d._id,
    appId: d.app_id,
    groupHash: d.groupHash,
    ...dimensionsOf(d),
    storage: { driver, key, compressedSize, decompressedSize, contentType, encoding },
    createdAt: d.createdAt,
    expiresAt: d.expiresAt,
  };
}

export class MongoReportRepository implements ReportRepository {
  private readonly groups: Collection<GroupDocument>;
  private readonly blobs: Collection<BlobDocument>;
  /** Counts write round trips, so tests can hold "one write per minimal report" to account. */
  writes = 0;

  constructor(private readonly db: Db) {
    this.groups = db.collection<GroupDocument>(COLLECTIONS.reportGroups);
    this.blobs = db.collection<BlobDocument>(COLLECTIONS.reportBlobs);
  }

  async recordEvent(event: ReportEvent): Promise<RecordOutcome> {
    return guarded('recordEvent', async () => {
      // The document as it was before this write tells created (none) and reopened (resolved)
      // without a second round trip.
      const write = async (): Promise<RecordOutcome> => {
        this.writes++;
        const before = await this.groups.findOneAndUpdate(groupKeyFilter(event.appId, event.groupHash), recordEventUpdate(event), RECORD_EVENT_OPTIONS);
        return recordOutcome(before);
      };
      try {
        return await write();
      } catch (error) {
        // Two first reports of one group can both miss and both insert; the unique index lets one
        // through. The loser's write did not apply, so repeating it now updates the winner's document.
        if (!isDuplicateKey(error)) throw error;
        return await write();
      }
    });
  }

  async findGroup(appId: string, groupHash: string): Promise<ReportGroup | null> {
    return guarded('findGroup', async () => {
      const doc = await this.groups.findOne(groupKeyFilter(appId, groupHash));
      return doc ? fromDocument(doc) : null;
    });
  }

  async listGroups(filter: GroupFilter, page: number, limit: number): Promise<GroupPage> {
    return guarded('listGroups', async () => {
      const query = groupListFilter(filter);
      const window = pageWindow(page, limit);
      // limit(0) means "no limit" to MongoDB, not an empty page.
      const [docs, total] = await Promise.all([
        window.limit > 0 ? this.groups.find(query).sort(GROUP_SORT).skip(window.skip).limit(window.limit).toArray() : [],
        this.groups.countDocuments(query),
      ]);
      return { items: docs.map(fromDocument), total };
    });
  }

  async summarize(query: SummaryQuery): Promise<SummaryBucket[]> {
    return guarded('summarize', async () => {
      const rows = await this.groups.aggregate<{ _id: SummaryBucket['key']; count: number; groups: number; lastSeen: Date }>(summaryPipeline(query)).toArray();
      return rows.map((r) => ({ key: { ...r._id }, count: r.count, groups: r.groups, lastSeen: r.lastSeen }));
    });
  }

  async updateTriage(appId: string, groupHash: string, update: TriageUpdate): Promise<ReportGroup | null> {
    return guarded('updateTriage', async () => {
      this.writes++;
      const doc = await this.groups.findOneAndUpdate(groupKeyFilter(appId, groupHash), triageUpdate(update), { returnDocument: 'after' });
      return doc ? fromDocument(doc) : null;
    });
  }

  async deleteGroup(appId: string, groupHash: string): Promise<boolean> {
    return guarded('deleteGroup', async () => {
      this.writes++;
      const result = await this.groups.deleteOne(groupKeyFilter(appId, groupHash));
      await this.blobs.deleteMany(blobsOfGroupFilter(appId, groupHash));
      return result.deletedCount > 0;
    });
  }

  async deleteAppData(appId: string): Promise<void> {
    return guarded('deleteAppData', async () => {
      this.writes++;
      await Promise.all([this.groups.deleteMany(appDataFilter(appId)), this.blobs.deleteMany(appDataFilter(appId))]);
    });
  }

  async insertBlob(record: BlobRecord): Promise<void> {
    return guarded('insertBlob', async () => {
      this.writes++;
      await this.blobs.insertOne(toBlobDocument(record));
    });
  }

  async listBlobs(appId: string, groupHash: string): Promise<BlobRecord[]> {
    return guarded('listBlobs', async () => {
      const docs = await this.blobs.find(blobsOfGroupFilter(appId, groupHash)).sort(BLOB_NEWEST_FIRST).toArray();
      return docs.map(fromBlobDocument);
    });
  }

  async findBlob(appId: string, id: string): Promise<BlobRecord | null> {
    return guarded('findBlob', async () => {
      const doc = await this.blobs.findOne(blobFilter(appId, id));
      return doc ? fromBlobDocument(doc) : null;
    });
  }

  async trimBlobs(appId: string, groupHash: string, keep: number): Promise<BlobRecord[]> {
    return guarded('trimBlobs', async () => {
      const q = trimQuery(appId, groupHash, keep);
      const excess = await this.blobs.find(q.filter).sort(q.sort).skip(q.skip).toArray();
      if (excess.length === 0) return [];
      this.writes++;
      await this.blobs.deleteMany(blobIdsOfAppFilter(appId, excess.map((d) => d._id)));
      return excess.map(fromBlobDocument);
    });
  }

  async blobsExpiringBy(at: Date, limit: number): Promise<BlobRecord[]> {
    return guarded('blobsExpiringBy', async () => {
      if (limit <= 0) return [];
      const q = expiringBlobsQuery(at, limit);
      const docs = await this.blobs.find(q.filter).sort(q.sort).limit(q.limit).toArray();
      return docs.map(fromBlobDocument);
    });
  }

  async deleteBlobs(ids: string[]): Promise<void> {
    return guarded('deleteBlobs', async () => {
      if (ids.length === 0) return;
      this.writes++;
      await this.blobs.deleteMany(blobIdsFilter(ids));
    });
  }

  async ping(): Promise<void> {
    return guarded('ping', async () => {
      await this.db.command({ ping: 1 });
    });
  }

  /** The connection owns the client (see mongo-connection.ts); closing one adapter must not cut off the other. */
  async close(): Promise<void> {}
}
