import type { Principal } from '../domain/access';
import { ValidationError } from '../domain/errors';
import { estimateCardinality, mergeRegisters, emptyRegisters, type Registers } from '../domain/hyperloglog';
import { EVENT_TYPES, type EventType } from '../domain/report';
import { bucketStart, cellId, utcDay, type CellField, type RolloutCell } from '../domain/rollout-cell';
import type { DayCellCounts, DeviceDayCounts } from '../domain/rollout-release-evidence';
import { cellRates, type CellRates } from '../domain/rollout-rates';
import type { App, AppDirectory } from '../ports/app-directory';
import type { Clock } from '../ports/clock';
import type { DeviceSketchStore, SketchEntry, SketchGranularity, SketchKind } from '../ports/device-sketches';
import { AppScope } from './app-scope';
import { cooperative } from './cooperative';
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

export type RatesCell = Partial<RolloutCell> & CellRates;

export interface RatesAnswer {
  app: App;
  from: Date;
  to: Date;
  granularity: SketchGranularity;
  groupBy: CellField[];
  cells: RatesCell[];
}

interface Merged {
  cell: Partial<RolloutCell>;
  sketches: Map<SketchKind, Registers>;
}

/**
 * Rates per group of cells over a window, from merged sketches: unions only, so counts are
 * device-days (a device on two days counts twice; on two hours of one day, once). Also the read
 * side the verdict evaluator uses (RolloutCounts).
 */
export class RolloutRates implements RolloutCounts {
  private readonly scope: AppScope;

  constructor(private readonly deps: { directory: AppDirectory; store: DeviceSketchStore; clock: Clock; minDevices: number }) {
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
    const entries = await this.deps.store.read({ appId: app.id, granularity, from, to: new Date(to.getTime() + 1), cell: request.filter });
    const groups = merge(entries, (cell) => pick(cell, groupBy));
    const counted = [...groups.values()].map((g) => ({ cell: g.cell, counts: countsOf(g.sketches) }));
    // Share: over the groups that differ from this one in version only.
    const totals = new Map<string, number>();
    const shareKey = (cell: Partial<RolloutCell>) => JSON.stringify({ ...cell, version: undefined });
    for (const { cell, counts } of counted) totals.set(shareKey(cell), (totals.get(shareKey(cell)) ?? 0) + counts.active);
    const cells = counted
      .sort((a, b) => compareCells(a.cell, b.cell, groupBy))
      .map(({ cell, counts }) => ({
        ...cell,
        ...cellRates(
          { ...counts, updateFailuresTargetingThisVersion: counts.updateFailedTo },
          { allVersionsActive: totals.get(shareKey(cell)) ?? 0, minDevices: this.deps.minDevices },
        ),
      }));
    return { app, from, to, granularity, groupBy, cells };
  }

  async hourlyCounts(appId: string, from: Date, to: Date, filter?: Partial<RolloutCell>): Promise<HourlyCountsRow[]> {
    const entries = await this.deps.store.read({ appId, granularity: 'hour', from, to, ...(filter ? { cell: filter } : {}) });
    const byHour = new Map<number, SketchEntry[]>();
    for (const entry of entries) {
      const hour = entry.key.bucket.getTime();
      const list = byHour.get(hour);
      if (list) list.push(entry);
      else byHour.set(hour, [entry]);
    }
    const rows: HourlyCountsRow[] = [];
    for (const hour of [...byHour.keys()].sort((a, b) => a - b)) {
      for (const row of fullCells(byHour.get(hour)!)) rows.push({ ...row, hour: new Date(hour) });
    }
    return rows;
  }

  /**
   * Day-so-far distinct devices per UTC day in [from, to) and cell, from the daily sketches, for the
   * verdict evaluator. Estimates are merged and counted a bounded number of sketches per event-loop turn.
   */
  async dailyCounts(appId: string, from: Date, to: Date, filter?: Partial<RolloutCell>): Promise<DayCellCounts[]> {
    const entries = await this.deps.store.read({ appId, granularity: 'day', from: bucketStart(from, 'day'), to, ...(filter ? { cell: filter } : {}) });
    const byDayAndCell = new Map<string, SketchEntry[]>();
    for (const entry of entries) {
      const id = `${entry.key.bucket.getTime()}|${cellId(entry.key.cell)}`;
      const list = byDayAndCell.get(id);
      if (list) list.push(entry);
      else byDayAndCell.set(id, [entry]);
    }
    const pause = cooperative();
    const rows: DayCellCounts[] = [];
    for (const group of byDayAndCell.values()) {
      const [row] = fullCells(group);
      const { version, channel, platform, arch } = row!.cell;
      rows.push({ day: utcDay(group[0]!.key.bucket), version, cell: { channel, platform, arch }, counts: deviceDayCounts(row!) });
      await pause();
    }
    return rows;
  }

  async mergedCounts(appId: string, from: Date, to: Date, options: { filter?: Partial<RolloutCell>; granularity?: SketchGranularity } = {}): Promise<CellCountsRow[]> {
    const entries = await this.deps.store.read({ appId, granularity: options.granularity ?? 'hour', from, to, ...(options.filter ? { cell: options.filter } : {}) });
    return fullCells(entries);
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

function fullCells(entries: SketchEntry[]): CellCountsRow[] {
  return [...merge(entries, (cell) => cell).values()]
    .map((g) => ({ cell: g.cell as RolloutCell, ...countsOf(g.sketches) }))
    .sort((a, b) => cellId(a.cell).localeCompare(cellId(b.cell)));
}

function merge(entries: SketchEntry[], groupOf: (cell: RolloutCell) => Partial<RolloutCell>): Map<string, Merged> {
  const groups = new Map<string, Merged>();
  for (const { key, registers } of entries) {
    const cell = groupOf(key.cell);
    const id = JSON.stringify(cell);
    let group = groups.get(id);
    if (!group) {
      group = { cell, sketches: new Map() };
      groups.set(id, group);
    }
    const stored = group.sketches.get(key.kind);
    if (stored) mergeRegisters(stored, registers);
    else group.sketches.set(key.kind, mergeRegisters(emptyRegisters(), registers));
  }
  return groups;
}

function countsOf(sketches: Map<SketchKind, Registers>): Omit<CellCountsRow, 'cell'> {
  const estimate = (kind: SketchKind) => {
    const registers = sketches.get(kind);
    return registers ? estimateCardinality(registers) : 0;
  };
  const affected = Object.fromEntries(EVENT_TYPES.map((type) => [type, estimate(`affected:${type}`)])) as Record<EventType, number>;
  const crash = sketches.get('affected:crash');
  const startup = sketches.get('affected:startup_failure');
  const crashUnion = crash && startup ? estimateCardinality(mergeRegisters(Uint8Array.from(crash), startup)) : affected.crash + affected.startup_failure;
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

function compareCells(a: Partial<RolloutCell>, b: Partial<RolloutCell>, fields: readonly CellField[]): number {
  for (const field of fields) {
    const order = (a[field] ?? '').localeCompare(b[field] ?? '', 'en', { numeric: true });
    if (order !== 0) return order;
  }
  return 0;
}
