import { ApiError, get, optional, type Health, type Rates, type RatesCell, type Verdict } from './api';
import { compareVersionsDesc } from './format';

// Rates and verdicts come from GET /rollouts/rates and GET /rollouts/health. An app without
// beacons yet has no cells and reads as "no rollout data".

export const DAY_MS = 24 * 3600 * 1000;
export const CHART_DAYS = 7;
export const MAX_RELEASES = 10;

const versionsOf = (cells: RatesCell[]) =>
  [...new Set(cells.map((c) => c.version).filter((v): v is string => typeof v === 'string'))].sort(compareVersionsDesc);

export async function releaseRates(appId: string): Promise<Rates | null> {
  return optional(get<Rates>('/rollouts/rates', { app: appId, group_by: 'version' }));
}

export async function health(appId: string, version: string): Promise<Health | null> {
  return optional(get<Health>('/rollouts/health', { app: appId, version }));
}

export interface LatestVerdict {
  version: string;
  verdict: Verdict | null;
}

/** The newest version with traffic in the rates window, and its verdict. */
export async function latestVerdict(appId: string): Promise<LatestVerdict | null> {
  const rates = await releaseRates(appId);
  const latest = rates ? versionsOf(rates.cells)[0] : undefined;
  if (latest === undefined) return null;
  const h = await health(appId, latest);
  return { version: latest, verdict: h?.verdict ?? null };
}

export interface Release {
  version: string;
  cell: RatesCell;
  health: Health | null;
}

export async function releases(appId: string): Promise<Release[] | null> {
  const rates = await releaseRates(appId);
  if (rates === null) return null;
  const versions = versionsOf(rates.cells).slice(0, MAX_RELEASES);
  return Promise.all(
    versions.map(async (version) => ({
      version,
      cell: rates.cells.find((c) => c.version === version)!,
      health: await health(appId, version).catch((error) => {
        if (error instanceof ApiError && error.status === 401) throw error;
        return null;
      }),
    })),
  );
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
