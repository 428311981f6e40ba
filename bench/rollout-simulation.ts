// Seeded simulation of the rollout verdict, through the real RolloutEvaluator as the service runs it:
// a memory verdict store, a clock stepped one hour at a time, one evaluateApp call per hour, and the
// daily counts an app's daily sketches would hold at that moment (day-so-far distinct devices per
// version and cell: device-days). The fleet is modelled device-day by device-day in aggregate:
//
// - F daily active devices spread over cells (channel × platform × arch) by weight; each device is
//   active every day, first seen at an hour drawn from a diurnal profile;
// - the release's share ramps in stages (default 1% → 5% → 20% → 50% over six days);
// - each device-day is affected (crash ∪ startup failure) with probability r (baseline) or θ·r
//   (release), at its first-seen hour plus a lag within its active hours (its cadence);
// - options add what real fleets do: crash loops that run past midnight, chronic crashers (the same
//   devices crash day after day), an outage that hits both versions, bursts, uneven cadence, many
//   small cells, a tiny app.
//
// Run: node -r @swc-node/register bench/rollout-simulation.ts [--runs 400] [--seed 1] [--json] [--only name,name] [--part k/n]
import { RolloutEvaluator } from '../src/app/rollout-evaluator';
import type { DailyCounts } from '../src/app/rollout-counts';
import { MemoryVerdictStore } from '../src/adapters/memory/memory-verdict-store';
import { MemoryWebhookStore } from '../src/adapters/memory/memory-webhook-store';
import type { ReleaseCellKey, RolloutCell } from '../src/domain/rollout-cell';
import { NO_DEVICES, type DayCellCounts, type DeviceDayCounts } from '../src/domain/rollout-release-evidence';
import type { RolloutSettings } from '../src/domain/rollout-settings';
import type { ReleaseState } from '../src/ports/verdict-store';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
export const START = Date.UTC(2026, 0, 5); // a Monday, 00:00 UTC
export const HOURS = 144;

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

/** Poisson(λ): Knuth's product method for small λ, a rounded normal above 50 (its error is far below the effects measured). */
export function poisson(random: () => number, lambda: number): number {
  if (!(lambda > 0)) return 0;
  if (lambda > 50) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * normal(random)));
  const limit = Math.exp(-lambda);
  let k = 0;
  let p = random();
  while (p > limit) {
    k++;
    p *= random();
  }
  return k;
}

function normal(random: () => number): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** Binomial(n, p): exact by inversion for small means, Poisson/normal approximations otherwise. */
export function binomial(random: () => number, n: number, p: number): number {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  if (n * p < 30) {
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
      if (pk === 0 && cdf < u) break;
    }
    return k;
  }
  return Math.min(n, Math.max(0, Math.round(n * p + Math.sqrt(n * p * (1 - p)) * normal(random))));
}

export interface SimCell extends ReleaseCellKey {
  weight: number;
}

export interface Scenario {
  name: string;
  /** Daily active devices of the app. */
  fleet: number;
  cells: SimCell[];
  /** Release rate over baseline rate, per device-day. */
  theta: number;
  /** The baseline's affected device-days per active device-day. */
  baseRate: number;
  /** The release's share of devices at hour t (0..HOURS-1). */
  share: (hour: number) => number;
  /** Hours a device is active per day, release and baseline (its crash falls in one of them). */
  cadence?: { release: number; baseline: number };
  /** Half of crashing devices crash again each hour for 8 hours: past midnight, that is another affected device-day. */
  crashLoops?: boolean;
  /** Both versions' rates times `factor` on day `day` (0-based). */
  outage?: { day: number; factor: number };
  /** A share of devices that crash on a `rate` of their days, the same devices every day; the others crash less so that the mean stays baseRate. */
  chronic?: { fraction: number; rate: number };
  /** One hour in which both versions' hazards are multiplied. */
  burst?: { hour: number; factor: number };
  settings?: Partial<RolloutSettings>;
}

export const STANDARD_CELLS: SimCell[] = [{ channel: 'stable', platform: 'android', arch: 'arm64', weight: 1 }];

