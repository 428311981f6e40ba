import type { HourlyCountsRow, RolloutCounts as AllRolloutCounts } from './rollout-counts';
import type { EvidenceHour } from '../domain/rollout-evidence';
import {
  chooseBaseline,
  evaluateCell,
  releaseVerdict,
  rolloutSettings,
  type AffectedExposure,
  type CellEvaluation,
  type GatedMetric,
  type MetricSeries,
  type RolloutSettings,
  type Verdict,
} from '../domain/rollout-verdict';
import type { Clock } from '../ports/clock';
import type { AppRolloutSettings, CellKey, CellVerdictState, ReleaseVerdictState, VerdictStore } from '../ports/verdict-store';
import type { OutboxEvent } from '../ports/webhook-store';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** One cell's distinct-device counts in one UTC hour (GET /rollouts/rates' sketches, merged per hour). */
export type HourlyCellCounts = HourlyCountsRow;

/** What the evaluator reads counts through; the rates use case provides it, tests pass a fake with fixed counts. */
export type RolloutCounts = Pick<AllRolloutCounts, 'hourlyCounts'>;

export interface CellHealth extends CellKey {
  verdict: Verdict;
  reasons: string[];
  baseline_version: string | null;
  metrics: CellEvaluation['metrics'];
}

/** The body of GET /rollouts/health. */
export interface ReleaseHealth {
  app_id: string;
  version: string;
  verdict: Verdict;
  baseline_version: string | null;
  data_through: string | null;
  evaluated_at: string | null;
  resumed: { at: string; by: string; note: string } | null;
  cells: CellHealth[];
}

export interface EvaluatorSettings {
  /** How far back hourly buckets exist (ROLLOUT_HOURLY_RETENTION_DAYS). */
  hourlyRetentionDays: number;
  /** Service-wide defaults under every app's own settings. */
  defaults: Partial<RolloutSettings>;
}

const METRIC_COUNTS: Record<GatedMetric, (c: HourlyCellCounts) => AffectedExposure> = {
  crash: (c) => ({ affected: c.crashUnion, exposure: c.active }),
  update_failure: (c) => ({ affected: c.updateFailedTo, exposure: c.updateFailedTo + c.arrivals }),
  install_failure: (c) => ({ affected: c.affected.install_failure, exposure: c.affected.install_failure + c.firstRuns }),
};

const cellKeyOf = (c: CellKey): string => `${c.channel}\u0000${c.platform}\u0000${c.arch}`;
const floorHour = (ms: number) => Math.floor(ms / HOUR) * HOUR;
const sum = (a: AffectedExposure, b: AffectedExposure): AffectedExposure => ({ affected: a.affected + b.affected, exposure: a.exposure + b.exposure });
const ZERO: AffectedExposure = { affected: 0, exposure: 0 };

/**
 * Turns hourly counts into a verdict per release and cell with the domain's rules, remembers the
 * state the rules need (consecutive healthy evaluations, the sticky halt, resumes) and, when a
 * release's verdict changes, writes one rollout.verdict_changed event with the state.
 * Exposure over a window is summed from hourly distinct counts (device-hours, not device-days).
 */
export class RolloutEvaluator {
  constructor(
    private readonly deps: {
      counts: RolloutCounts;
      store: VerdictStore;
      apps: { listAppIds(): Promise<string[]> };
      clock: Clock;
      newId: () => string;
      settings: EvaluatorSettings;
    },
  ) {}

  /** Every release of every app with traffic in the last 24 h; returns how many were evaluated. */
  async evaluateAll(): Promise<number> {
    let n = 0;
    for (const appId of await this.deps.apps.listAppIds()) n += (await this.evaluateApp(appId)).length;
    return n;
  }

  async evaluateApp(appId: string): Promise<ReleaseHealth[]> {
    const { rows, now } = await this.load(appId);
    const recent = new Set(rows.filter((r) => r.hour.getTime() >= now - DAY && r.active > 0).map((r) => r.cell.version));
    const out: ReleaseHealth[] = [];
    for (const version of [...recent].sort()) out.push(await this.evaluateWith(appId, version, rows, now, { persist: true }));
    return out;
  }

  /** Evaluates one release now and saves it (and its event, on a change). */
  async evaluateRelease(appId: string, version: string): Promise<ReleaseHealth> {
    const { rows, now } = await this.load(appId);
    return this.evaluateWith(appId, version, rows, now, { persist: true });
  }

