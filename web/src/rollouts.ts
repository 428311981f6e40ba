import { ApiError, get, optional, type Health, type History, type Rates, type RatesCell, type RefusedSummary } from './api';
import { compareVersionsDesc } from './format';

// Rates come from GET /rollouts/rates, each release's role and verdict from GET /rollouts/health,
// its changes from GET /rollouts/history. An app without beacons yet has no cells and reads as
// "no rollout data".

export const DAY_MS = 24 * 3600 * 1000;
export const CHART_DAYS = 7;
/** The newest versions with traffic in the rates window that the Releases table lists (one health request each). */
export const MAX_RELEASES = 12;
/** Lines per chart: more are unreadable. */
const CHART_VERSIONS = 6;

const versionsOf = (cells: RatesCell[]) =>
  [...new Set(cells.map((c) => c.version).filter((v): v is string => typeof v === 'string'))].sort(compareVersionsDesc);

export async function health(appId: string, version: string): Promise<Health | null> {
  return optional(get<Health>('/rollouts/health', { app: appId, version }));
}

export async function history(appId: string, version: string): Promise<History | null> {
  return optional(get<History>('/rollouts/history', { app: appId, version }));
}

/** One version's cells (channel, platform, arch) over the rates window: device-days, rates and refused beacons. */
export async function cellRates(appId: string, version: string): Promise<Rates | null> {
  return optional(get<Rates>('/rollouts/rates', { app: appId, version, group_by: 'channel,platform,arch' }));
}

export interface Release {
  version: string;
  cell: RatesCell;
  health: Health | null;
}

export interface Releases {
  items: Release[];
  /** Refused beacons of the app in the window: the device counts are short by these. */
  refused: RefusedSummary;
  /** The versions the charts draw: the newest ones with figures over the window (not suppressed). */
  charted: string[];
}

export async function releases(appId: string): Promise<Releases | null> {
  const rates = await optional(get<Rates>('/rollouts/rates', { app: appId, group_by: 'version' }));
  if (rates === null) return null;
  const versions = versionsOf(rates.cells).slice(0, MAX_RELEASES);
  const items = await Promise.all(
    versions.map(async (version) => ({
      version,
      cell: rates.cells.find((c) => c.version === version)!,
      health: await health(appId, version).catch((error) => {
        if (error instanceof ApiError && error.status === 401) throw error;
        return null;
      }),
    })),
  );
  // A version with too few devices over the whole window has no daily figures either; with none at all, the charts say so.
  const withFigures = items.filter((r) => !r.cell.suppressed);
  const charted = (withFigures.length > 0 ? withFigures : items).map((r) => r.version).slice(0, CHART_VERSIONS);
  return { items, refused: rates.refused_beacons, charted };
}

export interface DaySeries {
  /** Start of each UTC day, in seconds (uPlot's x unit). */
  days: number[];
  versions: string[];
  /** Per version, per day; null where suppressed or absent. */
  crashFree: Map<string, Array<{ rate: number; low: number; high: number } | null>>;
  share: Map<string, Array<number | null>>;
}

/**
 * One rates query per UTC day of the last CHART_DAYS: the answer has no time key per cell, so a day
 * is a window of its own. `to` is an instant inside the last bucket the API merges (a bucket
 * starting at `to` is in), hence the day's last millisecond, not the next day's start.
 */
export async function daySeries(appId: string, versions: string[], now = Date.now()): Promise<DaySeries> {
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  const starts = Array.from({ length: CHART_DAYS }, (_, i) => today - (CHART_DAYS - 1 - i) * DAY_MS);
  const windows = await Promise.all(
    starts.map((start) =>
      optional(
        get<Rates>('/rollouts/rates', {
          app: appId,
          from: new Date(start).toISOString(),
          to: new Date(Math.min(start + DAY_MS - 1, now)).toISOString(),
          granularity: 'day',
          group_by: 'version',
        }),
      ),
    ),
  );
  const crashFree = new Map<string, Array<{ rate: number; low: number; high: number } | null>>();
  const share = new Map<string, Array<number | null>>();
  for (const version of versions) {
    crashFree.set(
      version,
      windows.map((w) => {
        const cell = w?.cells.find((c) => c.version === version);
        const cf = cell && !cell.suppressed ? cell.rates?.crash_free : undefined;
        return cf ? { rate: cf.rate, low: cf.low, high: cf.high } : null;
      }),
    );
    share.set(
      version,
      windows.map((w) => {
        const cell = w?.cells.find((c) => c.version === version);
        return cell && typeof cell.share === 'number' ? cell.share : null;
      }),
    );
  }
  return { days: starts.map((s) => s / 1000), versions, crashFree, share };
}
