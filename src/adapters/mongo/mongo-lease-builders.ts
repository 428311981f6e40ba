import type { Document, Filter } from 'mongodb';

// The lease's filters and updates, built without a driver so test/unit/mongo-lease-builders.test.ts
// can evaluate them with mingo. The lease name is the document's _id: unique without another
// index, and an equality on _id routes to one shard whatever the collection's shard key.

export const LEASES_COLLECTION = 'leases';

export interface LeaseDocument {
  _id: string;
  holder: string;
  expiresAt: Date;
}

/**
 * Matches the lease when it may go to `holder`: expired, or already theirs. An upsert with this
 * filter inserts `{_id: name}` when no lease exists; when one exists but doesn't match, that
 * insert breaks the _id index (E11000), which is the refusal.
 */
export const leaseAcquireFilter = (name: string, holder: string, now: Date): Filter<LeaseDocument> => ({
  _id: { $eq: name },
  $or: [{ expiresAt: { $lte: now } }, { holder: { $eq: holder } }],
});

export const leaseAcquireUpdate = (holder: string, expiresAt: Date): Document => ({ $set: { holder, expiresAt } });

export const leaseReleaseFilter = (name: string, holder: string): Filter<LeaseDocument> => ({ _id: { $eq: name }, holder: { $eq: holder } });

export const leaseHeldFilter = (name: string, now: Date): Filter<LeaseDocument> => ({ _id: { $eq: name }, expiresAt: { $gt: now } });