/** 2 channels × 3 platforms × 2 arches, weights uneven (Zipf-like), as real fleets are. */
export const TWELVE_CELLS: SimCell[] = (() => {
  const out: SimCell[] = [];
  let rank = 1;
  for (const channel of ['stable', 'beta']) for (const platform of ['windows', 'macos', 'linux']) for (const arch of ['amd64', 'arm64']) out.push({ channel, platform, arch, weight: 1 / rank++ });
  return out;
})();

export function manyCells(n: number): SimCell[] {
  return Array.from({ length: n }, (_, i) => ({ channel: 'stable', platform: `p${i % 10}`, arch: `a${Math.floor(i / 10)}`, weight: 1 / (i + 1) }));
}

/** 1% → 5% → 20% → 50%, a stage every 36 hours. */
export function stagedShare(hour: number): number {
  return [0.01, 0.05, 0.2, 0.5][Math.min(3, Math.floor(hour / 36))]!;
}

/** Devices first seen per hour of the UTC day: a diurnal profile peaking mid-afternoon, never zero. */
export const DIURNAL = Array.from({ length: 24 }, (_, h) => 1 + 0.6 * Math.sin(((h - 9) / 24) * 2 * Math.PI));
export const DIURNAL_SUM = DIURNAL.reduce((a, b) => a + b, 0);

/** Per (day, version, cell): new active and new affected device-days per hour of the day. */
interface DaySeries {
  active: Float64Array;
  crash: Float64Array;
}

class FleetModel implements Fleet {
  /** `${day}|${version}|${cellId}` → hourly series. */
  private readonly series = new Map<string, DaySeries>();
  now = START;
  /** Chronic crashers per cell, those of them on the release, and the share they were drawn at. */
  private readonly chronic = new Map<string, number>();
  /** Loop carry-over: affected device-days owed to the next day's first hours. */
  private readonly carry = new Map<string, number>();
  releaseAffected = 0;

  constructor(
    private readonly s: Scenario,
    private readonly random: () => number,
  ) {}

  private seriesOf(day: number, version: string, cell: ReleaseCellKey): DaySeries {
    const key = `${day}|${version}|${cell.channel}|${cell.platform}|${cell.arch}`;
    let series = this.series.get(key);
    if (!series) {
      series = { active: new Float64Array(24), crash: new Float64Array(24) };
      this.series.set(key, series);
    }
    return series;
  }

  /** Generates hour t (0-based from START; negative: the day before the release, all on the baseline). */
  generateHour(t: number): void {
    const day = Math.floor(t / 24);
    const hour = ((t % 24) + 24) % 24;
    const share = t < 0 ? 0 : this.s.share(t);
    for (const cell of this.s.cells) {
      const devices = (this.s.fleet * cell.weight) / this.totalWeight();
      const devicesThisHour = (devices * DIURNAL[hour]!) / DIURNAL_SUM;
      const chronicRelease = this.chronicOnRelease(cell, devices, share);
      for (const [version, fraction, theta, cadence] of [
        ['release', share, this.s.theta, this.s.cadence?.release ?? 1],
        ['baseline', 1 - share, 1, this.s.cadence?.baseline ?? 1],
      ] as const) {
        const seen = poisson(this.random, devicesThisHour * fraction);
        const series = this.seriesOf(day, version, cell);
        series.active[hour]! += seen;
        const chronicShare = this.s.chronic ? (version === 'release' ? chronicRelease : this.chronicTotal(cell, devices) - chronicRelease) / Math.max(1, devices * fraction) : 0;
        const affected = this.affectedAmong(seen, Math.min(1, chronicShare), theta, t);
        for (let i = 0; i < affected; i++) {
          const at = Math.min(23, hour + Math.floor(this.random() * cadence));
          series.crash[at]! += 1;
          if (version === 'release') this.releaseAffected++;
          if (this.s.crashLoops && this.random() < 0.5 && at + 8 > 24) this.owe(day + 1, version, cell, at + 8 - 24);
        }
      }
    }
    if (hour === 0) this.payCarry(day);
  }

