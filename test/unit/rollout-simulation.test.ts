import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { binomial, mulberry32, stagedShare, type ScenarioSummary } from '../../bench/rollout-simulation';

// A reduced `node -r @swc-node/register bench/rollout-simulation.ts` (10 runs per scenario instead of
// 400, the same seed, model and evaluator); docs/rollout-health.md has the full table. Seeded, so its
// outcome is the same on every machine. It runs in a plain node process: inside Jest's sandbox Math.log
// is tens of times slower.
const SCENARIOS = ['ramp θ=1', 'outage: both 5× for a day θ=1', 'cadence 1h vs 2h θ=1', '12 uneven cells θ=1', 'θ=3', 'reverse cadence 2h vs 1h θ=2', 'new release better θ=0.5'];

function reducedSimulation(): Map<string, ScenarioSummary> {
  const script = `require('./bench/rollout-simulation').runRolloutSimulation({ runs: 10, seed: 1, only: ${JSON.stringify(SCENARIOS)} }).then((r) => process.stdout.write(JSON.stringify(r)))`;
  const child = spawnSync(process.execPath, ['-r', '@swc-node/register', '-e', script], { cwd: join(__dirname, '..', '..'), encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  if (child.status !== 0) throw new Error(`the simulation failed: ${child.stderr}`);
  return new Map((JSON.parse(child.stdout) as ScenarioSummary[]).map((s) => [s.name, s]));
}

describe('rollout simulation through the evaluator (reduced: 10 runs per scenario)', () => {
  const results = reducedSimulation();
  const of = (name: string) => results.get(name)!;

  it('ramps the share 1% → 5% → 20% → 50%, a stage every 36 hours', () => {
    expect([0, 36, 72, 108, 143].map(stagedShare)).toEqual([0.01, 0.05, 0.2, 0.5, 0.5]);
  });

  it('when the release is no worse than its baseline, then it is not halted: plain ramp, an outage on both versions, uneven cadence', () => {
    for (const name of ['ramp θ=1', 'outage: both 5× for a day θ=1', 'cadence 1h vs 2h θ=1']) expect([name, of(name).halts]).toEqual([name, 0]);
  });

  it('when a release no worse than its baseline runs in 12 uneven cells, then it is healthy by the end of the ramp', () => {
    expect(of('12 uneven cells θ=1').healthyAtEnd).toBeGreaterThanOrEqual(9);
  });

  it('when the release is 3× worse, then every run halts, after at most 30 release failures at the median', () => {
    expect(of('θ=3').halts).toBe(10);
    expect(of('θ=3').medianReleaseAffectedAtHalt!).toBeLessThanOrEqual(30);
  });

  it('when the release is 2× worse per device-day but beacons twice as long, then it halts and is never healthy', () => {
    expect(of('reverse cadence 2h vs 1h θ=2')).toMatchObject({ halts: 10, everHealthy: 0 });
  });

  it('when the new release is better than the old one, then the old one is never halted', () => {
    expect(of('new release better θ=0.5').baselineEverHalted).toBe(0);
  });

  it('draws Binomial counts with the right mean from a seeded generator', () => {
    const a = mulberry32(7);
    const b = mulberry32(7);
    expect([a(), a(), a()]).toEqual([b(), b(), b()]);
    const random = mulberry32(42);
    let sum = 0;
    for (let i = 0; i < 2000; i++) sum += binomial(random, 4000, 0.003);
    expect(sum / 2000).toBeCloseTo(12, 0);
  });
});
