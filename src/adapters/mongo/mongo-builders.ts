import type { Document, Filter, Sort } from 'mongodb';
import type { GroupFilter, SummaryDimension } from '../../domain/group-query';
import type { BlobRecord, GroupStatus, ReportEvent, ReportGroup } from '../../domain/report';
import type { SummaryQuery, TriageUpdate } from '../../ports/report-repository';

// Every filter, update and pipeline the Mongo adapters send is built here, without a driver,
// so test/unit/mongo-builders.test.ts can evaluate them with mingo where no mongod runs.
// Sharding: report_groups and report_blobs shard on {app_id: 1, groupHash: 1} (docs/scale.md), so
// every filter on them carries app_id (test/unit/mongo-sharding.test.ts checks each one) and no
// update changes it; the two deliberate exceptions are the cross-app retention sweep's.
// Values that come from clients are wrapped in $literal (in expressions) or $eq (in filters):
// a string starting with "$" would otherwise be read as a field path or an operator.

/** A ReportGroup as stored: the same fields, with the DESIGN.md name app_id. */
export type GroupDocument = Omit<ReportGroup, 'appId'> & { app_id: string };

/** A BlobRecord as stored; its id is the document's _id, so it is unique without another index. */
export type BlobDocument = Omit<BlobRecord, 'id' | 'appId'> & { _id: string; app_id: string };

