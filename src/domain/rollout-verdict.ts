import { DEFAULT_GRID_MAX, DEFAULT_GRID_MIN, DEFAULT_GRID_SIZE, haltEValue, healthyEValue, logSpacedAbove, logSpacedBelow, type EvidenceHour } from './rollout-evidence';
import { wilsonInterval, type RateInterval } from './rollout-rates';

export type Verdict = 'healthy' | 'watch' | 'halt';
export const GATED_METRICS = ['crash', 'update_failure', 'install_failure'] as const;
export type GatedMetric = (typeof GATED_METRICS)[number];

export type VerdictReason =
  | 'insufficient_data'
  | 'no_baseline'
  | 'evidence_building'
  | 'crash_rate_above_baseline'
  | 'update_failure_rate_above_baseline'
  | 'install_failure_rate_above_baseline'
  | 'crash_rate_above_vitals_overall'
  | 'crash_rate_above_vitals_cell'
  | 'halted_awaiting_resume';

export interface RolloutSettings {
  /** Halt tests the null "rate ratio ≤ theta0". */
  theta0: number;
  /** Healthy tests the null "rate ratio ≥ theta1". */
  theta1: number;
  /** Halt when a metric's e-value reaches metrics.length / alpha. */
  alpha: number;
  /** Healthy when every metric's mirror e-value reaches 1 / alphaHealthy. */
  alphaHealthy: number;
  minAffected: number;
  /** Android vitals' bad-behaviour level for the user-perceived crash rate overall (1.09%). */
  androidVitalsOverall: number;
  /** … and on one device type, here one (platform, arch) (8%). */
  androidVitalsCell: number;
  minDevices: number;
  metrics: readonly GatedMetric[];
  gridMax: number;
  gridMin: number;
  gridSize: number;
}

export const DEFAULT_ROLLOUT_SETTINGS: Readonly<RolloutSettings> = Object.freeze({
  theta0: 1.25,
  theta1: 1.5,
  alpha: 0.01,
  alphaHealthy: 0.05,
  minAffected: 3,
  androidVitalsOverall: 0.0109,
  androidVitalsCell: 0.08,
  minDevices: 20,
  metrics: Object.freeze([...GATED_METRICS]),
  gridMax: DEFAULT_GRID_MAX,
  gridMin: DEFAULT_GRID_MIN,
  gridSize: DEFAULT_GRID_SIZE,
});

/** Defaults completed with an app's own settings, checked; a bad value throws naming the setting. */
export function rolloutSettings(overrides: Partial<RolloutSettings> = {}): RolloutSettings {
  const s: RolloutSettings = { ...DEFAULT_ROLLOUT_SETTINGS, ...overrides, metrics: [...(overrides.metrics ?? DEFAULT_ROLLOUT_SETTINGS.metrics)] };
  const fail = (name: keyof RolloutSettings, rule: string) => {
    throw new Error(`rollout setting ${name} must be ${rule}`);
  };
  if (!(s.theta0 > 0)) fail('theta0', 'a positive number');
  if (!(s.gridMax > s.theta0)) fail('gridMax', 'above theta0');
  if (!(s.theta1 > 0)) fail('theta1', 'a positive number');
  if (!(s.gridMin > 0 && s.gridMin < s.theta1)) fail('gridMin', 'between 0 and theta1');
  if (!(s.alpha > 0 && s.alpha < 1)) fail('alpha', 'in (0, 1)');
  if (!(s.alphaHealthy > 0 && s.alphaHealthy < 1)) fail('alphaHealthy', 'in (0, 1)');
  if (!(Number.isInteger(s.gridSize) && s.gridSize >= 1 && s.gridSize <= 1000)) fail('gridSize', 'an integer from 1 to 1000');
  if (!(Number.isInteger(s.minAffected) && s.minAffected >= 0)) fail('minAffected', 'a non-negative integer');
  if (!(Number.isInteger(s.minDevices) && s.minDevices >= 0)) fail('minDevices', 'a non-negative integer');
  if (!(s.androidVitalsOverall > 0 && s.androidVitalsOverall < 1)) fail('androidVitalsOverall', 'in (0, 1)');
  if (!(s.androidVitalsCell > 0 && s.androidVitalsCell < 1)) fail('androidVitalsCell', 'in (0, 1)');
  if (s.metrics.length === 0 || s.metrics.some((m) => !GATED_METRICS.includes(m)) || new Set(s.metrics).size !== s.metrics.length)
    fail('metrics', `a non-empty list of distinct ${GATED_METRICS.join(', ')}`);
  return s;
}

