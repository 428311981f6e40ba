import { anytimeLowerBound, rateAboveLimitLogEValue } from './crash-rate-limit';
import { eValueOf, logMeanExp } from './rollout-evidence';
import { hasDenominator, type CellEvidenceState, type ReleaseEvidence, type SideCounts } from './rollout-release-evidence';
import { wilsonInterval, type RateInterval } from './rollout-rates';
import type { GatedMetric, RolloutSettings } from './rollout-settings';

export { DEFAULT_ROLLOUT_SETTINGS, GATED_METRICS, rolloutSettings, type GatedMetric, type RolloutSettings } from './rollout-settings';

export type Verdict = 'healthy' | 'watch' | 'halt';

export type VerdictReason =
  | 'insufficient_data'
  | 'evidence_building'
  | 'evidence_restarted'
  | 'no_baseline_cells'
  | 'crash_rate_above_baseline'
  | 'update_failure_rate_above_baseline'
  | 'install_failure_rate_above_baseline'
  | 'crash_rate_limit'
  | 'crash_rate_limit_platform'
  | 'crash_rate_limit_shared'
  | 'halted_awaiting_resume';

/** What a judgement must remember for the next one. Times are epoch milliseconds, passed in. */
export interface VerdictState {
  verdict: Verdict;
  reasons: VerdictReason[];
  consecutiveHealthy: number;
  haltedAt: number | null;
}

export interface JudgementContext {
  now: number;
  /** When a person last resumed this release, if ever. */
  resumedAt: number | null;
}

export interface RateEvidence extends SideCounts, RateInterval {}

export interface MetricJudgement {
  metric: GatedMetric;
  /**
   * `measured`: some cell has the metric on both sides. `no_denominator`: the release has failures of
   * this kind but no cell where both sides say how many tried (arrivals, first runs). `no_data`: nothing
   * to compare yet (no release device-days in a cell the baseline runs, e.g. just after a resume).
   */
  status: 'measured' | 'no_denominator' | 'no_data';
  release: RateEvidence;
  baseline: RateEvidence;
  /** Release rate over baseline rate in the cells both have; null when either is unmeasured or the baseline's is 0. */
  ratio: number | null;
  eValue: number | null;
  eValueHealthy: number | null;
}

export interface LimitJudgement {
  /** null: all of the release's cells; else one (platform, arch). */
  platform: string | null;
  arch: string | null;
  limit: number;
  release: RateEvidence & { anytimeLow: number };
  /** The rate the release would have had at its baseline's rate, hour by hour; null with no baseline in its cells. */
  baselineMatchedRate: number | null;
  eValue: number;
  /** The release is over the limit, with confidence valid at every look. */
  over: boolean;
  /** … and so is its baseline, over the same hours: a shared incident, not the release's doing. */
  shared: boolean;
}

export interface Judgement extends VerdictState {
  metrics: MetricJudgement[];
  limits: LimitJudgement[];
}

const rate = (c: SideCounts): RateEvidence => ({ affected: c.affected, exposure: c.exposure, ...wilsonInterval(c.affected, c.exposure) });

function judgeMetric(evidence: ReleaseEvidence, metric: GatedMetric): MetricJudgement {
  const state = evidence.metrics[metric];
  const paired = evidence.cells.filter((c) => hasDenominator(metric, c.release[metric]) && hasDenominator(metric, c.baseline[metric]));
  const sum = (side: 'release' | 'baseline') => paired.reduce((s, c) => ({ affected: s.affected + c[side][metric].affected, exposure: s.exposure + c[side][metric].exposure }), { affected: 0, exposure: 0 });
  const measured = paired.length > 0;
  const release = rate(measured ? sum('release') : state.release);
  const baseline = rate(measured ? sum('baseline') : state.baseline);
  const unmeasured = metric !== 'crash' && state.release.affected > 0 ? 'no_denominator' : 'no_data';
  return {
    metric,
    status: measured ? 'measured' : unmeasured,
    release,
    baseline,
    ratio: measured && baseline.rate > 0 ? release.rate / baseline.rate : null,
    eValue: measured ? eValueOf(logMeanExp(state.logRatios.halt)) : null,
    eValueHealthy: measured ? eValueOf(logMeanExp(state.logRatios.healthy)) : null,
  };
}

function judgeLimit(cells: readonly CellEvidenceState[], limit: number, scope: { platform: string | null; arch: string | null }, settings: RolloutSettings): LimitJudgement {
  const release = { affected: 0, exposure: 0 };
  const matched = { affected: 0, exposure: 0 };
  for (const c of cells) {
    release.affected += c.release.crash.affected;
    release.exposure += c.release.crash.exposure;
    matched.affected += c.matchedCrash.affected;
    matched.exposure += c.matchedCrash.exposure;
  }
  const logE = rateAboveLimitLogEValue(release.affected, release.exposure, limit);
  const enough = release.affected >= settings.minAffected && (scope.platform === null || release.exposure >= settings.minDevices);
  const over = enough && logE >= Math.log(1 / settings.alpha);
  const baselineMatchedRate = matched.exposure > 0 ? matched.affected / matched.exposure : null;
  return {
    ...scope,
    limit,
    release: { ...rate(release), anytimeLow: anytimeLowerBound(release.affected, release.exposure, settings.alpha) },
    baselineMatchedRate,
    eValue: eValueOf(logE),
    over,
    shared: over && baselineMatchedRate !== null && baselineMatchedRate >= limit,
  };
}

