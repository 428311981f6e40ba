import { releaseCellId, type ReleaseCellKey } from './rollout-cell';
import { accumulateEvidence, emptyLogRatios, type EvidenceGrids, type EvidenceHour, type EvidenceLogRatios } from './rollout-evidence';
import { GATED_METRICS, type GatedMetric } from './rollout-settings';

/**
 * Distinct devices of one version in one cell over one UTC day so far: the daily sketches' counts.
 * A device that beacons or crashes many times a day is one device-day.
 */
export interface DeviceDayCounts {
  active: number;
  /** Devices with a crash or a startup failure (the union of the two sketches). */
  crash: number;
  /** Devices that failed to update *to* this version. */
  updateFailedTo: number;
  /** First launches after updating to this version (`from_version` sent). */
  arrivals: number;
  installFailed: number;
  /** First launches after install (`first_run` sent). */
  firstRuns: number;
}

export const NO_DEVICES: Readonly<DeviceDayCounts> = Object.freeze({ active: 0, crash: 0, updateFailedTo: 0, arrivals: 0, installFailed: 0, firstRuns: 0 });
const KINDS = Object.keys(NO_DEVICES) as Array<keyof DeviceDayCounts>;

/** One version's counts in one cell on one day, as the daily sketches estimate them at the time of reading. */
export interface DayCellCounts {
  /** YYYY-MM-DD (UTC). */
  day: string;
  version: string;
  cell: ReleaseCellKey;
  counts: DeviceDayCounts;
}

export interface SideCounts {
  affected: number;
  exposure: number;
}

export interface MetricEvidenceState {
  logRatios: EvidenceLogRatios;
  release: SideCounts;
  baseline: SideCounts;
  /** Affected device-days of both sides in cells where both had the metric's denominator: what the test has seen. */
  informative: number;
}

export interface CellEvidenceState {
  cell: ReleaseCellKey;
  release: Record<GatedMetric, SideCounts>;
  baseline: Record<GatedMetric, SideCounts>;
  /** Crash device-days the release would have had at its baseline's rate, interval by interval, over its exposure then. */
  matchedCrash: SideCounts;
}

/** What the evidence of one release against its baseline carries from one evaluation to the next. */
export interface ReleaseEvidence {
  baseline: string;
  /** Start of the evidence (epoch ms): the release's first day, or the first evaluation after a resume. */
  since: number;
  /** Days before this one (YYYY-MM-DD) are closed: their counts are in, later changes to them are ignored. */
  openFrom: string;
  /** The counts already taken in, per open day and per `R|cell` / `B|cell`. */
  watermarks: Record<string, Record<string, DeviceDayCounts>>;
  /** Per open day and `R|cell` / `B|cell`: the counts at the start of recent hours ([hour of the day, counts]), for the at-risk window. */
  hourMarks: Record<string, Record<string, Array<[number, DeviceDayCounts]>>>;
  metrics: Record<GatedMetric, MetricEvidenceState>;
  cells: CellEvidenceState[];
  /** Updates applied (evaluations that took counts in). */
  updates: number;
}

const zeroSide = (): SideCounts => ({ affected: 0, exposure: 0 });
const perMetric = <T>(make: () => T) => Object.fromEntries(GATED_METRICS.map((m) => [m, make()])) as Record<GatedMetric, T>;

export function startEvidence(baseline: string, since: number, openFrom: string, grids: EvidenceGrids): ReleaseEvidence {
  return {
    baseline,
    since,
    openFrom,
    watermarks: {},
    hourMarks: {},
    metrics: perMetric(() => ({ logRatios: emptyLogRatios(grids), release: zeroSide(), baseline: zeroSide(), informative: 0 })),
    cells: [],
    updates: 0,
  };
}

/**
 * Affected and exposure of one metric from new device-days. Update and install failures are measured
 * against attempts (failures + arrivals, failures + first runs); their denominators exist only where a
 * client says `from_version` / `first_run`.
 */
