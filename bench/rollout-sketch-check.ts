// The simulation's counts are exact; the service's are HyperLogLog estimates. This check runs the same
// evaluator on counts read from real sketches: every device of a smaller fleet is a device id, added
// each day it is seen to its day's sketches (the service's digest, HMAC-SHA256 with a key per day), and
// every evaluation reads the estimates of the day so far. New device-days are differences of two
// estimates of a growing sketch; this shows what that noise does to the verdict.
//
// Run: node -r @swc-node/register bench/rollout-sketch-check.ts [--runs 50] [--fleet 20000]
import { addDigest, deviceDigester, emptyRegisters, estimateCardinality, type Registers } from '../src/domain/hyperloglog';
import type { RolloutCell } from '../src/domain/rollout-cell';
import { NO_DEVICES, type DayCellCounts } from '../src/domain/rollout-release-evidence';
import { DIURNAL, DIURNAL_SUM, HOURS, mulberry32, simulateRun, stagedShare, START, type Fleet, type RunOutcome, type Scenario } from './rollout-simulation';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Every device is a real id on the release (the first share·F devices) or the baseline, seen once a day at a diurnal hour. */
class SketchFleet implements Fleet {
  now = START;
  releaseAffected = 0;
  private readonly registers = new Map<string, Registers>();
  private readonly hourOf: Int8Array;

  constructor(
    private readonly s: Scenario,
    private readonly random: () => number,
  ) {
    this.hourOf = new Int8Array(s.fleet);
  }

  private sketch(day: number, version: string, kind: string): Registers {
    const key = `${day}|${version}|${kind}`;
    let r = this.registers.get(key);
    if (!r) {
      r = emptyRegisters();
      this.registers.set(key, r);
    }
    return r;
  }

  private drawHours(): void {
    for (let d = 0; d < this.s.fleet; d++) {
      let u = this.random() * DIURNAL_SUM;
      let h = 0;
      while (h < 23 && u > DIURNAL[h]!) u -= DIURNAL[h++]!;
      this.hourOf[d] = h;
    }
  }

  generateHour(t: number): void {
    const day = Math.floor(t / 24);
    const hour = ((t % 24) + 24) % 24;
    if (hour === 0 || t === -24) this.drawHours();
    const share = t < 0 ? 0 : this.s.share(t);
    const digest = deviceDigester(`day-key-${day}`);
    const releaseDevices = Math.round(share * this.s.fleet);
    for (let d = 0; d < this.s.fleet; d++) {
      if (this.hourOf[d] !== hour) continue;
      const release = d < releaseDevices;
      const version = release ? 'release' : 'baseline';
      const element = digest('app', `device-${d}`);
      addDigest(this.sketch(day, version, 'active'), element);
      if (this.random() < (release ? this.s.theta : 1) * this.s.baseRate) {
        addDigest(this.sketch(day, version, 'crash'), element);
        if (release) this.releaseAffected++;
      }
    }
  }

  async dailyCounts(_appId: string, from: Date, to: Date, filter?: Partial<RolloutCell>): Promise<DayCellCounts[]> {
    const rows: DayCellCounts[] = [];
    for (const [day, version] of [...this.registers.keys()].filter((k) => k.endsWith('|active')).map((k) => k.split('|').map(String) as [string, string])) {
      const dayStart = START + Number(day) * DAY;
      if (dayStart < from.getTime() || dayStart >= to.getTime()) continue;
      const name = version === 'release' ? '1.1.0' : '1.0.0';
      if (filter?.version !== undefined && filter.version !== name) continue;
      const active = estimateCardinality(this.sketch(Number(day), version, 'active'));
      const crash = this.registers.has(`${day}|${version}|crash`) ? estimateCardinality(this.sketch(Number(day), version, 'crash')) : 0;
      rows.push({ day: new Date(dayStart).toISOString().slice(0, 10), version: name, cell: { channel: 'stable', platform: 'android', arch: 'arm64' }, counts: { ...NO_DEVICES, active, crash } });
    }
    return rows;
  }
}

async function main(argv: string[]): Promise<void> {
  const arg = (name: string, fallback: number) => (argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : fallback);
  const runs = arg('--runs', 50);
  const fleet = arg('--fleet', 20_000);
  console.log(`sketch check: ${runs} runs per θ, ${fleet} daily devices as real ids in HyperLogLog sketches (p = 14), ${HOURS} hourly evaluations, share 1% → 50%, baseline crash rate 0.5%`);
  for (const theta of [1, 1.25, 3]) {
    const s: Scenario = { name: `sketches θ=${theta}`, fleet, cells: [{ channel: 'stable', platform: 'android', arch: 'arm64', weight: 1 }], theta, baseRate: 0.005, share: stagedShare };
    const random = mulberry32(1000 + theta * 100);
    const outcomes: RunOutcome[] = [];
    for (let i = 0; i < runs; i++) outcomes.push(await simulateRun(s, random, undefined, (sc, r) => new SketchFleet(sc, r)));
    const halted = outcomes.filter((o) => o.haltHour !== null);
    const failures = halted.map((o) => o.releaseAffectedAtHalt!).sort((a, b) => a - b);
    console.log(
      `θ=${theta}: halted ${halted.length}/${runs}, healthy at end ${outcomes.filter((o) => o.healthyAtEnd).length}/${runs}${failures.length ? `, median release failures at halt ${failures[failures.length >> 1]}` : ''}`,
    );
  }
}

void main(process.argv.slice(2));
