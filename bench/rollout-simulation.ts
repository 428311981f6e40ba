// Seeded simulation of the rollout verdict (issue 13, "Prove it"). A release ramps from 1% to 50% of a
// fixed fleet over 144 hourly evaluations; at each hour the verdict is computed by the domain's own
// evaluateCell over the cumulative hourly series, exactly as the evaluator does.
//
// The model, in the domain's units: 100,000 daily active devices, each active in one hour of the day,
// so 4,167 devices are active per hour and a device-hour is a device-day. An active device of the
// baseline crashes (crash ∪ startup_failure) with probability 0.3%, one of the release with θ·0.3%.
// The share ramps geometrically, as staged rollouts do (1%, 2%, 5%, … 50%): s(t) = 0.01·50^(t/143).
// Exposures are the expected device counts; affected counts are Binomial draws.
//
// Run: node -r @swc-node/register bench/rollout-simulation.ts [--runs 400] [--seed 1] [--json]
//      [--grid-size 40]
import { evaluateCell, rolloutSettings, type CellEvaluation, type EvaluationState, type GatedMetric, type RolloutSettings } from '../src/domain/rollout-verdict';
import type { EvidenceHour } from '../src/domain/rollout-evidence';

export const FLEET_DAILY_ACTIVE = 100_000;
export const HOURS = 144;
export const BASELINE_CRASH_RATE = 0.003;
export const THETAS = [1, 1.25, 3, 10] as const;

export function shareAt(hour: number): number {
  return 0.01 * Math.pow(50, hour / (HOURS - 1));
}

/** mulberry32: a small, fast 32-bit seeded generator, uniform on [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Binomial(n, p) by inversion of the CDF: exact, and O(np) which stays small here (np ≤ ~70). */
export function binomial(random: () => number, n: number, p: number): number {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  const q = 1 - p;
  const ratio = p / q;
  let pk = Math.pow(q, n);
  let cdf = pk;
  const u = random();
  let k = 0;
  while (u > cdf && k < n) {
    pk *= (ratio * (n - k)) / (k + 1);
    cdf += pk;
    k++;
    if (pk === 0 && cdf < u) break; // numerical tail: u beyond what doubles can resolve
  }
  return k;
}

export interface RunOutcome {
  /** Hour (0-based) of the first halt, or null. */
  haltHour: number | null;
  haltReasons: string[];
  shareAtHalt: number | null;
  /** Affected release device-days up to and including the halt hour. */
  releaseAffectedAtHalt: number | null;
  naiveHaltHour: number | null;
  /** Whether the verdict was healthy at some evaluation. */
  everHealthy: boolean;
}

function simulateRun(theta: number, random: () => number, settings: RolloutSettings): RunOutcome {
  const perHour = FLEET_DAILY_ACTIVE / 24;
  const hours: EvidenceHour[] = [];
  let previous: EvaluationState | null = null;
  let outcome: RunOutcome = { haltHour: null, haltReasons: [], shareAtHalt: null, releaseAffectedAtHalt: null, naiveHaltHour: null, everHealthy: false };
  let sumXR = 0;
  let sumXB = 0;
  let sumER = 0;
  let sumEB = 0;
  for (let t = 0; t < HOURS; t++) {
    const share = shareAt(t);
    const eR = Math.round(perHour * share);
    const eB = Math.round(perHour) - eR;
    const xR = binomial(random, eR, Math.min(1, theta * BASELINE_CRASH_RATE));
    const xB = binomial(random, eB, BASELINE_CRASH_RATE);
    hours.push({ xR, xB, eR, eB });
    sumXR += xR;
    sumXB += xB;
    sumER += eR;
    sumEB += eB;

    // The naive rule: this hour's release rate above twice the baseline's.
    if (outcome.naiveHaltHour === null && xR / eR > (2 * xB) / eB) outcome.naiveHaltHour = t;

    if (outcome.haltHour !== null) continue; // halt is sticky: nothing more to learn from this run
    const last24 = hours.slice(-24);
    const crash24 = { affected: last24.reduce((s, h) => s + h.xR, 0), exposure: last24.reduce((s, h) => s + h.eR, 0) };
    const metrics: Partial<Record<GatedMetric, { hours: EvidenceHour[]; release: { affected: number; exposure: number }; baseline: { affected: number; exposure: number } }>> = {
      crash: { hours, release: { affected: sumXR, exposure: sumER }, baseline: { affected: sumXB, exposure: sumEB } },
    };
    const result: CellEvaluation = evaluateCell(
      { releaseActive: sumER, baseline: { version: 'baseline', active: sumEB }, metrics, crash24h: { overall: crash24, platformArch: crash24 } },
      previous,
      { now: t * 3_600_000 },
      settings,
    );
    previous = result;
    if (result.verdict === 'healthy') outcome.everHealthy = true;
    if (result.verdict === 'halt') outcome = { ...outcome, haltHour: t, haltReasons: [...result.reasons], shareAtHalt: share, releaseAffectedAtHalt: sumXR };
  }
  return outcome;
}