  private totalWeight(): number {
    return this.s.cells.reduce((a, c) => a + c.weight, 0);
  }

  private rateAt(t: number, theta: number): number {
    let rate = theta * this.s.baseRate;
    if (this.s.outage && Math.floor(t / 24) === this.s.outage.day) rate *= this.s.outage.factor;
    if (this.s.burst && t === this.s.burst.hour) rate *= this.s.burst.factor;
    return Math.min(1, rate);
  }

  /** Chronic crashers of a cell: a fixed set of devices, drawn once. */
  private chronicTotal(cell: ReleaseCellKey, devices: number): number {
    const key = `all|${cell.channel}|${cell.platform}|${cell.arch}`;
    let n = this.chronic.get(key);
    if (n === undefined) {
      n = poisson(this.random, devices * (this.s.chronic?.fraction ?? 0));
      this.chronic.set(key, n);
    }
    return n;
  }

  /** Those of them on the release: when the share grows, the release takes a random part of the rest, and keeps what it had. */
  private chronicOnRelease(cell: ReleaseCellKey, devices: number, share: number): number {
    if (!this.s.chronic) return 0;
    const key = `release|${cell.channel}|${cell.platform}|${cell.arch}`;
    const shareKey = `share|${key}`;
    const total = this.chronicTotal(cell, devices);
    let owned = this.chronic.get(key) ?? 0;
    const before = this.chronic.get(shareKey) ?? 0;
    if (share > before) {
      owned += binomial(this.random, total - owned, before >= 1 ? 1 : (share - before) / (1 - before));
      this.chronic.set(key, owned);
      this.chronic.set(shareKey, share);
    }
    return owned;
  }

  /**
   * Affected device-days among `seen` new ones. With chronic crashers, `chronicShare` of them are
   * devices that crash on chronic.rate of their days (the same devices every day); the others
   * crash less, so that the fleet's mean rate stays baseRate.
   */
  private affectedAmong(seen: number, chronicShare: number, theta: number, t: number): number {
    const rate = this.rateAt(t, theta);
    const chronic = this.s.chronic;
    if (!chronic) return binomial(this.random, seen, rate);
    const scale = rate / (theta * this.s.baseRate);
    const chronicSeen = binomial(this.random, seen, chronicShare);
    const otherRate = Math.max(0, (this.s.baseRate - chronic.fraction * chronic.rate) / (1 - chronic.fraction));
    return binomial(this.random, chronicSeen, Math.min(1, chronic.rate * theta * scale)) + binomial(this.random, seen - chronicSeen, Math.min(1, otherRate * theta * scale));
  }

  private owe(day: number, version: string, cell: ReleaseCellKey, hour: number): void {
    const key = `${day}|${version}|${cell.channel}|${cell.platform}|${cell.arch}|${Math.min(7, hour)}`;
    this.carry.set(key, (this.carry.get(key) ?? 0) + 1);
  }

  private payCarry(day: number): void {
    for (const [key, n] of this.carry) {
      const [d, version, channel, platform, arch, hour] = key.split('|');
      if (Number(d) !== day) continue;
      const series = this.seriesOf(day, version!, { channel: channel!, platform: platform!, arch: arch! });
      series.crash[Number(hour)]! += n;
      if (version === 'release') this.releaseAffected += n;
      this.carry.delete(key);
    }
  }

  /** What the daily sketches hold now: per day and cell, distinct devices so far (the crashing ones are active too). */
  async dailyCounts(_appId: string, from: Date, to: Date, filter?: Partial<RolloutCell>): Promise<DayCellCounts[]> {
    const rows: DayCellCounts[] = [];
    const nowHour = Math.floor((this.now - START) / HOUR);
    for (const [key, series] of this.series) {
      const [d, version, channel, platform, arch] = key.split('|');
      const dayStart = START + Number(d) * DAY;
      if (dayStart < from.getTime() || dayStart >= to.getTime()) continue;
      const name = version === 'release' ? '1.1.0' : '1.0.0';
      if (filter?.version !== undefined && filter.version !== name) continue;
      const through = Math.min(23, nowHour - Number(d) * 24);
      if (through < 0) continue;
      const counts: DeviceDayCounts = { ...NO_DEVICES };
      for (let h = 0; h <= through; h++) {
        counts.active += series.active[h]!;
        counts.crash += series.crash[h]!;
      }
      counts.active = Math.max(counts.active, counts.crash);
      rows.push({ day: new Date(dayStart).toISOString().slice(0, 10), version: name, cell: { channel: channel!, platform: platform!, arch: arch! }, counts });
    }
    return rows;
  }
}

