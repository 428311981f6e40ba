import { blobsBeyondLimit } from '../../domain/retention';
import { statusAfterEvent, type BlobRecord, type ReportEvent, type ReportGroup } from '../../domain/report';
import type {
  GroupFilter,
  GroupPage,
  RecordOutcome,
  ReportRepository,
  SummaryBucket,
  SummaryDimension,
  SummaryQuery,
  TriageUpdate,
} from '../../ports/report-repository';
import { compareBuckets, compareGroups, dimensionValue, matchesFilter } from '../../domain/group-query';

const groupId = (appId: string, groupHash: string) => `${appId}\u0000${groupHash}`;
const clone = <T>(value: T): T => structuredClone(value);

export class MemoryReportRepository implements ReportRepository {
  private readonly groups = new Map<string, ReportGroup>();
  private readonly blobs = new Map<string, BlobRecord>();
  /** Counts calls that write, so tests can hold "one write per minimal report" to account. */
  writes = 0;

  async recordEvent(event: ReportEvent): Promise<RecordOutcome> {
    this.writes++;
    const id = groupId(event.appId, event.groupHash);
    const existing = this.groups.get(id);
    const stored = event.details === 'stored' ? 1 : 0;
    const rejected = event.details === 'rejected' ? 1 : 0;
    if (!existing) {
      this.groups.set(id, {
        appId: event.appId,
        groupHash: event.groupHash,
        ...clone(event.dimensions),
        stats: { count: 1, firstSeen: event.at, lastSeen: event.at, detailsStored: stored, detailsRejected: rejected },
        status: 'open',
        resolvedAt: null,
        resolvedBy: null,
        tags: [],
        note: '',
        createdAt: event.at,
        updatedAt: event.at,
      });
      return { created: true, reopened: false };
    }
    existing.stats.count += 1;
    // Events can arrive out of order (clients retry, instances race): the stats bracket them all.
    if (event.at > existing.stats.lastSeen) existing.stats.lastSeen = event.at;
    if (event.at < existing.stats.firstSeen) existing.stats.firstSeen = event.at;
    existing.stats.detailsStored += stored;
    existing.stats.detailsRejected += rejected;
    const reopened = existing.status === 'resolved';
    existing.status = statusAfterEvent(existing.status);
    existing.updatedAt = event.at;
    return { created: false, reopened };
  }

  async findGroup(appId: string, groupHash: string): Promise<ReportGroup | null> {
    const group = this.groups.get(groupId(appId, groupHash));
    return group ? clone(group) : null;
  }

  async listGroups(filter: GroupFilter, page: number, limit: number): Promise<GroupPage> {
    const matching = [...this.groups.values()].filter((g) => matchesFilter(g, filter)).sort(compareGroups);
    const start = (page - 1) * limit;
    return { items: matching.slice(start, start + limit).map(clone), total: matching.length };
  }

  async summarize(query: SummaryQuery): Promise<SummaryBucket[]> {
    const buckets = new Map<string, SummaryBucket>();
    for (const g of this.groups.values()) {
      if (!matchesFilter(g, { appIds: [query.appId], from: query.from, to: query.to })) continue;
      const key: Partial<Record<SummaryDimension, string>> = {};
      for (const d of query.groupBy) key[d] = dimensionValue(g, d);
      const id = JSON.stringify(query.groupBy.map((d) => key[d]));
      const bucket = buckets.get(id);
      if (!bucket) {
        buckets.set(id, { key, count: g.stats.count, groups: 1, lastSeen: g.stats.lastSeen });
      } else {
        bucket.count += g.stats.count;
        bucket.groups += 1;
        if (g.stats.lastSeen > bucket.lastSeen) bucket.lastSeen = g.stats.lastSeen;
      }
    }
    return [...buckets.values()].sort(compareBuckets);
  }

  async updateTriage(appId: string, groupHash: string, update: TriageUpdate): Promise<ReportGroup | null> {
    const group = this.groups.get(groupId(appId, groupHash));
    if (!group) return null;
    this.writes++;
    if (update.status !== undefined) {
      if (update.status === 'resolved' && group.status !== 'resolved') {
        group.resolvedAt = update.at;
        group.resolvedBy = update.by;
      }
      group.status = update.status;
    }
    if (update.tags !== undefined) group.tags = [...update.tags];
    if (update.note !== undefined) group.note = update.note;
    group.updatedAt = update.at;
    return clone(group);
  }

  async deleteGroup(appId: string, groupHash: string): Promise<boolean> {
    this.writes++;
    for (const [id, blob] of this.blobs) if (blob.appId === appId && blob.groupHash === groupHash) this.blobs.delete(id);
    return this.groups.delete(groupId(appId, groupHash));
  }

  async deleteAppData(appId: string): Promise<void> {
    this.writes++;
    for (const [id, group] of this.groups) if (group.appId === appId) this.groups.delete(id);
    for (const [id, blob] of this.blobs) if (blob.appId === appId) this.blobs.delete(id);
  }

  async insertBlob(record: BlobRecord): Promise<void> {
    this.writes++;
    this.blobs.set(record.id, clone(record));
  }

  async listBlobs(appId: string, groupHash: string): Promise<BlobRecord[]> {
    const mine = [...this.blobs.values()].filter((b) => b.appId === appId && b.groupHash === groupHash);
    return blobsBeyondLimit(mine, 0).map(clone);
  }

  async findBlob(appId: string, id: string): Promise<BlobRecord | null> {
    const blob = this.blobs.get(id);
    return blob && blob.appId === appId ? clone(blob) : null;
  }

  async trimBlobs(appId: string, groupHash: string, keep: number): Promise<BlobRecord[]> {
    const mine = [...this.blobs.values()].filter((b) => b.appId === appId && b.groupHash === groupHash);
    const excess = blobsBeyondLimit(mine, keep);
    if (excess.length > 0) this.writes++;
    for (const b of excess) this.blobs.delete(b.id);
    return excess.map(clone);
  }

  async blobsExpiringBy(at: Date, limit: number): Promise<BlobRecord[]> {
    return [...this.blobs.values()]
      .filter((b) => b.expiresAt.getTime() <= at.getTime())
      .sort((a, b) => a.expiresAt.getTime() - b.expiresAt.getTime() || (a.id < b.id ? -1 : 1))
      .slice(0, limit)
      .map(clone);
  }

  async deleteBlobs(ids: string[]): Promise<void> {
    this.writes++;
    for (const id of ids) this.blobs.delete(id);
  }

  async ping(): Promise<void> {}
  async close(): Promise<void> {}
}
