import type { EventType } from '../domain/report';
import type { DayCellCounts } from '../domain/rollout-release-evidence';
import type { RolloutCell, SketchGranularity } from '../ports/device-sketches';

/** One cell's sketch counts in one UTC hour (or over a merged window): estimates, in devices. */
export interface CellCountsRow {
  cell: RolloutCell;
  active: number;
  affected: Record<EventType, number>;
  /** Devices with a crash or a startup failure: the union of the two sketches. */
  crashUnion: number;
  /** First launches after updating to the cell's version (`from_version` present). */
  arrivals: number;
  /** First launches after install (`first_run=1`). */
  firstRuns: number;
  /** Devices that failed to update *to* the cell's version. */
  updateFailedTo: number;
}

export interface HourlyCountsRow extends CellCountsRow {
  /** Start of the UTC hour. */
  hour: Date;
}

/**
 * Read side of the device sketches, for the rates API and the verdict evaluator (issue 13).
 * Counts are HyperLogLog estimates (unrounded); merging is a union, so a device seen in two hours
 * of the same UTC day counts once in `mergedCounts` over `granularity: 'hour'`, and once per day
 * over `granularity: 'day'` (device-days).
 */
export interface RolloutCounts {
  /** Per cell and per UTC hour with at least one sketch, hours in [from, to), sorted by hour then cell. */
  hourlyCounts(appId: string, from: Date, to: Date, filter?: Partial<RolloutCell>): Promise<HourlyCountsRow[]>;
  /** Per cell, the union of its buckets of `granularity` in [from, to). */
  mergedCounts(appId: string, from: Date, to: Date, options?: { filter?: Partial<RolloutCell>; granularity?: SketchGranularity }): Promise<CellCountsRow[]>;
}

/** What the verdict evaluator reads: day-so-far distinct devices per UTC day and cell (daily sketches). */
export interface DailyCounts {
  dailyCounts(appId: string, from: Date, to: Date, filter?: Partial<RolloutCell>): Promise<DayCellCounts[]>;
}
