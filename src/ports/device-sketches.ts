import type { EventType } from '../domain/report';
import type { RolloutCell } from '../domain/rollout-cell';

export type { RolloutCell } from '../domain/rollout-cell';

export type SketchGranularity = 'hour' | 'day';

/**
 * What one sketch counts in its cell and bucket: active devices, affected devices per event type,
 * arrivals (first launch after updating to the cell's version), first runs (first launch after
 * install), and devices that failed to update *to* the cell's version (update_failure by target).
 */
export type SketchKind = 'active' | `affected:${EventType}` | 'arrivals' | 'first_runs' | 'update_failed_to';

export interface SketchKey {
  appId: string;
  cell: RolloutCell;
  granularity: SketchGranularity;
  /** Start of the UTC hour or day. */
  bucket: Date;
  kind: SketchKind;
}

export interface SketchEntry {
  key: SketchKey;
  /** HyperLogLog registers (precision 14: 16384 bytes), never device ids or digests. */
  registers: Uint8Array;
}

/** Pages of sketches a reader takes at a time unless it asks otherwise. */
export const SKETCH_PAGE_SIZE = 128;

export interface SketchQuery {
  appId: string;
  granularity: SketchGranularity;
  /** Buckets starting at or after `from` and before `to`. */
  from: Date;
  to: Date;
  /** Only cells matching every given field. */
  cell?: Partial<RolloutCell>;
  kinds?: SketchKind[];
}

/** HyperLogLog sketches per cell, bucket and kind. Stores merge (register-wise max); they never intersect. */
export interface DeviceSketchStore {
  /** Merges each entry into its stored sketch (register-wise max), creating it when missing. */
  merge(entries: SketchEntry[]): Promise<void>;
  /**
   * The matching sketches, a page of at most `pageSize` at a time, so that a reader can yield to the
   * event loop between pages however many cells an app has (better-sqlite3 reads synchronously).
   */
  readPages(query: SketchQuery, pageSize?: number): AsyncIterable<SketchEntry[]>;
  /** The distinct cells of `appId` with a daily sketch for the UTC day starting at `day`. */
  cellsIn(appId: string, day: Date): Promise<RolloutCell[]>;
  /** Removes buckets of `granularity` that start before `before` (stores without a TTL), a batch per event-loop turn. Returns how many. */
  expire(granularity: SketchGranularity, before: Date): Promise<number>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The daily HMAC keys of the sketch elements: one random key per UTC day, shared by every
 * instance, deleted two days later so old digests can't be recomputed.
 */
export interface DayKeyStore {
  /** The day's key; stores `candidate` when the day has none yet (the first instance wins). */
  keyFor(day: string, candidate: Uint8Array): Promise<Uint8Array>;
  /** Removes the keys of days before `day` (YYYY-MM-DD). */
  deleteBefore(day: string): Promise<number>;
}