export const METRIC_OF: Record<GatedMetric, (c: DeviceDayCounts) => SideCounts> = {
  crash: (c) => ({ affected: c.crash, exposure: c.active }),
  update_failure: (c) => ({ affected: c.updateFailedTo, exposure: c.updateFailedTo + c.arrivals }),
  install_failure: (c) => ({ affected: c.installFailed, exposure: c.installFailed + c.firstRuns }),
};

/**
 * Whether a side has the metric's denominator: some active device for crashes; some arrival (update)
 * or first run (install) for the others, which only clients sending `from_version` / `first_run` give.
 */
export function hasDenominator(metric: GatedMetric, totals: SideCounts): boolean {
  return metric === 'crash' ? totals.exposure > 0 : totals.exposure - totals.affected > 0;
}

function minus(now: DeviceDayCounts, seen: DeviceDayCounts | undefined): { delta: DeviceDayCounts; mark: DeviceDayCounts } {
  const delta = { ...NO_DEVICES };
  const mark = { ...NO_DEVICES };
  for (const kind of KINDS) {
    const value = Math.round(now[kind]);
    const before = seen?.[kind] ?? 0;
    // Estimates only grow as devices are added; a smaller reading (another instance's flush pending) waits.
    delta[kind] = Math.max(0, value - before);
    mark[kind] = Math.max(value, before);
  }
  return { delta, mark };
}

/**
 * How far back a new affected device-day is matched with device-days at risk: the devices first seen
 * that day in the current hour and the one before. Crashes come while an app is in use, soon after
 * the launch that reports the device; matching each one with the devices launched around it (not with
 * every device seen since midnight) keeps the comparison right when a rollout's share jumps during
 * the day, and a window of an hour or more, rather than the few minutes between two evaluations, keeps
 * it right when one version's devices stay active longer than the other's (bench/rollout-simulation.ts:
 * 1 h against 2 h a day) and keeps small cells from having no device at risk when one of theirs crashes.
 */
export const AT_RISK_WINDOW_HOURS = 2;

/** One side of one cell over one interval: the device-days new in it, and those at risk (first seen in the window). */
interface SideInterval {
  added: DeviceDayCounts;
  atRisk: DeviceDayCounts;
}

interface Interval {
  cell: ReleaseCellKey;
  release: SideInterval;
  baseline: SideInterval;
}

const noSide = (): SideInterval => ({ added: { ...NO_DEVICES }, atRisk: { ...NO_DEVICES } });

function subtract(a: DeviceDayCounts, b: DeviceDayCounts): DeviceDayCounts {
  const out = { ...NO_DEVICES };
  for (const kind of KINDS) out[kind] = Math.max(0, a[kind] - b[kind]);
  return out;
}

/**
 * Records the counts at the start of `hour` (those of the last evaluation before it) and returns
 * the counts at the start of the at-risk window: the latest mark at or before `hour − (W − 1)`, or
 * none (the day's start). Older marks are dropped.
 */
function windowBase(marks: Array<[number, DeviceDayCounts]>, hour: number, before: DeviceDayCounts | undefined): { base: DeviceDayCounts; marks: Array<[number, DeviceDayCounts]> } {
  const kept = marks.some(([h]) => h === hour) ? [...marks] : [...marks, [hour, before ?? { ...NO_DEVICES }] as [number, DeviceDayCounts]];
  const start = hour - (AT_RISK_WINDOW_HOURS - 1);
  const earlier = kept.filter(([h]) => h <= start);
  const base = earlier.length > 0 ? earlier[earlier.length - 1]! : null;
  return { base: base ? base[1] : { ...NO_DEVICES }, marks: kept.filter(([h]) => h >= (base?.[0] ?? -Infinity)) };
}

type Marks = Pick<ReleaseEvidence, 'watermarks' | 'hourMarks'>;

