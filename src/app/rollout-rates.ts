import type { Principal } from '../domain/access';
import { ValidationError } from '../domain/errors';
import { setImmediate } from 'node:timers/promises';
import { CompactRegisters } from '../domain/compact-registers';
import { EVENT_TYPES, type EventType } from '../domain/report';
import { bucketStart, cellId, cellMatches, utcDay, type CellField, type RolloutCell } from '../domain/rollout-cell';
import type { DayCellCounts, DeviceDayCounts } from '../domain/rollout-release-evidence';
import { cellRates, type CellRates } from '../domain/rollout-rates';
import type { App, AppDirectory } from '../ports/app-directory';
import type { Clock } from '../ports/clock';
import { REFUSAL_REASONS, type BeaconRefusalStore, type RefusalReason } from '../ports/beacon-refusals';
import type { DeviceSketchStore, SketchEntry, SketchGranularity, SketchKey, SketchKind, SketchQuery } from '../ports/device-sketches';
import { AppScope } from './app-scope';
import type { CellCountsRow, HourlyCountsRow, RolloutCounts } from './rollout-counts';

const DAY_MS = 86_400_000;
export const DEFAULT_RATES_WINDOW_DAYS = 7;
/** The longest window a query may merge: the daily retention's default, plus a day of slack. */
export const MAX_RATES_WINDOW_DAYS = { day: 91, hour: 8 } as const;

export interface RatesRequest {
  app: string;
  from?: Date;
  to?: Date;
  filter: Partial<RolloutCell>;
  groupBy: CellField[];
  granularity: SketchGranularity;
}

export type RatesCell = Partial<RolloutCell> & CellRates & { refused_beacons: number };

/** Refused beacons of the window: per reason over the shown cells and the app, and those that no cell could take. */
export interface RefusedSummary {
  total: number;
  unattributed: number;
  byReason: Record<RefusalReason, number>;
}

export interface RatesAnswer {
  app: App;
  from: Date;
  to: Date;
  granularity: SketchGranularity;
  groupBy: CellField[];
  cells: RatesCell[];
  refused: RefusedSummary;
}

interface Merged {
  cell: Partial<RolloutCell>;
  hour?: number;
  sketches: Map<SketchKind, CompactRegisters>;
  refused: number;
}

/** Groups estimated (or turned into rates) per event-loop turn: up to 7 dense sketches each, some 30 µs apiece. */
const COUNT_CHUNK = 50;

/**
 * Rates per group of cells over a window, from merged sketches: unions only, so counts are
 * device-days (a device on two days counts twice; on two hours of one day, once). Also the read
 * side the verdict evaluator uses (RolloutCounts). Sketches are read a page at a time and merged
 * into compact registers, yielding to the event loop between pages and between chunks of groups,
 * so no request waits long behind a read however many cells an app has.
 */
export class RolloutRates implements RolloutCounts {
  private readonly scope: AppScope;

  constructor(
    private readonly deps: { directory: AppDirectory; store: DeviceSketchStore; refusals: BeaconRefusalStore; clock: Clock; minDevices: number },
  ) {
    this.scope = new AppScope(deps.directory);
  }

  async rates(p: Principal, request: RatesRequest): Promise<RatesAnswer> {
    const app = await this.scope.resolve(p, 'download', request.app);
    return this.ratesOf(app, request);
  }