export interface RunOutcome {
  haltHour: number | null;
  haltReasons: string[];
  releaseAffectedAtHalt: number | null;
  healthyHour: number | null;
  healthyAtEnd: boolean;
  baselineEverHalted: boolean;
  sharedSeen: boolean;
}

/** What a run needs of a fleet: generate an hour, answer what the daily sketches hold now. */
export interface Fleet extends DailyCounts {
  now: number;
  releaseAffected: number;
  generateHour(t: number): void;
}

/** One run; `onHour` sees the states each hour (for tracing a run); `fleet` replaces the count-level model (the sketch check). */
export async function simulateRun(s: Scenario, random: () => number, onHour?: (t: number, states: ReleaseState[]) => void, fleet?: (s: Scenario, random: () => number) => Fleet): Promise<RunOutcome> {
  const model = fleet ? fleet(s, random) : new FleetModel(s, random);
  const store = new MemoryVerdictStore(new MemoryWebhookStore());
  const evaluator = new RolloutEvaluator({
    counts: model,
    store,
    apps: { listAppIds: async () => ['app'] },
    clock: { now: () => new Date(model.now) },
    newId: (() => {
      let n = 0;
      return () => `e${n++}`;
    })(),
    settings: { defaults: { ...s.settings }, bootstrapDays: 14 },
    payloads: { verdictChanged: () => ({}), crashRateLimitShared: () => ({}) },
    pause: async () => undefined,
  });
  const outcome: RunOutcome = { haltHour: null, haltReasons: [], releaseAffectedAtHalt: null, healthyHour: null, healthyAtEnd: false, baselineEverHalted: false, sharedSeen: false };
  // The baseline's own history first: a day on its own, so it is the most used version when the release appears.
  for (let t = -24; t < HOURS; t++) {
    model.generateHour(t);
    model.now = START + (t + 1) * HOUR - 60_000;
    const states = await evaluator.evaluateApp('app');
    onHour?.(t, states);
    const release = states.find((r) => r.version === '1.1.0');
    const baseline = states.find((r) => r.version === '1.0.0');
    if (baseline?.verdict === 'halt') outcome.baselineEverHalted = true;
    if (!release || release.role !== 'rollout') continue;
    if (release.reasons.includes('crash_rate_limit_shared')) outcome.sharedSeen = true;
    if (release.verdict === 'halt' && outcome.haltHour === null) {
      outcome.haltHour = t;
      outcome.haltReasons = release.reasons.filter((r) => r !== 'halted_awaiting_resume');
      outcome.releaseAffectedAtHalt = model.releaseAffected;
    }
    if (release.verdict === 'healthy' && outcome.healthyHour === null) outcome.healthyHour = t;
    if (t === HOURS - 1) outcome.healthyAtEnd = release.verdict === 'healthy';
  }
  return outcome;
}

const ramp = (over: Partial<Scenario> & { name: string }): Scenario => ({ fleet: 100_000, cells: STANDARD_CELLS, theta: 1, baseRate: 0.005, share: stagedShare, ...over });

/**
 * What the issue asks for, and what real fleets do besides. `expect` is what a sound verdict does:
 * never halt a release no worse than its baseline (at most 1% of runs), halt a worse one, reach
 * healthy on a good one by the end of the ramp.
 */
