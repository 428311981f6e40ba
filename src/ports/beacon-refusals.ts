import type { RolloutCell } from '../domain/rollout-cell';
import type { SketchGranularity } from './device-sketches';

/**
 * Why a device went uncounted although its beacon (or report) reached us: its address was over
 * the per-address beacon limit, its app already had ROLLOUT_MAX_CELLS_PER_APP_PER_DAY cells that
 * day, or the pending sketches had reached ROLLOUT_MAX_PENDING_BYTES.
 */
export const REFUSAL_REASONS = ['ip_limit', 'cell_cap', 'pending_cap'] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

/** Refused beacons of one app in one bucket, for one reason, in one cell or (null) in none. */
export interface RefusalCount {
  appId: string;
  /** Null when the refusal can't be put in a cell the app already has that day (a cell over the cap, say). */
  cell: RolloutCell | null;
  granularity: SketchGranularity;
  /** Start of the UTC hour or day. */
  bucket: Date;
  reason: RefusalReason;
  count: number;
}

export interface RefusalQuery {
  appId: string;
  granularity: SketchGranularity;
  /** Buckets starting at or after `from` and before `to`. */
  from: Date;
  to: Date;
}

/** A refusal summed over a query's buckets. */
export type RefusalTotal = Pick<RefusalCount, 'cell' | 'reason' | 'count'>;

/**
 * Why a well-formed beacon named no app it could count for: no such owner/app, the app's reports
 * are off, or its report key belongs to another app. Never shown to the public, who could probe names with it.
 */
export const UNMATCHED_REASONS = ['unknown_app', 'reports_disabled', 'app_mismatch'] as const;
export type UnmatchedReason = (typeof UNMATCHED_REASONS)[number];

/** Beacons naming (owner, app name) that were not counted, for `reason`. '' where the beacon gave no name. */
export interface UnmatchedCount {
  owner: string;
  appName: string;
  reason: UnmatchedReason;
  count: number;
}

/**
 * Counts of beacons that were not counted, so that an incomplete denominator can be told from a
 * small one. Rows are few by construction: cells are the capped ones, one row per bucket and
 * reason; unmatched names keep only the most frequent per hour. Counts are added, never set.
 */
export interface BeaconRefusalStore {
  /** Adds each count to its row (app, granularity, bucket, cell, reason), creating it when missing. */
  add(counts: RefusalCount[]): Promise<void>;
  /** Per cell (or null) and reason, the counts of the query's buckets summed. */
  totals(query: RefusalQuery): Promise<RefusalTotal[]>;
  /** Adds counts to the UTC hour starting at `hour`, then keeps only that hour's `keep` largest rows. */
  addUnmatched(hour: Date, counts: UnmatchedCount[], keep: number): Promise<void>;
  /** Per (owner, app name, reason), the counts of the hours in [from, to) summed, largest first. */
  unmatched(from: Date, to: Date): Promise<UnmatchedCount[]>;
  /**
   * Removes buckets of `granularity` that start before `before` (unmatched rows count as hourly),
   * a batch per event-loop turn; stores that expire rows themselves answer 0. Returns how many.
   */
  expire(granularity: SketchGranularity, before: Date): Promise<number>;
}
