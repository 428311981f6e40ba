import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { binomial, mulberry32, shareAt, type ScenarioSummary } from '../../bench/rollout-simulation';

// The reduced version of `node -r @swc-node/register bench/rollout-simulation.ts` (40 runs per
// scenario instead of 400, same seed and model); docs/rollout-health.md has the full figures.
// It runs in a plain node process: inside Jest's sandbox Math.log is tens of times slower.
function reducedSimulation(): ScenarioSummary[] {
  const script = "process.stdout.write(JSON.stringify(require('./bench/rollout-simulation').runRolloutSimulation({ runs: 40, seed: 1 })))";
  const child = spawnSync(process.execPath, ['-r', '@swc-node/register', '-e', script], { cwd: join(__dirname, '..', '..'), encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`the simulation failed: ${child.stderr}`);
  return JSON.parse(child.stdout) as ScenarioSummary[];
}

describe('rollout simulation (reduced: 40 runs per scenario)', () => {
  const [same, slightlyWorse, threeTimes, tenTimes] = reducedSimulation();

  it('ramps the share from 1% to 50% over the 144 evaluations', () => {
    expect(shareAt(0)).toBeCloseTo(0.01, 12);
    expect(shareAt(143)).toBeCloseTo(0.5, 12);
  });

  it('when the release is no worse than its baseline (θ = 1), then the e-process never halts it while the naive rule nearly always does', () => {
    expect(same!.theta).toBe(1);
    expect(same!.haltsOnEvidence).toBe(0);
    expect(same!.halts).toBeLessThanOrEqual(1);
    expect(same!.naiveHaltRate).toBeGreaterThanOrEqual(0.9);
  });

  it('when the release is 1.25 times worse (the edge of the null), then at most 1 run in 40 halts on evidence', () => {
    expect(slightlyWorse!.haltsOnEvidence).toBeLessThanOrEqual(1);
  });

  it('when the release is 3 times worse, then every run halts', () => {
    expect(threeTimes!.halts).toBe(40);
  });

  it('when the release is 10 times worse, then every run halts while its share is at most 5%', () => {
    expect(tenTimes!.haltsWhileShareAtMost5).toBe(40);
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
