import { cellId, type RolloutCell } from '../domain/rollout-cell';
import type { Clock } from '../ports/clock';
import type { DeviceSketchStore } from '../ports/device-sketches';
import type { Logger } from '../ports/logger';

const DAY_MS = 86_400_000;
/** A day whose cells are full is read from the store again at most this often, to learn other instances' cells. */
const RELOAD_MS = 60_000;

interface DayCells {
  cells: Set<string>;
  /** Set while the store's cells of the day are being read. */
  loading: Promise<void> | null;
  /** When they were last read; 0 before the first read (or after a failed one). */
  loadedAt: number;
}

/**
 * At most ROLLOUT_MAX_CELLS_PER_APP_PER_DAY distinct cells per app and UTC day get sketches: a
 * cell the app already has that day is always admitted, a new one while there is room, and none
 * beyond. Public inputs (beacons, report keys) name cells freely, so this is what keeps their
 * sketches, pending memory and every read over them bounded.
 *
 * Per instance, seeded from the store: the day's cells are read from it once per app and day
 * (so a restart keeps the cap), and again, at most once a minute, while the day is full (so a
 * cell another instance admitted is admitted here too). Instances that each fill up before
 * seeing the others' flushes can together admit up to N × the cap.
 */
export class CellCap {
  private readonly apps = new Map<string, Map<number, DayCells>>();

  constructor(private readonly deps: { store: Pick<DeviceSketchStore, 'cellsIn'>; clock: Clock; logger: Logger; maxCellsPerDay: number }) {}

  /** Whether `cell` may have sketches on the UTC day starting at `day`; a new cell admitted takes a place. */
  admit(appId: string, cell: RolloutCell, day: Date): boolean | Promise<boolean> {
    const id = cellId(cell);
    const entry = this.dayOf(appId, day.getTime());
    if (entry.loadedAt > 0 && entry.loading === null) {
      const admitted = this.take(entry, id);
      if (admitted || this.deps.clock.now().getTime() - entry.loadedAt < RELOAD_MS) return admitted;
    }
    return this.load(appId, day, entry).then(() => this.take(entry, id));
  }

  /** Whether this instance knows `cell` to have sketches that day (no I/O): where a refused beacon can be counted. */
  knows(appId: string, cell: RolloutCell, day: Date): boolean {
    return this.apps.get(appId)?.get(day.getTime())?.cells.has(cellId(cell)) ?? false;
  }

  private take(entry: DayCells, id: string): boolean {
    if (entry.cells.has(id)) return true;
    if (entry.cells.size >= this.deps.maxCellsPerDay) return false;
    entry.cells.add(id);
    return true;
  }

  private dayOf(appId: string, day: number): DayCells {
    let days = this.apps.get(appId);
    if (!days) this.apps.set(appId, (days = new Map()));
    let entry = days.get(day);
    if (!entry) {
      days.set(day, (entry = { cells: new Set(), loading: null, loadedAt: 0 }));
      // Relayed beacons reach two days back; older days take no more cells.
      for (const older of days.keys()) if (older < day - 2 * DAY_MS) days.delete(older);
    }
    return entry;
  }

  /** Adds the store's cells of the day to the entry; a failed read leaves the entry to this instance's own cells until the next try. */
  private load(appId: string, day: Date, entry: DayCells): Promise<void> {
    entry.loading ??= this.deps.store
      .cellsIn(appId, day)
      .then(
        (cells) => {
          for (const cell of cells) entry.cells.add(cellId(cell));
          entry.loadedAt = this.deps.clock.now().getTime();
        },
        (error: Error) => {
          this.deps.logger.warn({ err: { message: error.message }, appId }, 'cells of the day could not be read; the cap counts this instance only until they can');
          entry.loadedAt = Math.max(1, this.deps.clock.now().getTime() - RELOAD_MS + 5_000);
        },
      )
      .finally(() => (entry.loading = null));
    return entry.loading;
  }
}