  /**
   * The stored verdict; a release never evaluated, or one asked against another baseline, is
   * evaluated on the spot without saving. Filters narrow the cells and the verdict to them.
   */
  async health(appId: string, version: string, filter: Partial<CellKey> = {}, baseline?: string): Promise<ReleaseHealth> {
    const stored = await this.deps.store.findRelease(appId, version);
    let health: ReleaseHealth;
    if (stored && baseline === undefined) {
      health = toHealth(stored, await this.deps.store.listCells(appId, version));
    } else {
      const { rows, now } = await this.load(appId);
      health = await this.evaluateWith(appId, version, rows, now, { persist: false, baseline });
    }
    const matches = (c: CellKey) => (Object.keys(filter) as Array<keyof CellKey>).every((k) => filter[k] === undefined || filter[k] === c[k]);
    if (Object.values(filter).every((v) => v === undefined)) return health;
    const cells = health.cells.filter(matches);
    return { ...health, cells, verdict: releaseVerdict(cells) };
  }

  /** Records who resumed a halted release, then evaluates it again from the resume on. Null when never evaluated. */
  async resume(appId: string, version: string, by: string, note: string): Promise<ReleaseHealth | null> {
    const resumed = await this.deps.store.resume({ appId, version, by, note, at: this.deps.clock.now() });
    if (!resumed) return null;
    return this.evaluateRelease(appId, version);
  }

  private async load(appId: string): Promise<{ rows: HourlyCellCounts[]; now: number }> {
    const now = this.deps.clock.now().getTime();
    const from = new Date(floorHour(now) - this.deps.settings.hourlyRetentionDays * DAY);
    const rows = await this.deps.counts.hourlyCounts(appId, from, new Date(now));
    return { rows, now };
  }

  private async evaluateWith(
    appId: string,
    version: string,
    rows: HourlyCellCounts[],
    now: number,
    options: { persist: boolean; baseline?: string },
  ): Promise<ReleaseHealth> {
    const { store } = this.deps;
    const appSettings = await store.getSettings(appId);
    const settings = settingsOf(this.deps.settings.defaults, appSettings);
    const explicitBaseline = options.baseline ?? appSettings.baseline ?? null;
    const previous = await store.findRelease(appId, version);
    const previousCells = new Map((await store.listCells(appId, version)).map((c) => [cellKeyOf(c.cell), c]));
    const resumedAt = previous?.resumedAt?.getTime() ?? null;

    const mine = rows.filter((r) => r.cell.version === version && r.active > 0);
    const firstHour = mine.length > 0 ? Math.min(...mine.map((r) => r.hour.getTime())) : null;
    // After a resume the evidence starts afresh from the next whole hour: the hour of the resume
    // mixes devices from before it, whose failures a person has just accepted.
    const windowStart = Math.max(firstHour ?? now, resumedAt === null ? 0 : Math.ceil(resumedAt / HOUR) * HOUR);
    const dayStart = Math.max(now - DAY, resumedAt ?? 0);
    const firsts = firstSeenByVersion(rows);
    // A version first seen after this one, with traffic in the last 24 h, has replaced it.
    const superseded = firstHour !== null && rows.some((r) => r.cell.version !== version && r.active > 0 && r.hour.getTime() >= now - DAY && firsts.get(r.cell.version)! > firstHour);

    const inWindow = (r: HourlyCellCounts) => r.hour.getTime() >= windowStart;
    const crashOf = (r: HourlyCellCounts) => METRIC_COUNTS.crash(r);
    const overall = mine.filter((r) => r.hour.getTime() >= dayStart).map(crashOf).reduce(sum, ZERO);

    const cellKeys = new Map<string, CellKey>();
    for (const r of mine) cellKeys.set(cellKeyOf(r.cell), { channel: r.cell.channel, platform: r.cell.platform, arch: r.cell.arch });
    for (const c of previousCells.values()) cellKeys.set(cellKeyOf(c.cell), c.cell);

    const cells: CellVerdictState[] = [];
    for (const key of [...cellKeys.keys()].sort()) {
      const cell = cellKeys.get(key)!;
      const sameCell = rows.filter((r) => inWindow(r) && cellKeyOf(r.cell) === key);
      const release = sameCell.filter((r) => r.cell.version === version);
      const byVersion = new Map<string, number>();
      for (const r of sameCell) byVersion.set(r.cell.version, (byVersion.get(r.cell.version) ?? 0) + r.active);
      const baselineVersion = chooseBaseline([...byVersion].map(([v, a]) => ({ version: v, activeDeviceDays: a })), version, explicitBaseline);
      const baseline = baselineVersion === null ? [] : sameCell.filter((r) => r.cell.version === baselineVersion);

      const metrics: Partial<Record<GatedMetric, MetricSeries>> = {};
      for (const metric of settings.metrics) metrics[metric] = seriesOf(release, baseline, METRIC_COUNTS[metric], baselineVersion !== null);
      const platformArch = mine
        .filter((r) => r.hour.getTime() >= dayStart && r.cell.platform === cell.platform && r.cell.arch === cell.arch)
        .map(crashOf)
        .reduce(sum, ZERO);

      const prev = previousCells.get(key);
      const evaluation = evaluateCell(
        {
          releaseActive: release.reduce((n, r) => n + r.active, 0),
          baseline: baselineVersion === null ? null : { version: baselineVersion, active: byVersion.get(baselineVersion) ?? 0 },
          metrics,
          crash24h: { overall, platformArch },
        },
        prev ? { verdict: prev.verdict, reasons: prev.reasons, consecutiveHealthy: prev.consecutiveHealthy, haltedAt: prev.haltedAt?.getTime() ?? null } : null,
        { now, resumedAt, superseded },
        settings,
      );
      cells.push({
        appId,
        version,
        cell,
        verdict: evaluation.verdict,
        reasons: [...evaluation.reasons],
        consecutiveHealthy: evaluation.consecutiveHealthy,
        haltedAt: evaluation.haltedAt === null ? null : new Date(evaluation.haltedAt),
        baselineVersion,
        metrics: evaluation.metrics,
        evaluatedAt: new Date(now),
      });
    }

    const verdict = releaseVerdict(cells);
    const release: ReleaseVerdictState = {
      appId,
      version,
      verdict,
      baselineVersion: mainBaseline(cells),
      dataThrough: new Date(floorHour(now)),
      evaluatedAt: new Date(now),
      resumedAt: previous?.resumedAt ?? null,
      resumedBy: previous?.resumedBy ?? null,
      resumeNote: previous?.resumeNote ?? null,
      superseded,
    };
    const health = toHealth(release, cells);
    if (options.persist) {
      const from = previous?.verdict ?? null;
      const changed = from === null ? verdict !== 'watch' : from !== verdict;
      const event: OutboxEvent | null = changed
        ? { id: this.deps.newId(), appId, type: 'rollout.verdict_changed', payload: { ...health, from, to: verdict }, createdAt: new Date(now) }
        : null;
      await this.deps.store.saveEvaluation(release, cells, event);
    }
    return health;
  }
}

