import type { Document, Filter } from 'mongodb';
import { cellFromId, cellId } from '../../domain/rollout-cell';
import type { RefusalCount, RefusalQuery, RefusalReason, RefusalTotal, UnmatchedCount, UnmatchedReason } from '../../ports/beacon-refusals';
import type { SketchGranularity } from '../../ports/device-sketches';

// The refused-beacon counts' filters, updates and pipelines, built without a driver so that
// test/unit/mongo-refusal-builders.test.ts evaluates them with mingo. Client values go through $eq.

export const REFUSAL_COLLECTIONS = { refusals: 'beacon_refusals', unmatched: 'beacon_unmatched' } as const;

export interface RefusalDocument {
  _id: string;
  app_id: string;
  granularity: SketchGranularity;
  bucket: Date;
  /** The cell's id, '' for none. */
  cell: string;
  reason: RefusalReason;
  count: number;
  expiresAt: Date;
}

export interface UnmatchedDocument {
  _id: string;
  hour: Date;
  reason: UnmatchedReason;
  owner: string;
  app_name: string;
  count: number;
  expiresAt: Date;
}

const cellText = (c: Pick<RefusalCount, 'cell'>) => (c.cell ? cellId(c.cell) : '');

export const refusalId = (c: Omit<RefusalCount, 'count'>) => JSON.stringify([c.appId, c.granularity, c.bucket.getTime(), c.reason, cellText(c)]);
export const refusalIdFilter = (c: Omit<RefusalCount, 'count'>): Filter<RefusalDocument> => ({ _id: { $eq: refusalId(c) } });

export function refusalAddUpdate(c: RefusalCount, expiresAt: Date): Document {
  return {
    $set: { app_id: c.appId, granularity: c.granularity, bucket: c.bucket, cell: cellText(c), reason: c.reason, expiresAt },
    $inc: { count: c.count },
  };
}

export function refusalTotalsPipeline(query: RefusalQuery): Document[] {
  return [
    { $match: { app_id: { $eq: query.appId }, granularity: { $eq: query.granularity }, bucket: { $gte: query.from, $lt: query.to } } },
    { $group: { _id: { cell: '$cell', reason: '$reason' }, count: { $sum: '$count' } } },
  ];
}

export function fromRefusalGroup(group: { _id: { cell: string; reason: RefusalReason }; count: number }): RefusalTotal {
  return { cell: group._id.cell === '' ? null : cellFromId(group._id.cell), reason: group._id.reason, count: group.count };
}

export const unmatchedIdFilter = (hour: Date, c: Omit<UnmatchedCount, 'count'>): Filter<UnmatchedDocument> => ({
  _id: { $eq: JSON.stringify([hour.getTime(), c.reason, c.owner, c.appName]) },
});

export function unmatchedAddUpdate(hour: Date, c: UnmatchedCount, expiresAt: Date): Document {
  return { $set: { hour, reason: c.reason, owner: c.owner, app_name: c.appName, expiresAt }, $inc: { count: c.count } };
}

/** The hour's rows past the `keep` largest: find with this filter, sort and skip, then delete by _id. */
export const unmatchedHourFilter = (hour: Date): Filter<UnmatchedDocument> => ({ hour: { $eq: hour } });
export const UNMATCHED_ORDER = { count: -1, _id: 1 } as const;

export function unmatchedPipeline(from: Date, to: Date): Document[] {
  return [
    { $match: { hour: { $gte: from, $lt: to } } },
    { $group: { _id: { reason: '$reason', owner: '$owner', app_name: '$app_name' }, count: { $sum: '$count' } } },
    { $sort: { count: -1 } },
  ];
}

export function fromUnmatchedGroup(group: { _id: { reason: UnmatchedReason; owner: string; app_name: string }; count: number }): UnmatchedCount {
  return { owner: group._id.owner, appName: group._id.app_name, reason: group._id.reason, count: group.count };
}

export const refusalExpiryFilter = (granularity: SketchGranularity, before: Date): Filter<RefusalDocument> => ({
  granularity: { $eq: granularity },
  bucket: { $lt: before },
});

export const unmatchedExpiryFilter = (before: Date): Filter<UnmatchedDocument> => ({ hour: { $lt: before } });