/** The hour of `now` within `day`: 0–23 on that day, 24 once it is over. */
function hourWithin(day: string, now: number): number {
  return Math.min(24, Math.max(0, Math.floor((now - Date.parse(`${day}T00:00:00Z`)) / 3_600_000)));
}

/**
 * The new device-days since the last update, one interval per open day and cell: each day's counts so
 * far minus what was already taken in, with the device-days at risk over the window. Days before
 * `openFrom` are ignored.
 */
function newIntervals(evidence: ReleaseEvidence, release: string, rows: readonly DayCellCounts[], now: number): { intervals: Interval[] } & Marks {
  const watermarks: Marks['watermarks'] = Object.fromEntries(Object.entries(evidence.watermarks).map(([day, marks]) => [day, { ...marks }]));
  const hourMarks: Marks['hourMarks'] = Object.fromEntries(Object.entries(evidence.hourMarks ?? {}).map(([day, marks]) => [day, { ...marks }]));
  const byInterval = new Map<string, Interval>();
  for (const row of rows) {
    if (row.day < evidence.openFrom) continue;
    const side = row.version === release ? 'R' : row.version === evidence.baseline ? 'B' : null;
    if (side === null) continue;
    const id = releaseCellId(row.cell);
    const key = `${side}|${id}`;
    const marks = (watermarks[row.day] ??= {});
    const before = marks[key];
    const { delta, mark } = minus(row.counts, before);
    marks[key] = mark;
    const hours = (hourMarks[row.day] ??= {});
    const window = windowBase(hours[key] ?? [], hourWithin(row.day, now), before);
    hours[key] = window.marks;
    const interval = byInterval.get(`${row.day}|${id}`) ?? { cell: row.cell, release: noSide(), baseline: noSide() };
    interval[side === 'R' ? 'release' : 'baseline'] = { added: delta, atRisk: subtract(mark, window.base) };
    byInterval.set(`${row.day}|${id}`, interval);
  }
  return { intervals: [...byInterval.values()], watermarks, hourMarks };
}

function addSide(into: SideCounts, c: SideCounts): void {
  into.affected += c.affected;
  into.exposure += c.exposure;
}

/** A cell's state to add to: a copy of the stored one on first touch (the input stays as it was), or a new one. */
function cellState(cells: Map<string, CellEvidenceState>, copied: Set<string>, cell: ReleaseCellKey): CellEvidenceState {
  const id = releaseCellId(cell);
  let state = cells.get(id);
  if (!copied.has(id)) {
    state = state ? structuredClone(state) : { cell, release: perMetric(zeroSide), baseline: perMetric(zeroSide), matchedCrash: zeroSide() };
    cells.set(id, state);
    copied.add(id);
  }
  return state!;
}

/** Cells in one order everywhere, by id; a shared collator (localeCompare's order, without building one per call). */
const BY_CELL_ID = new Intl.Collator();

/**
 * One interval of one metric for the conditional test: the affected device-days new in the interval,
 * against each side's device-days at risk (first seen within the window, AT_RISK_WINDOW_HOURS).
 */
function testInterval(metric: GatedMetric, r: SideInterval, b: SideInterval): EvidenceHour {
  const added = { r: METRIC_OF[metric](r.added), b: METRIC_OF[metric](b.added) };
  const atRisk = { r: METRIC_OF[metric](r.atRisk), b: METRIC_OF[metric](b.atRisk) };
  return { xR: added.r.affected, xB: added.b.affected, eR: atRisk.r.exposure, eB: atRisk.b.exposure };
}

/**
 * Takes in the counts read now: per cell, the new device-days of release and baseline become one
 * interval of the stratified test (one shared rate ratio over all cells). A metric's interval counts
 * only where both sides of that cell have its denominator. `closeBefore` (YYYY-MM-DD) closes the days
 * before it: their watermarks are dropped and later readings of them ignored.
 */