function firstSeenByVersion(rows: HourlyCellCounts[]): Map<string, number> {
  const first = new Map<string, number>();
  for (const r of rows) if (r.active > 0 && !(first.get(r.cell.version)! <= r.hour.getTime())) first.set(r.cell.version, r.hour.getTime());
  return first;
}

function seriesOf(
  release: HourlyCellCounts[],
  baseline: HourlyCellCounts[],
  counts: (c: HourlyCellCounts) => AffectedExposure,
  hasBaseline: boolean,
): MetricSeries {
  const byHour = new Map<number, EvidenceHour>();
  for (const r of release) {
    const c = counts(r);
    const h = byHour.get(r.hour.getTime()) ?? { xR: 0, xB: 0, eR: 0, eB: 0 };
    byHour.set(r.hour.getTime(), { ...h, xR: h.xR + c.affected, eR: h.eR + c.exposure });
  }
  for (const r of baseline) {
    const c = counts(r);
    const h = byHour.get(r.hour.getTime()) ?? { xR: 0, xB: 0, eR: 0, eB: 0 };
    byHour.set(r.hour.getTime(), { ...h, xB: h.xB + c.affected, eB: h.eB + c.exposure });
  }
  const hours = [...byHour.entries()].sort(([a], [b]) => a - b).map(([, h]) => h);
  return {
    hours,
    release: release.map(counts).reduce(sum, ZERO),
    baseline: hasBaseline ? baseline.map(counts).reduce(sum, ZERO) : null,
  };
}

/** The baseline most cells compare with (ties: the higher version), shown at the release level. */
function mainBaseline(cells: CellVerdictState[]): string | null {
  const votes = new Map<string, number>();
  for (const c of cells) if (c.baselineVersion) votes.set(c.baselineVersion, (votes.get(c.baselineVersion) ?? 0) + 1);
  let best: [string, number] | null = null;
  for (const entry of votes) if (!best || entry[1] > best[1] || (entry[1] === best[1] && entry[0] > best[0])) best = entry;
  return best?.[0] ?? null;
}

export function settingsOf(defaults: Partial<RolloutSettings>, app: AppRolloutSettings): RolloutSettings {
  const { baseline: _baseline, ...own } = app;
  return rolloutSettings({ ...defaults, ...own });
}

function toHealth(release: ReleaseVerdictState, cells: CellVerdictState[]): ReleaseHealth {
  return {
    app_id: release.appId,
    version: release.version,
    verdict: release.verdict,
    baseline_version: release.baselineVersion,
    data_through: release.dataThrough?.toISOString() ?? null,
    evaluated_at: release.evaluatedAt.toISOString(),
    resumed: release.resumedAt ? { at: release.resumedAt.toISOString(), by: release.resumedBy ?? '', note: release.resumeNote ?? '' } : null,
    cells: cells.map((c) => ({ ...c.cell, verdict: c.verdict, reasons: [...c.reasons], baseline_version: c.baselineVersion, metrics: c.metrics })),
  };
}