/** The overall crash-rate limit, then one per (platform, arch) the release runs on. */
function judgeLimits(evidence: ReleaseEvidence, settings: RolloutSettings): LimitJudgement[] {
  const byPlatform = new Map<string, CellEvidenceState[]>();
  for (const c of evidence.cells) {
    const key = `${c.cell.platform}|${c.cell.arch}`;
    const list = byPlatform.get(key);
    if (list) list.push(c);
    else byPlatform.set(key, [c]);
  }
  const limits = [judgeLimit(evidence.cells, settings.crashRateLimit, { platform: null, arch: null }, settings)];
  for (const [key, cells] of [...byPlatform].sort(([a], [b]) => a.localeCompare(b))) {
    const [platform = '', arch = ''] = key.split('|');
    limits.push(judgeLimit(cells, settings.crashRateLimitPlatform, { platform, arch }, settings));
  }
  return limits;
}

function haltReasons(metrics: readonly MetricJudgement[], limits: readonly LimitJudgement[], settings: RolloutSettings): VerdictReason[] {
  const reasons: VerdictReason[] = [];
  const bar = settings.metrics.length / settings.alpha;
  for (const m of metrics) if (m.eValue !== null && m.eValue >= bar && m.release.affected >= settings.minAffected) reasons.push(`${m.metric}_rate_above_baseline`);
  if (limits.some((l) => l.platform === null && l.over && !l.shared)) reasons.push('crash_rate_limit');
  if (limits.some((l) => l.platform !== null && l.over && !l.shared)) reasons.push('crash_rate_limit_platform');
  return reasons;
}

/**
 * Healthy now: every measured metric's mirror e-value has reached 1/alphaHealthy (a metric with no
 * affected device-day on either side is passed over: the conditional test has seen nothing), at least
 * one has, and no crash-rate limit is crossed, not even a shared one.
 */
function healthyNow(evidence: ReleaseEvidence, metrics: readonly MetricJudgement[], limits: readonly LimitJudgement[], settings: RolloutSettings): boolean {
  let proven = 0;
  for (const m of metrics) {
    if (m.status !== 'measured') continue;
    if (m.eValueHealthy! >= 1 / settings.alphaHealthy) proven++;
    else if (evidence.metrics[m.metric].informative > 0) return false;
  }
  return proven > 0 && !limits.some((l) => l.over);
}

function enoughData(metrics: readonly MetricJudgement[], settings: RolloutSettings): boolean {
  const crash = metrics.find((m) => m.metric === 'crash');
  return crash !== undefined && crash.release.exposure >= settings.minDevices && crash.baseline.exposure >= settings.minDevices;
}

function watchReasons(evidence: ReleaseEvidence, metrics: readonly MetricJudgement[], limits: readonly LimitJudgement[], context: JudgementContext, settings: RolloutSettings): VerdictReason[] {
  const reasons: VerdictReason[] = [];
  if (limits.some((l) => l.shared)) reasons.push('crash_rate_limit_shared');
  const releaseSeen = evidence.cells.some((c) => c.release.crash.exposure > 0);
  if (releaseSeen && !metrics.some((m) => m.status === 'measured')) reasons.push('no_baseline_cells');
  if (!enoughData(metrics, settings)) reasons.push('insufficient_data');
  if (context.resumedAt !== null && evidence.since >= context.resumedAt) reasons.push('evidence_restarted');
  reasons.push('evidence_building');
  return reasons;
}

/**
 * The verdict of one release from its evidence against its baseline (one test over all its cells):
 * - halt when a gated metric's e-value reaches m/α with ≥ minAffected affected device-days, or when the
 *   release's crash rate is above an absolute limit (overall, or in one (platform, arch)) with an
 *   anytime-valid confidence, unless its baseline is over it too over the same hours (then: watch,
 *   `crash_rate_limit_shared`);
 * - healthy when healthyNow holds on this and the previous judgement, with enough device-days on both sides;
 * - watch otherwise, saying why.
 * A halt is held until a person resumes the release after it.
 */
export function judgeRelease(evidence: ReleaseEvidence, previous: VerdictState | null, context: JudgementContext, settings: RolloutSettings): Judgement {
  const metrics = settings.metrics.map((m) => judgeMetric(evidence, m));
  const limits = judgeLimits(evidence, settings);
  const halts = haltReasons(metrics, limits, settings);
  const healthy = enoughData(metrics, settings) && healthyNow(evidence, metrics, limits, settings);
  const consecutiveHealthy = healthy ? (previous?.consecutiveHealthy ?? 0) + 1 : 0;
  const held = previous?.verdict === 'halt' && !(context.resumedAt !== null && previous.haltedAt !== null && context.resumedAt >= previous.haltedAt);
  if (halts.length === 0 && held) {
    const why = previous.reasons.filter((r) => r !== 'halted_awaiting_resume');
    return { verdict: 'halt', reasons: [...why, 'halted_awaiting_resume'], consecutiveHealthy, haltedAt: previous.haltedAt, metrics, limits };
  }
  if (halts.length > 0) return { verdict: 'halt', reasons: halts, consecutiveHealthy, haltedAt: held ? previous.haltedAt : context.now, metrics, limits };
  if (consecutiveHealthy >= 2) return { verdict: 'healthy', reasons: [], consecutiveHealthy, haltedAt: null, metrics, limits };
  return { verdict: 'watch', reasons: watchReasons(evidence, metrics, limits, context, settings), consecutiveHealthy, haltedAt: null, metrics, limits };
}

const severity: Record<Verdict, number> = { healthy: 0, watch: 1, halt: 2 };

/** The worse of two verdicts (halt > watch > healthy). */
export function worseVerdict(a: Verdict, b: Verdict): Verdict {
  return severity[b] > severity[a] ? b : a;
}