export function updateEvidence(evidence: ReleaseEvidence, release: string, rows: readonly DayCellCounts[], grids: EvidenceGrids, at: { now: number; closeBefore: string }): ReleaseEvidence {
  const { closeBefore } = at;
  const { intervals, watermarks, hourMarks } = newIntervals(evidence, release, rows, at.now);
  const cells = new Map(evidence.cells.map((c) => [releaseCellId(c.cell), c]));
  const copied = new Set<string>();
  const metrics = structuredClone(evidence.metrics);
  const tests = perMetric<EvidenceHour[]>(() => []);
  for (const { cell, release: r, baseline: b } of intervals) {
    // A cell the release has not been seen in that day holds no evidence about it.
    if (!KINDS.some((kind) => r.added[kind] > 0 || r.atRisk[kind] > 0)) continue;
    const state = cellState(cells, copied, cell);
    for (const metric of GATED_METRICS) {
      const added = { r: METRIC_OF[metric](r.added), b: METRIC_OF[metric](b.added) };
      addSide(state.release[metric], added.r);
      addSide(state.baseline[metric], added.b);
      addSide(metrics[metric].release, added.r);
      addSide(metrics[metric].baseline, added.b);
      if (!hasDenominator(metric, state.release[metric]) || !hasDenominator(metric, state.baseline[metric])) continue;
      tests[metric].push(testInterval(metric, r, b));
      metrics[metric].informative += added.r.affected + added.b.affected;
    }
    // What the release would have lost at the baseline's hazard in this interval, over its own devices at risk.
    if (b.atRisk.active > 0) {
      state.matchedCrash.affected += (r.atRisk.active * b.added.crash) / b.atRisk.active;
      state.matchedCrash.exposure += r.added.active;
    }
  }
  for (const metric of GATED_METRICS) metrics[metric].logRatios = accumulateEvidence(metrics[metric].logRatios, tests[metric], grids);
  for (const day of Object.keys(watermarks)) if (day < closeBefore) delete watermarks[day];
  for (const day of Object.keys(hourMarks)) if (day < closeBefore) delete hourMarks[day];
  return {
    ...evidence,
    openFrom: closeBefore > evidence.openFrom ? closeBefore : evidence.openFrom,
    watermarks,
    hourMarks,
    metrics,
    cells: [...cells.entries()].sort(([a], [b]) => BY_CELL_ID.compare(a, b)).map(([, c]) => c),
    updates: evidence.updates + 1,
  };
}

/**
 * The rows in parts of at most `maxCells` cells, every row of a cell (both versions, every day) in the
 * same part: cells are independent in the test, so updating with the parts one after the other (days
 * closed with the last) gives the evidence one update with all rows gives, and a caller can yield
 * between parts however many cells there are.
 */
export function rowsByCells(rows: readonly DayCellCounts[], maxCells: number): DayCellCounts[][] {
  const byCell = new Map<string, DayCellCounts[]>();
  for (const row of rows) {
    const id = releaseCellId(row.cell);
    const list = byCell.get(id);
    if (list) list.push(row);
    else byCell.set(id, [row]);
  }
  const parts: DayCellCounts[][] = [];
  let part: DayCellCounts[] = [];
  let cellsInPart = 0;
  for (const list of byCell.values()) {
    if (cellsInPart === maxCells) {
      parts.push(part);
      part = [];
      cellsInPart = 0;
    }
    part.push(...list);
    cellsInPart++;
  }
  parts.push(part);
  return parts;
}

/**
 * Marks the counts read now as already taken in, without adding them: evidence after a resume
 * starts from the devices first seen after it.
 */
export function skipToNow(evidence: ReleaseEvidence, release: string, rows: readonly DayCellCounts[], now: number): ReleaseEvidence {
  const { watermarks, hourMarks } = newIntervals(evidence, release, rows, now);
  return { ...evidence, watermarks, hourMarks };
}
