import { MemoryLease } from '../../src/adapters/memory/memory-lease';
import { MemoryVerdictStore } from '../../src/adapters/memory/memory-verdict-store';
import { MemoryWebhookStore } from '../../src/adapters/memory/memory-webhook-store';
import { ManualClock } from '../fixtures/clock';
import pino from 'pino';
import { LeasedTask } from '../../src/app/leased-task';
import { RolloutEvaluator } from '../../src/app/rollout-evaluator';
import { FixedRolloutCounts } from '../fixtures/rollout-counts';
import { webhook } from '../fixtures/webhooks';

const HOUR = 3_600_000;
const START = new Date('2026-03-02T00:00:00.000Z');
const hour = (n: number) => new Date(START.getTime() + n * HOUR);

function setup() {
  const counts = new FixedRolloutCounts();
  const outbox = new MemoryWebhookStore();
  const store = new MemoryVerdictStore(outbox);
  const clock = new ManualClock(START);
  let id = 0;
  const evaluator = new RolloutEvaluator({
    counts,
    store,
    apps: { listAppIds: async () => ['app-1'] },
    clock,
    newId: () => `evt-${++id}`,
    settings: { hourlyRetentionDays: 7, defaults: {} },
  });
  const traffic = (from: number, to: number, release: { active: number; crash: number }) => {
    for (let h = from; h < to; h++) {
      counts.add('app-1', { version: '1.0.0' }, hour(h), { active: 2000, crash: 6 });
      counts.add('app-1', { version: '1.1.0' }, hour(h), release);
    }
  };
  const events = async () => {
    await outbox.dispatchEvents(100);
    return (await outbox.dueDeliveries(hour(1000), 100)).map((d) => d.event);
  };
  return { counts, outbox, store, clock, evaluator, traffic, events };
}