export interface AffectedExposure {
  affected: number;
  exposure: number;
}

/**
 * One gated metric of one cell. Exposure is the metric's own denominator: active devices for crash
 * (whose affected devices are crash ∪ startup_failure), failures + arrivals for update_failure,
 * failures + first runs for install_failure.
 */
export interface MetricSeries {
  /** Aligned hourly counts of release and baseline, over the hours since V's first active device or its last resume, whichever is later. */
  hours: readonly EvidenceHour[];
  /** Distinct affected devices and exposure over the same window, in device-days (shown, and for minAffected). */
  release: AffectedExposure;
  baseline: AffectedExposure | null;
}

export interface CellEvaluationInput {
  /** The release's active device-days in this cell over the window. */
  releaseActive: number;
  baseline: { version: string; active: number } | null;
  metrics: Partial<Record<GatedMetric, MetricSeries>>;
  /**
   * The release's crash ∪ startup_failure devices over the last 24 h (or since its resume, if later):
   * overall across all its cells, and in this cell's (platform, arch) across channels.
   */
  crash24h: { overall: AffectedExposure; platformArch: AffectedExposure };
}

/** What an evaluation must remember for the next one. Times are epoch milliseconds, passed in. */
export interface EvaluationState {
  verdict: Verdict;
  reasons: readonly VerdictReason[];
  consecutiveHealthy: number;
  haltedAt: number | null;
}

export interface EvaluationContext {
  now: number;
  /** When a person last resumed this release, if ever. */
  resumedAt?: number | null;
  /** A newer version has replaced this one: a halt is no longer held. */
  superseded?: boolean;
}

export interface RateEvidence extends AffectedExposure, RateInterval {}

export interface MetricEvidence {
  release: RateEvidence;
  baseline: RateEvidence | null;
  ratio: number | null;
  e_value: number | null;
  e_value_healthy: number | null;
}

export interface CellEvaluation extends EvaluationState {
  metrics: Partial<Record<GatedMetric, MetricEvidence>>;
}

const rateEvidence = (c: AffectedExposure): RateEvidence => ({ affected: c.affected, exposure: c.exposure, ...wilsonInterval(c.affected, c.exposure) });

/**
 * The verdict of one cell (issue 13):
 * - halt when, for a gated metric, e ≥ m/α and the release has ≥ minAffected affected devices; or when,
 *   with ≥ minAffected affected devices, the Wilson lower bound of its 24 h crash rate is above the Android
 *   vitals level overall, or above the per-device-type level in its (platform, arch) with at least
 *   minDevices device-days;
 * - healthy when every gated metric's mirror e-value is ≥ 1/alphaHealthy on this and the previous evaluation
 *   (a metric with no affected device on either side is passed over, but at least one must be proven);
 * - watch otherwise, saying why.
 * A halt is held (sticky) until a resume later than it, or until the release is superseded.
 */