  /** Without an access check: the CLI, which runs as the operator. */
  async ratesOf(app: App, request: Omit<RatesRequest, 'app'>): Promise<RatesAnswer> {
    const { granularity, groupBy } = request;
    const to = request.to ?? this.deps.clock.now();
    const from = bucketStart(request.from ?? new Date(to.getTime() - DEFAULT_RATES_WINDOW_DAYS * DAY_MS), granularity);
    if (from >= to) throw new ValidationError('from must be before to', 'invalid_value', { field: 'from' });
    if (to.getTime() - from.getTime() > MAX_RATES_WINDOW_DAYS[granularity] * DAY_MS) {
      throw new ValidationError(`a ${granularity} window spans at most ${MAX_RATES_WINDOW_DAYS[granularity]} days`, 'invalid_value', { field: 'from' });
    }
    // `to` is an instant inside the last bucket (by default now): a bucket starting at it is in.
    const query = { appId: app.id, granularity, from, to: new Date(to.getTime() + 1), cell: request.filter };
    const groupOf = (cell: RolloutCell) => ({ cell: pick(cell, groupBy) });
    const groups = await mergePages(this.deps.store.readPages(query), (key) => groupOf(key.cell));
    const refused = await this.addRefusals(groups, query, groupOf);
    const counted = await countGroups(groups);
    // Share: over the groups that differ from this one in version only.
    const totals = new Map<string, number>();
    const shareKey = (cell: Partial<RolloutCell>) => JSON.stringify({ ...cell, version: undefined });
    for (const { cell, counts } of counted) totals.set(shareKey(cell), (totals.get(shareKey(cell)) ?? 0) + counts.active);
    counted.sort((a, b) => compareCells(a.cell, b.cell, groupBy));
    const cells = await inChunks(counted, ({ cell, counts, refused: refusedHere }) => ({
      ...cell,
      ...cellRates(
        { ...counts, updateFailuresTargetingThisVersion: counts.updateFailedTo },
        { allVersionsActive: totals.get(shareKey(cell)) ?? 0, minDevices: this.deps.minDevices },
      ),
      refused_beacons: refusedHere,
    }));
    return { app, from, to, granularity, groupBy, cells, refused };
  }

  async hourlyCounts(appId: string, from: Date, to: Date, filter?: Partial<RolloutCell>): Promise<HourlyCountsRow[]> {
    const pages = this.deps.store.readPages({ appId, granularity: 'hour', from, to, ...(filter ? { cell: filter } : {}) });
    const groups = await mergePages(pages, (key) => ({ cell: key.cell, hour: key.bucket.getTime() }));
    const rows = (await countGroups(groups)).map(({ cell, hour, counts }) => ({ id: cellId(cell as RolloutCell), row: { cell: cell as RolloutCell, hour: new Date(hour!), ...counts } }));
    return rows.sort((a, b) => a.row.hour.getTime() - b.row.hour.getTime() || BY_ID.compare(a.id, b.id)).map((r) => r.row);
  }

  /**
   * Day-so-far distinct devices per UTC day in [from, to) and cell, from the daily sketches, for the
   * verdict evaluator; read a page and counted a chunk per event-loop turn like the rest.
   */
  async dailyCounts(appId: string, from: Date, to: Date, filter?: Partial<RolloutCell>): Promise<DayCellCounts[]> {
    const pages = this.deps.store.readPages({ appId, granularity: 'day', from: bucketStart(from, 'day'), to, ...(filter ? { cell: filter } : {}) });
    const groups = await mergePages(pages, (key) => ({ cell: key.cell, hour: key.bucket.getTime() }));
    return (await countGroups(groups)).map(({ cell, hour, counts }) => {
      const { version, channel, platform, arch } = cell as RolloutCell;
      return { day: utcDay(new Date(hour!)), version, cell: { channel, platform, arch }, counts: deviceDayCounts(counts) };
    });
  }

  async mergedCounts(appId: string, from: Date, to: Date, options: { filter?: Partial<RolloutCell>; granularity?: SketchGranularity } = {}): Promise<CellCountsRow[]> {
    const pages = this.deps.store.readPages({ appId, granularity: options.granularity ?? 'hour', from, to, ...(options.filter ? { cell: options.filter } : {}) });
    const groups = await mergePages(pages, (key) => ({ cell: key.cell }));
    const rows = (await countGroups(groups)).map(({ cell, counts }) => ({ id: cellId(cell as RolloutCell), row: { cell: cell as RolloutCell, ...counts } }));
    return rows.sort((a, b) => BY_ID.compare(a.id, b.id)).map((r) => r.row);
  }