export const SCENARIOS: Array<Scenario & { expect: 'no_halt' | 'halt' | 'healthy' | 'baseline_never_halted' }> = [
  { ...ramp({ name: 'ramp θ=1' }), expect: 'no_halt' },
  { ...ramp({ name: 'ramp θ=1.25', theta: 1.25 }), expect: 'no_halt' },
  { ...ramp({ name: 'small app (2,000) θ=1', fleet: 2000 }), expect: 'no_halt' },
  { ...ramp({ name: 'small app (2,000) θ=1.25', fleet: 2000, theta: 1.25 }), expect: 'no_halt' },
  { ...ramp({ name: 'crash loops θ=1', crashLoops: true }), expect: 'no_halt' },
  { ...ramp({ name: 'crash loops θ=1.25', crashLoops: true, theta: 1.25 }), expect: 'no_halt' },
  { ...ramp({ name: 'outage: both 5× for a day θ=1', outage: { day: 3, factor: 5 } }), expect: 'no_halt' },
  { ...ramp({ name: 'outage on day 1 θ=1', outage: { day: 1, factor: 5 } }), expect: 'no_halt' },
  { ...ramp({ name: 'cadence 1h vs 2h θ=1', cadence: { release: 1, baseline: 2 } }), expect: 'no_halt' },
  { ...ramp({ name: 'chronic crashers θ=1', chronic: { fraction: 0.005, rate: 0.6 } }), expect: 'no_halt' },
  { ...ramp({ name: 'chronic crashers θ=1.25', chronic: { fraction: 0.005, rate: 0.6 }, theta: 1.25 }), expect: 'no_halt' },
  { ...ramp({ name: 'burst: both 50× for an hour θ=1', burst: { hour: 80, factor: 50 } }), expect: 'no_halt' },
  { ...ramp({ name: '50 small cells θ=1', cells: manyCells(50) }), expect: 'no_halt' },
  { ...ramp({ name: 'tiny app (500) θ=1', fleet: 500 }), expect: 'no_halt' },
  { ...ramp({ name: 'both over the limit (1.5%) θ=1', baseRate: 0.015 }), expect: 'no_halt' },
  { ...ramp({ name: '12 uneven cells θ=1', cells: TWELVE_CELLS }), expect: 'healthy' },
  { ...ramp({ name: 'θ=2', theta: 2 }), expect: 'halt' },
  { ...ramp({ name: 'θ=3', theta: 3 }), expect: 'halt' },
  { ...ramp({ name: 'reverse cadence 2h vs 1h θ=2', theta: 2, cadence: { release: 2, baseline: 1 } }), expect: 'halt' },
  { ...ramp({ name: '12 uneven cells θ=3', cells: TWELVE_CELLS, theta: 3 }), expect: 'halt' },
  { ...ramp({ name: 'chronic crashers θ=3', chronic: { fraction: 0.005, rate: 0.6 }, theta: 3 }), expect: 'halt' },
  { ...ramp({ name: 'new release better θ=0.5', theta: 0.5 }), expect: 'baseline_never_halted' },
];