export interface ScenarioSummary {
  theta: number;
  runs: number;
  halts: number;
  haltRate: number;
  haltsOnEvidence: number;
  haltsOnVitals: number;
  haltsWhileShareAtMost5: number;
  medianHaltHour: number | null;
  medianShareAtHalt: number | null;
  medianReleaseAffectedAtHalt: number | null;
  everHealthy: number;
  naiveHalts: number;
  naiveHaltRate: number;
  medianNaiveHaltHour: number | null;
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export interface SimulationOptions {
  runs?: number;
  seed?: number;
  thetas?: readonly number[];
  /** Which metrics are gated: with all three, the halt bar is 3/α = 300 (update and install failures have no events here). */
  metrics?: readonly GatedMetric[];
  gridSize?: number;
}

export function runRolloutSimulation(options: SimulationOptions = {}): ScenarioSummary[] {
  const runs = options.runs ?? 400;
  const seed = options.seed ?? 1;
  const settings = rolloutSettings({ metrics: options.metrics ?? ['crash', 'update_failure', 'install_failure'], ...(options.gridSize ? { gridSize: options.gridSize } : {}) });
  return (options.thetas ?? THETAS).map((theta, scenario) => {
    const random = mulberry32((seed * 1_000_003 + scenario * 7919) >>> 0);
    const outcomes = Array.from({ length: runs }, () => simulateRun(theta, random, settings));
    const halted = outcomes.filter((o) => o.haltHour !== null);
    const naive = outcomes.filter((o) => o.naiveHaltHour !== null);
    return {
      theta,
      runs,
      halts: halted.length,
      haltRate: halted.length / runs,
      haltsOnEvidence: halted.filter((o) => o.haltReasons.includes('crash_rate_above_baseline')).length,
      haltsOnVitals: halted.filter((o) => o.haltReasons.some((r) => r.startsWith('crash_rate_above_vitals'))).length,
      haltsWhileShareAtMost5: halted.filter((o) => o.shareAtHalt! <= 0.05).length,
      medianHaltHour: median(halted.map((o) => o.haltHour!)),
      medianShareAtHalt: median(halted.map((o) => o.shareAtHalt!)),
      medianReleaseAffectedAtHalt: median(halted.map((o) => o.releaseAffectedAtHalt!)),
      everHealthy: outcomes.filter((o) => o.everHealthy).length,
      naiveHalts: naive.length,
      naiveHaltRate: naive.length / runs,
      medianNaiveHaltHour: median(naive.map((o) => o.naiveHaltHour!)),
    };
  });
}

function table(title: string, rows: ScenarioSummary[]): string {
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const header = ['θ', 'runs', 'halts', 'on e-value', 'on vitals', 'share ≤5%', 'median hour', 'median share', 'median affected', 'ever healthy', 'naive halts', 'naive median hour'];
  const lines = rows.map((r) => [
    String(r.theta),
    String(r.runs),
    `${r.halts} (${pct(r.haltRate)})`,
    String(r.haltsOnEvidence),
    String(r.haltsOnVitals),
    String(r.haltsWhileShareAtMost5),
    r.medianHaltHour === null ? '–' : String(r.medianHaltHour),
    r.medianShareAtHalt === null ? '–' : pct(r.medianShareAtHalt),
    r.medianReleaseAffectedAtHalt === null ? '–' : String(r.medianReleaseAffectedAtHalt),
    String(r.everHealthy),
    `${r.naiveHalts} (${pct(r.naiveHaltRate)})`,
    r.medianNaiveHaltHour === null ? '–' : String(r.medianNaiveHaltHour),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const row = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [`${title}`, row(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...lines.map(row)].join('\n');
}

function main(argv: string[]): void {
  const arg = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const runs = Number(arg('--runs') ?? 400);
  const seed = Number(arg('--seed') ?? 1);
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a positive integer');
  if (!Number.isInteger(seed)) throw new Error('--seed must be an integer');
  const gridSize = arg('--grid-size') === undefined ? undefined : Number(arg('--grid-size'));
  const started = process.hrtime.bigint();
  const all = runRolloutSimulation({ runs, seed, gridSize });
  const crashOnly = runRolloutSimulation({ runs, seed, gridSize, metrics: ['crash'] });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify({ runs, seed, hours: HOURS, fleetDailyActive: FLEET_DAILY_ACTIVE, baselineCrashRate: BASELINE_CRASH_RATE, gatedAll: all, gatedCrashOnly: crashOnly, seconds }, null, 2)}\n`);
    return;
  }
  console.log(`rollout simulation: ${runs} runs per scenario, seed ${seed}, grid ${gridSize ?? 'default'}, ${HOURS} hourly evaluations, share 1% → 50% (geometric), fleet ${FLEET_DAILY_ACTIVE} daily active devices, baseline crash rate ${BASELINE_CRASH_RATE}`);
  console.log();
  console.log(table('Default settings: crash, update_failure, install_failure gated (halt at e ≥ 3/0.01 = 300)', all));
  console.log();
  console.log(table('Only crash gated (halt at e ≥ 1/0.01 = 100)', crashOnly));
  console.log();
  console.log(`${seconds.toFixed(1)} s`);
}

if (require.main === module) main(process.argv.slice(2));