export function evaluateCell(
  input: CellEvaluationInput,
  previous: EvaluationState | null,
  context: EvaluationContext,
  settings: RolloutSettings = DEFAULT_ROLLOUT_SETTINGS,
): CellEvaluation {
  const haltThreshold = settings.metrics.length / settings.alpha;
  const healthyThreshold = 1 / settings.alphaHealthy;
  const haltGrid = logSpacedAbove(settings.theta0, settings.gridMax, settings.gridSize);
  const healthyGrid = logSpacedBelow(settings.gridMin, settings.theta1, settings.gridSize);
  const hasBaseline = input.baseline !== null;

  const haltReasons: VerdictReason[] = [];
  const metrics: Partial<Record<GatedMetric, MetricEvidence>> = {};
  let allHealthy = hasBaseline;
  let provenHealthy = 0;
  for (const metric of settings.metrics) {
    const series = input.metrics[metric] ?? { hours: [], release: { affected: 0, exposure: 0 }, baseline: null };
    const release = rateEvidence(series.release);
    const baseline = hasBaseline && series.baseline ? rateEvidence(series.baseline) : null;
    const eValue = hasBaseline ? haltEValue(series.hours, { theta0: settings.theta0, grid: haltGrid }) : null;
    const eHealthy = hasBaseline ? healthyEValue(series.hours, { theta1: settings.theta1, grid: healthyGrid }) : null;
    metrics[metric] = {
      release,
      baseline,
      ratio: baseline && baseline.rate > 0 ? release.rate / baseline.rate : null,
      e_value: eValue,
      e_value_healthy: eHealthy,
    };
    if (eValue !== null && eValue >= haltThreshold && series.release.affected >= settings.minAffected) haltReasons.push(`${metric}_rate_above_baseline`);
    // A metric with no affected device on either side carries no evidence either way (the test
    // conditions on the events seen), so it neither blocks nor proves healthy; another must prove it.
    const quiet = series.release.affected === 0 && (series.baseline?.affected ?? 0) === 0;
    if (eHealthy !== null && eHealthy >= healthyThreshold) provenHealthy++;
    else if (!quiet) allHealthy = false;
  }
  if (provenHealthy === 0) allHealthy = false;

  const { overall, platformArch } = input.crash24h;
  // The vitals levels also need minAffected devices: a Wilson bound checked every hour would
  // otherwise halt on 2 crashes among the first 42 devices (0.5% of releases no worse than baseline).
  if (overall.affected >= settings.minAffected && wilsonInterval(overall.affected, overall.exposure).low > settings.androidVitalsOverall)
    haltReasons.push('crash_rate_above_vitals_overall');
  if (
    platformArch.affected >= settings.minAffected &&
    platformArch.exposure >= settings.minDevices &&
    wilsonInterval(platformArch.affected, platformArch.exposure).low > settings.androidVitalsCell
  )
    haltReasons.push('crash_rate_above_vitals_cell');

  const enoughData = input.releaseActive >= settings.minDevices && (input.baseline === null || input.baseline.active >= settings.minDevices);
  const healthyNow = allHealthy && enoughData;
  const consecutiveHealthy = healthyNow ? (previous?.consecutiveHealthy ?? 0) + 1 : 0;

  let verdict: Verdict;
  let reasons: VerdictReason[];
  if (haltReasons.length > 0) {
    verdict = 'halt';
    reasons = haltReasons;
  } else if (consecutiveHealthy >= 2) {
    verdict = 'healthy';
    reasons = [];
  } else {
    verdict = 'watch';
    reasons = [];
    if (!enoughData) reasons.push('insufficient_data');
    if (!hasBaseline) reasons.push('no_baseline');
    else reasons.push('evidence_building');
  }

  const held = previous?.verdict === 'halt' && !context.superseded && !(context.resumedAt != null && previous.haltedAt != null && context.resumedAt >= previous.haltedAt);
  if (held && verdict !== 'halt') {
    const why = previous.reasons.filter((r) => r !== 'halted_awaiting_resume');
    return { verdict: 'halt', reasons: [...why, 'halted_awaiting_resume'], metrics, consecutiveHealthy, haltedAt: previous.haltedAt };
  }
  const haltedAt = verdict !== 'halt' ? null : held ? previous.haltedAt : context.now;
  return { verdict, reasons, metrics, consecutiveHealthy, haltedAt };
}

const severity: Record<Verdict, number> = { healthy: 0, watch: 1, halt: 2 };

/** A release is as bad as its worst cell; with no cell evaluated yet it is under watch. */
export function releaseVerdict(cells: ReadonlyArray<{ verdict: Verdict }>): Verdict {
  if (cells.length === 0) return 'watch';
  return cells.reduce<Verdict>((worst, c) => (severity[c.verdict] > severity[worst] ? c.verdict : worst), 'healthy');
}

/**
 * The baseline of a release: the version named explicitly (per app or per request), else the other
 * version with the most active device-days in the same cell and hours; ties go to the higher version
 * string so every instance picks the same one. null when there is none.
 */
export function chooseBaseline(
  candidates: ReadonlyArray<{ version: string; activeDeviceDays: number }>,
  release: string,
  explicit?: string | null,
): string | null {
  if (explicit && explicit !== release) return explicit;
  let best: { version: string; activeDeviceDays: number } | null = null;
  for (const c of candidates) {
    if (c.version === release || !(c.activeDeviceDays > 0)) continue;
    if (!best || c.activeDeviceDays > best.activeDeviceDays || (c.activeDeviceDays === best.activeDeviceDays && c.version > best.version)) best = c;
  }
  return best?.version ?? null;
}