export interface ScenarioSummary {
  name: string;
  expect: string;
  runs: number;
  halts: number;
  haltsOnBaseline: number;
  haltsOnLimit: number;
  medianHaltHour: number | null;
  medianReleaseAffectedAtHalt: number | null;
  healthyAtEnd: number;
  everHealthy: number;
  baselineEverHalted: number;
  sharedSeen: number;
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export async function runScenario(s: Scenario & { expect: string }, runs: number, seed: number, index: number): Promise<ScenarioSummary> {
  const random = mulberry32((seed * 1_000_003 + index * 7919) >>> 0);
  const outcomes: RunOutcome[] = [];
  for (let i = 0; i < runs; i++) outcomes.push(await simulateRun(s, random));
  const halted = outcomes.filter((o) => o.haltHour !== null);
  return {
    name: s.name,
    expect: s.expect,
    runs,
    halts: halted.length,
    haltsOnBaseline: halted.filter((o) => o.haltReasons.some((r) => r.endsWith('_above_baseline'))).length,
    haltsOnLimit: halted.filter((o) => o.haltReasons.some((r) => r.startsWith('crash_rate_limit'))).length,
    medianHaltHour: median(halted.map((o) => o.haltHour!)),
    medianReleaseAffectedAtHalt: median(halted.map((o) => o.releaseAffectedAtHalt!)),
    healthyAtEnd: outcomes.filter((o) => o.healthyAtEnd).length,
    everHealthy: outcomes.filter((o) => o.healthyHour !== null).length,
    baselineEverHalted: outcomes.filter((o) => o.baselineEverHalted).length,
    sharedSeen: outcomes.filter((o) => o.sharedSeen).length,
  };
}

export async function runRolloutSimulation(options: { runs?: number; seed?: number; only?: string[] } = {}): Promise<ScenarioSummary[]> {
  const out: ScenarioSummary[] = [];
  for (const [index, s] of SCENARIOS.entries()) {
    if (options.only && !options.only.includes(s.name)) continue;
    out.push(await runScenario(s, options.runs ?? 400, options.seed ?? 1, index));
  }
  return out;
}

export function table(rows: ScenarioSummary[]): string {
  const pct = (n: number, d: number) => `${n} (${((100 * n) / d).toFixed(1)}%)`;
  const header = ['scenario', 'expect', 'runs', 'halted', 'vs baseline', 'on a limit', 'median hour', 'median release failures', 'healthy at end', 'ever healthy', 'baseline halted', 'shared seen'];
  const lines = rows.map((r) => [
    r.name,
    r.expect,
    String(r.runs),
    pct(r.halts, r.runs),
    String(r.haltsOnBaseline),
    String(r.haltsOnLimit),
    r.medianHaltHour === null ? '–' : String(r.medianHaltHour),
    r.medianReleaseAffectedAtHalt === null ? '–' : String(r.medianReleaseAffectedAtHalt),
    pct(r.healthyAtEnd, r.runs),
    String(r.everHealthy),
    String(r.baselineEverHalted),
    String(r.sharedSeen),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const row = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [row(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...lines.map(row)].join('\n');
}

const USAGE = `Usage: node -r @swc-node/register bench/rollout-simulation.ts [--runs N] [--seed S] [--only a,b] [--part k/n] [--json]

Drives the real RolloutEvaluator hour by hour over seeded scenarios and prints, per scenario, how often
the release was halted, declared healthy, and when.
  --runs N     runs per scenario (default 400)
  --seed S     the seed (default 1); the same seed gives the same figures
  --only a,b   only the scenarios whose name contains one of these
  --part k/n   every n-th scenario from the k-th, so n processes can share the cores
  --json       one JSON document instead of the table`;

async function main(argv: string[]): Promise<void> {
  if (argv.includes('--help')) {
    console.log(USAGE);
    return;
  }
  const arg = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const runs = Number(arg('--runs') ?? 400);
  const seed = Number(arg('--seed') ?? 1);
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a positive integer');
  if (!Number.isInteger(seed)) throw new Error('--seed must be an integer');
  const only = arg('--only')?.split(',');
  // --part k/n: every n-th scenario from the k-th (1-based), so n processes can share the cores.
  const [part, parts] = (arg('--part') ?? '1/1').split('/').map(Number) as [number, number];
  const started = process.hrtime.bigint();
  const rows: ScenarioSummary[] = [];
  for (const [index, s] of SCENARIOS.entries()) {
    if (only && !only.some((o) => s.name.includes(o))) continue;
    if (index % parts !== part - 1) continue;
    const summary = await runScenario(s, runs, seed, index);
    rows.push(summary);
    if (!argv.includes('--json')) process.stderr.write(`${s.name}: ${summary.halts}/${runs} halted, ${summary.healthyAtEnd} healthy at end\n`);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify({ runs, seed, hours: HOURS, scenarios: rows, seconds }, null, 2)}\n`);
    return;
  }
  console.log(`rollout simulation through RolloutEvaluator: ${runs} runs per scenario, seed ${seed}, ${HOURS} hourly evaluations after a day of baseline only; share 1% → 5% → 20% → 50% (36 h each); default settings`);
  console.log();
  console.log(table(rows));
  console.log();
  console.log(`${seconds.toFixed(1)} s`);
}

if (require.main === module) void main(process.argv.slice(2));