describe('RolloutEvaluator', () => {
  it('when a release turns bad, then watch becomes halt with one verdict_changed event carrying the cell evidence', async () => {
    const { clock, evaluator, traffic, outbox, events } = setup();
    await outbox.createWebhook(webhook({ appId: 'app-1' }));
    traffic(0, 4, { active: 400, crash: 1 });
    clock.set(hour(4));
    const [first, baselineHealth] = await evaluator.evaluateApp('app-1').then((all) => [all.find((h) => h.version === '1.1.0')!, all.find((h) => h.version === '1.0.0')!]);
    expect(first).toMatchObject({ version: '1.1.0', verdict: 'watch', baseline_version: '1.0.0', data_through: hour(4).toISOString() });
    expect(first!.cells[0]!.reasons).toEqual(['evidence_building']);
    expect(baselineHealth).toMatchObject({ version: '1.0.0', verdict: 'watch' });
    expect(await events()).toEqual([]);

    traffic(4, 8, { active: 400, crash: 12 });
    clock.set(hour(8));
    const halted = await evaluator.evaluateRelease('app-1', '1.1.0');
    expect(halted.verdict).toBe('halt');
    expect(halted.cells[0]).toMatchObject({ channel: 'stable', platform: 'android', arch: 'arm64', verdict: 'halt', baseline_version: '1.0.0' });
    expect(halted.cells[0]!.reasons).toContain('crash_rate_above_baseline');
    expect(halted.cells[0]!.metrics.crash).toMatchObject({ release: { affected: 52, exposure: 3200 }, baseline: { affected: 48, exposure: 16000 } });
    expect(halted.cells[0]!.metrics.crash!.e_value).toBeGreaterThan(300);

    const sent = await events();
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ type: 'rollout.verdict_changed', appId: 'app-1', payload: { from: 'watch', to: 'halt', version: '1.1.0', cells: [{ verdict: 'halt' }] } });

    await evaluator.evaluateRelease('app-1', '1.1.0');
    expect(await events()).toHaveLength(1);
  });

  it('when a halted release looks fine again, then it stays halted until a person resumes it, and the resume is recorded', async () => {
    const { clock, evaluator, traffic, events, outbox } = setup();
    await outbox.createWebhook(webhook({ appId: 'app-1' }));
    traffic(0, 4, { active: 400, crash: 12 });
    clock.set(hour(4));
    expect((await evaluator.evaluateRelease('app-1', '1.1.0')).verdict).toBe('halt');

    traffic(4, 30, { active: 400, crash: 1 });
    clock.set(hour(30));
    const held = await evaluator.evaluateRelease('app-1', '1.1.0');
    expect(held.verdict).toBe('halt');
    expect(held.cells[0]!.reasons).toContain('halted_awaiting_resume');

    clock.set(new Date(hour(30).getTime() + 60_000));
    const resumed = await evaluator.resume('app-1', '1.1.0', 'alice', 'crash fixed server-side');
    expect(resumed).toMatchObject({ verdict: 'watch', resumed: { at: new Date(hour(30).getTime() + 60_000).toISOString(), by: 'alice', note: 'crash fixed server-side' } });
    expect((await events()).map((e) => [e.payload.from, e.payload.to])).toEqual([
      [null, 'halt'],
      ['halt', 'watch'],
    ]);

    traffic(30, 34, { active: 400, crash: 1 });
    clock.set(hour(34));
    expect((await evaluator.evaluateRelease('app-1', '1.1.0')).verdict).not.toBe('halt');
    expect(await evaluator.resume('app-1', '9.9.9', 'alice', '')).toBeNull();
  });

  it('when a release is resumed in the same hour as the failures that halted it, then it does not halt again on them', async () => {
    const { clock, evaluator, traffic } = setup();
    traffic(0, 5, { active: 400, crash: 12 });
    clock.set(new Date(hour(4).getTime() + 10 * 60_000));
    expect((await evaluator.evaluateRelease('app-1', '1.1.0')).verdict).toBe('halt');
    clock.set(new Date(hour(4).getTime() + 20 * 60_000));
    expect((await evaluator.resume('app-1', '1.1.0', 'alice', 'looked at it'))?.verdict).toBe('watch');
    clock.set(new Date(hour(4).getTime() + 30 * 60_000));
    expect((await evaluator.evaluateRelease('app-1', '1.1.0')).verdict).toBe('watch');
    traffic(5, 9, { active: 400, crash: 12 });
    clock.set(hour(9));
    expect((await evaluator.evaluateRelease('app-1', '1.1.0')).verdict).toBe('halt');
  });

  it('when a newer version replaces a halted one, then the halt is released', async () => {
    const { clock, evaluator, traffic, counts } = setup();
    traffic(0, 4, { active: 400, crash: 12 });
    clock.set(hour(4));
    expect((await evaluator.evaluateRelease('app-1', '1.1.0')).verdict).toBe('halt');
    traffic(4, 8, { active: 400, crash: 1 });
    for (let h = 5; h < 8; h++) counts.add('app-1', { version: '1.1.1' }, hour(h), { active: 300, crash: 1 });
    clock.set(hour(8));
    const after = await evaluator.evaluateRelease('app-1', '1.1.0');
    expect(after.cells[0]!.reasons).not.toContain('halted_awaiting_resume');
  });

  it('when health is asked with filters or another baseline, then the cells and verdict narrow, and nothing is saved', async () => {
    const { clock, evaluator, counts, store } = setup();
    for (let h = 0; h < 4; h++) {
      for (const platform of ['android', 'ios']) counts.add('app-1', { version: '1.0.0', platform }, hour(h), { active: 4000, crash: 12 });
      counts.add('app-1', { version: '1.1.0', platform: 'android' }, hour(h), { active: 4000, crash: 12 });
      counts.add('app-1', { version: '1.1.0', platform: 'ios' }, hour(h), { active: 400, crash: 12 });
    }
    clock.set(hour(4));
    const fresh = await evaluator.health('app-1', '1.1.0');
    expect(fresh.verdict).toBe('halt');
    expect(await store.findRelease('app-1', '1.1.0')).toBeNull();
    await evaluator.evaluateRelease('app-1', '1.1.0');
    const android = await evaluator.health('app-1', '1.1.0', { platform: 'android' });
    expect(android.cells.map((c) => c.platform)).toEqual(['android']);
    expect(android.verdict).not.toBe('halt');
    const noBaseline = await evaluator.health('app-1', '1.1.0', { platform: 'android' }, '0.0.1');
    expect(noBaseline.cells[0]).toMatchObject({ baseline_version: '0.0.1' });
  });

  it('when two instances run the evaluation loop on one lease, then exactly one evaluates each round', async () => {
    const { clock, traffic } = setup();
    traffic(0, 4, { active: 400, crash: 1 });
    clock.set(hour(4));
    const lease = new MemoryLease(clock);
    const runs: string[] = [];
    const loop = (holder: string) => new LeasedTask({ lease, name: 'rollout-evaluator', holder, intervalMs: 1000, job: async () => void runs.push(holder), clock, logger: pino({ level: 'silent' }) });
    const [a, b] = [loop('instance-a'), loop('instance-b')];
    expect(await Promise.all([a.tick(), b.tick()])).toEqual([true, false]);
    expect(await Promise.all([b.tick(), a.tick()])).toEqual([false, true]);
    await a.stop();
    expect(await b.tick()).toBe(true);
    expect(runs).toEqual(['instance-a', 'instance-a', 'instance-b']);
  });
});