  /** Refused beacons of the window into their groups (a group may have refusals and no sketch), and the summary. */
  private async addRefusals(groups: Map<string, Merged>, query: SketchQuery, groupOf: (cell: RolloutCell) => { cell: Partial<RolloutCell> }): Promise<RefusedSummary> {
    const summary: RefusedSummary = { total: 0, unattributed: 0, byReason: Object.fromEntries(REFUSAL_REASONS.map((r) => [r, 0])) as Record<RefusalReason, number> };
    for (const { cell, reason, count } of await this.deps.refusals.totals(query)) {
      if (cell !== null && !cellMatches(cell, query.cell)) continue;
      if (cell === null) summary.unattributed += count;
      else groupIn(groups, groupOf(cell)).refused += count;
      summary.total += count;
      summary.byReason[reason] += count;
    }
    return summary;
  }
}

function deviceDayCounts(row: Omit<CellCountsRow, 'cell'>): DeviceDayCounts {
  return {
    active: row.active,
    crash: row.crashUnion,
    updateFailedTo: row.updateFailedTo,
    arrivals: row.arrivals,
    installFailed: row.affected.install_failure,
    firstRuns: row.firstRuns,
  };
}

function groupIn(groups: Map<string, Merged>, of: { cell: Partial<RolloutCell>; hour?: number }): Merged {
  const id = of.hour === undefined ? JSON.stringify(of.cell) : `${of.hour}|${JSON.stringify(of.cell)}`;
  let group = groups.get(id);
  if (!group) groups.set(id, (group = { ...of, sketches: new Map(), refused: 0 }));
  return group;
}

/** Unions per group, a page per event-loop turn; registers stay sparse while few are set. */
async function mergePages(pages: AsyncIterable<SketchEntry[]>, groupOf: (key: SketchKey) => { cell: Partial<RolloutCell>; hour?: number }): Promise<Map<string, Merged>> {
  const groups = new Map<string, Merged>();
  for await (const page of pages) {
    for (const { key, registers } of page) {
      const group = groupIn(groups, groupOf(key));
      const stored = group.sketches.get(key.kind);
      if (stored) stored.mergeRegisters(registers);
      else group.sketches.set(key.kind, new CompactRegisters().mergeRegisters(registers));
    }
    await setImmediate();
  }
  return groups;
}

const countGroups = (groups: Map<string, Merged>) => inChunks([...groups.values()], (group) => ({ ...group, counts: countsOf(group.sketches) }));

/** `items.map(map)`, COUNT_CHUNK items per event-loop turn. */
async function inChunks<T, R>(items: readonly T[], map: (item: T) => R): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i++) {
    if (i > 0 && i % COUNT_CHUNK === 0) await setImmediate();
    out.push(map(items[i]!));
  }
  return out;
}

function countsOf(sketches: Map<SketchKind, CompactRegisters>): Omit<CellCountsRow, 'cell'> {
  const estimate = (kind: SketchKind) => sketches.get(kind)?.estimate() ?? 0;
  const affected = Object.fromEntries(EVENT_TYPES.map((type) => [type, estimate(`affected:${type}`)])) as Record<EventType, number>;
  const crash = sketches.get('affected:crash');
  const startup = sketches.get('affected:startup_failure');
  const crashUnion = crash && startup ? crash.copy().merge(startup).estimate() : affected.crash + affected.startup_failure;
  return {
    active: estimate('active'),
    affected,
    crashUnion,
    arrivals: estimate('arrivals'),
    firstRuns: estimate('first_runs'),
    updateFailedTo: estimate('update_failed_to'),
  };
}

function pick(cell: RolloutCell, fields: readonly CellField[]): Partial<RolloutCell> {
  const out: Partial<RolloutCell> = {};
  for (const field of fields) out[field] = cell[field];
  return out;
}

/** One collator for every comparison: localeCompare with options builds one per call, 150 times slower over thousands of cells. */
const NUMERIC = new Intl.Collator('en', { numeric: true });
/** What localeCompare without options compares by. */
const BY_ID = new Intl.Collator();

function compareCells(a: Partial<RolloutCell>, b: Partial<RolloutCell>, fields: readonly CellField[]): number {
  for (const field of fields) {
    const order = NUMERIC.compare(a[field] ?? '', b[field] ?? '');
    if (order !== 0) return order;
  }
  return 0;
}