/** The app's id is the document's _id. */
export interface AppDocument {
  _id: string;
  owner: string;
  name: string;
  reports: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface ReportKeyDocument {
  app_id: string;
  key: string;
  createdAt: Date;
  updatedAt: Date;
}

export const COLLECTIONS = {
  apps: 'apps',
  reportKeys: 'report_keys',
  reportGroups: 'report_groups',
  reportBlobs: 'report_blobs',
} as const;

/** The shard keys docs/scale.md recommends; every index on these collections (mongo-migrations.ts) starts with app_id. */
export const SHARD_KEYS: Readonly<Record<string, Record<string, 1>>> = {
  [COLLECTIONS.reportGroups]: { app_id: 1, groupHash: 1 },
  [COLLECTIONS.reportBlobs]: { app_id: 1, groupHash: 1 },
};

export const groupKeyFilter = (appId: string, groupHash: string): Filter<GroupDocument> & Filter<BlobDocument> => ({
  app_id: { $eq: appId },
  groupHash: { $eq: groupHash },
});

const previous = (field: string, fallback: unknown) => ({ $ifNull: [`$${field}`, { $literal: fallback }] });

/** recordEvent's findOneAndUpdate: an upsert that returns only the status the group had before it. */
export const RECORD_EVENT_OPTIONS = { upsert: true, returnDocument: 'before', projection: { _id: 0, status: 1 } } as const;

/** No document before the upsert: created; a resolved one: this report reopened it. */
export function recordOutcome(before: { status?: GroupStatus } | null): { created: boolean; reopened: boolean } {
  return { created: before === null, reopened: before?.status === 'resolved' };
}

/**
 * One upsert that counts a report. An update pipeline sees the stored document (or nothing, on
 * insert) in every expression, so the first insert, the counters and the regression rule
 * (resolved reopens, muted stays muted) all happen in this one write. Classic $setOnInsert
 * cannot express that: status would need both $setOnInsert and a conditional $set.
 */
export function recordEventUpdate(event: ReportEvent): Document[] {
  const at = event.at;
  const { application, system, event: what } = event.dimensions;
  return [
    {
      $set: {
        app_id: { $literal: event.appId },
        groupHash: { $literal: event.groupHash },
        application: previous('application', { name: application.name, version: application.version, channel: application.channel }),
        system: previous('system', { platform: system.platform, arch: system.arch }),
        event: previous('event', { type: what.type, reason: what.reason }),
        stats: {
          count: { $add: [previous('stats.count', 0), 1] },
          firstSeen: { $min: [previous('stats.firstSeen', at), { $literal: at }] },
          lastSeen: { $max: [previous('stats.lastSeen', at), { $literal: at }] },
          detailsStored: { $add: [previous('stats.detailsStored', 0), event.details === 'stored' ? 1 : 0] },
          detailsRejected: { $add: [previous('stats.detailsRejected', 0), event.details === 'rejected' ? 1 : 0] },
        },
        status: { $cond: [{ $eq: ['$status', 'resolved'] }, 'open', previous('status', 'open')] },
        resolvedAt: previous('resolvedAt', null),
        resolvedBy: previous('resolvedBy', null),
        tags: previous('tags', []),
        note: previous('note', ''),
        createdAt: previous('createdAt', at),
        updatedAt: { $literal: at },
      },
    },
  ];
}

/** Resolving records resolvedAt/resolvedBy only on the transition into resolved, as the memory adapter does. */
export function triageUpdate(update: TriageUpdate): Document[] {
  const set: Document = { updatedAt: { $literal: update.at } };
  if (update.status !== undefined) {
    if (update.status === 'resolved') {
      const entering = { $ne: ['$status', 'resolved'] };
      set.resolvedAt = { $cond: [entering, { $literal: update.at }, '$resolvedAt'] };
      set.resolvedBy = { $cond: [entering, { $literal: update.by }, '$resolvedBy'] };
    }
    set.status = { $literal: update.status satisfies GroupStatus };
  }
  if (update.tags !== undefined) set.tags = { $literal: [...update.tags] };
  if (update.note !== undefined) set.note = { $literal: update.note };
  return [{ $set: set }];
}

const DIMENSION_FIELDS: Record<SummaryDimension, string> = {
  version: 'application.version',
  channel: 'application.channel',
  platform: 'system.platform',
  arch: 'system.arch',
  type: 'event.type',
  reason: 'event.reason',
};

function lastSeenRange(from: Date | undefined, to: Date | undefined): Document | undefined {
  if (from === undefined && to === undefined) return undefined;
  const range: Document = {};
  if (from !== undefined) range.$gte = from;
  if (to !== undefined) range.$lte = to;
  return range;
}

/** The same semantics as matchesFilter in domain/group-query.ts. */
export function groupListFilter(filter: GroupFilter): Filter<GroupDocument> {
  const query: Filter<GroupDocument> = { app_id: { $in: [...filter.appIds] } };
  for (const d of Object.keys(DIMENSION_FIELDS) as SummaryDimension[]) {
    const value = filter[d];
    if (value !== undefined) query[DIMENSION_FIELDS[d]] = { $eq: value };
  }
  if (filter.status !== undefined) query.status = { $eq: filter.status };
  const range = lastSeenRange(filter.from, filter.to);
  if (range) query['stats.lastSeen'] = range;
  return query;
}

/** lastSeen descending, then groupHash and app_id ascending, as compareGroups. */
export const GROUP_SORT: Sort = { 'stats.lastSeen': -1, groupHash: 1, app_id: 1 };

export function pageWindow(page: number, limit: number): { skip: number; limit: number } {
  return { skip: Math.max(0, page - 1) * limit, limit };
}

export function summaryPipeline(query: SummaryQuery): Document[] {
  const match: Document = { app_id: { $eq: query.appId } };
  const range = lastSeenRange(query.from, query.to);
  if (range) match['stats.lastSeen'] = range;
  const id: Document = {};
  for (const d of query.groupBy) id[d] = `$${DIMENSION_FIELDS[d]}`;
  return [
    { $match: match },
    { $group: { _id: id, count: { $sum: '$stats.count' }, groups: { $sum: 1 }, lastSeen: { $max: '$stats.lastSeen' } } },
    { $sort: { count: -1, lastSeen: -1, _id: 1 } },
  ];
}

export const blobsOfGroupFilter = (appId: string, groupHash: string): Filter<BlobDocument> => groupKeyFilter(appId, groupHash);

/** Newest first; ties on createdAt broken by id descending, as blobsBeyondLimit. */
export const BLOB_NEWEST_FIRST: Sort = { createdAt: -1, _id: -1 };

export const blobFilter = (appId: string, id: string): Filter<BlobDocument> => ({ _id: { $eq: id }, app_id: { $eq: appId } });

/** Some of one app's blobs, by id: targeted to the app's shards like every per-app filter. */
export const blobIdsOfAppFilter = (appId: string, ids: readonly string[]): Filter<BlobDocument> => ({ app_id: { $eq: appId }, _id: { $in: [...ids] } });

/**
 * Blobs by id across apps, for the retention sweep, whose batch spans apps (the ReportRepository
 * port deletes by id). On a sharded cluster this, like expiringBlobsQuery, goes to every shard:
 * acceptable for one batched background sweep a few times an hour, on one instance (the lease).
 */
export const blobIdsFilter = (ids: readonly string[]): Filter<BlobDocument> => ({ _id: { $in: [...ids] } });

/** Every group or blob of one app. */
export const appDataFilter = (appId: string): Filter<GroupDocument> & Filter<BlobDocument> => ({ app_id: { $eq: appId } });

/** Finds the records beyond the newest `keep`: sort newest first, skip `keep`. */
export function trimQuery(appId: string, groupHash: string, keep: number): { filter: Filter<BlobDocument>; sort: Sort; skip: number } {
  return { filter: blobsOfGroupFilter(appId, groupHash), sort: BLOB_NEWEST_FIRST, skip: Math.max(0, keep) };
}

/** Across apps by nature, so a scatter-gather on a sharded cluster: each shard answers from its own expires_at_ttl index. */
export function expiringBlobsQuery(at: Date, limit: number): { filter: Filter<BlobDocument>; sort: Sort; limit: number } {
  return { filter: { expiresAt: { $lte: at } }, sort: { expiresAt: 1, _id: 1 }, limit };
}

export const appsOfOwnerFilter = (owner: string): Filter<AppDocument> => ({ owner: { $eq: owner } });

export const APPS_BY_NAME: Sort = { name: 1 };

/** Across owners: names are unique per owner only. A scan of the apps collection, for the CLI. */
export const appsNamedFilter = (name: string): Filter<AppDocument> => ({ name: { $eq: name } });

export const APPS_BY_OWNER: Sort = { owner: 1 };

export const appFilter = (id: string): Filter<AppDocument> => ({ _id: { $eq: id } });

export const reportsEnabledUpdate = (enabled: boolean, at: Date): Document => ({ $set: { reports: enabled, updatedAt: at } });

export const ownerUpdate = (owner: string, at: Date): Document => ({ $set: { owner, updatedAt: at } });

export const keyOfAppFilter = (appId: string): Filter<ReportKeyDocument> => ({ app_id: { $eq: appId } });

export const keyFilter = (key: string): Filter<ReportKeyDocument> => ({ key: { $eq: key } });

/** Creates or replaces the app's one key; createdAt survives a replacement. A pipeline, like recordEventUpdate. */
export const setReportKeyUpdate = (appId: string, key: string, at: Date): Document[] => [
  { $set: { app_id: { $literal: appId }, key: { $literal: key }, createdAt: previous('createdAt', at), updatedAt: { $literal: at } } },
];
