import pino from 'pino';
import { rolloutPayloads } from '../../src/adapters/http/views';
import { MemoryLease } from '../../src/adapters/memory/memory-lease';
import { MemoryVerdictStore } from '../../src/adapters/memory/memory-verdict-store';
import { MemoryWebhookStore } from '../../src/adapters/memory/memory-webhook-store';
import { ManualClock } from '../../src/adapters/memory/system-clock';
import { LeasedTask } from '../../src/app/leased-task';
import { RolloutEvaluator } from '../../src/app/rollout-evaluator';
import { FixedDailyCounts } from '../fixtures/rollout-counts';
import { webhook } from '../fixtures/webhooks';

const HOUR = 3_600_000;
const START = new Date('2026-03-02T00:00:00.000Z');
const hour = (n: number) => new Date(START.getTime() + n * HOUR);
const late = (n: number) => new Date(hour(n).getTime() + 59 * 60_000);

function setup() {
  const counts = new FixedDailyCounts();
  const outbox = new MemoryWebhookStore();
  const store = new MemoryVerdictStore(outbox);
  const clock = new ManualClock(START);
  let id = 0;
  const evaluator = new RolloutEvaluator({
    counts,
    store,
    apps: { listAppIds: async () => ['app-1', 'app-2'] },
    clock,
    newId: () => `evt-${++id}`,
    settings: { defaults: { metrics: ['crash'] }, bootstrapDays: 14 },
    payloads: rolloutPayloads,
  });
  /** Hours [from, to): each hour 2,000 new baseline device-days (0.3% crash) and the release's. */
  const traffic = (from: number, to: number, release: { active: number; crash: number }, version = '1.1.0') => {
    for (let h = from; h < to; h++) {
      counts.add('app-1', { version: '1.0.0' }, hour(h), { active: 2000, crash: 6 });
      counts.add('app-1', { version }, hour(h), release);
    }
  };
  /** Evaluates the app at the end of hour h, the way the scheduled loop does. */
  const evaluateAt = async (h: number) => {
    clock.set(late(h));
    return evaluator.evaluateApp('app-1');
  };
  const release = async (h: number, version = '1.1.0') => (await evaluateAt(h)).find((r) => r.version === version)!;
  const events = async () => {
    await outbox.dispatchEvents(100);
    return (await outbox.dueDeliveries(hour(1000), 100)).map((d) => d.event);
  };
  return { counts, outbox, store, clock, evaluator, traffic, evaluateAt, release, events };
}

describe('RolloutEvaluator', () => {
  it('when a release turns bad, then watch becomes halt, with one verdict_changed event and one history line', async () => {
    const { traffic, release, outbox, events, store } = setup();
    await outbox.createWebhook(webhook({ appId: 'app-1', events: ['rollout.verdict_changed'] }));
    traffic(0, 4, { active: 400, crash: 1 });
    for (let h = 0; h < 4; h++) await release(h);
    const watched = await release(3);
    expect(watched).toMatchObject({ version: '1.1.0', role: 'rollout', verdict: 'watch', baselineVersion: '1.0.0' });
    expect(await events()).toEqual([]);

    traffic(4, 8, { active: 400, crash: 12 });
    let halted = watched;
    for (let h = 4; h < 8 && halted.verdict !== 'halt'; h++) halted = await release(h);
    expect(halted.verdict).toBe('halt');
    expect(halted.reasons).toContain('crash_rate_above_baseline');
    expect(halted.judgement!.metrics[0]).toMatchObject({ metric: 'crash', status: 'measured' });
    expect(halted.evidence!.cells[0]!.cell).toEqual({ channel: 'stable', platform: 'android', arch: 'arm64' });

    const sent = await events();
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ type: 'rollout.verdict_changed', appId: 'app-1', payload: { payload_version: 2, from: 'watch', to: 'halt', version: '1.1.0', role: 'rollout', verdict: 'halt' } });
    await release(8);
    expect(await events()).toHaveLength(1);
    expect((await store.history('app-1', '1.1.0', 10)).map((h) => [h.kind, h.from, h.to])).toEqual([
      ['verdict', null, 'watch'],
      ['verdict', 'watch', 'halt'],
    ]);
  });

  it('gives the baseline and older versions their role and no verdict', async () => {
    const { traffic, counts, evaluateAt } = setup();
    traffic(0, 4, { active: 400, crash: 1 });
    for (let h = 0; h < 4; h++) counts.add('app-1', { version: '0.9.0' }, hour(h), { active: 50, crash: 1 });
    const states = await evaluateAt(3);
    expect(states.map((s) => [s.version, s.role, s.verdict])).toEqual([
      ['0.9.0', 'previous', null],
      ['1.0.0', 'baseline', null],
      ['1.1.0', 'rollout', 'watch'],
    ]);
  });

  it('when a new release is better than the old one and becomes most used, then the old one is never judged, let alone halted', async () => {
    const { counts, evaluateAt } = setup();
    for (let h = 0; h < 72; h++) {
      const share = h < 24 ? 0.1 : 0.7;
      counts.add('app-1', { version: '1.0.0' }, hour(h), { active: 2000 * (1 - share), crash: 12 * (1 - share) });
      counts.add('app-1', { version: '1.1.0' }, hour(h), { active: 2000 * share, crash: 2 * share });
    }
    const seen: Array<[string, string, string | null]> = [];
    for (let h = 0; h < 72; h += 3) for (const s of await evaluateAt(h)) seen.push([s.version, s.role, s.verdict]);
    expect(seen.filter(([v, , verdict]) => v === '1.0.0' && verdict !== null)).toEqual([]);
    // Two days at 70%: 1.1.0 has more than 1.25× the old version's device-days and becomes the baseline.
    expect(seen.at(-1)).toEqual(['1.1.0', 'baseline', null]);
    expect(seen.at(-2)).toEqual(['1.0.0', 'previous', null]);
  });

  it('when a halted release looks fine again, then it stays halted until a person resumes it; the resume is in its history and its evidence restarts', async () => {
    const { clock, evaluator, traffic, release, store } = setup();
    traffic(0, 4, { active: 400, crash: 12 });
    let state = await release(0);
    for (let h = 1; h < 4 && state.verdict !== 'halt'; h++) state = await release(h);
    expect(state.verdict).toBe('halt');

    traffic(4, 30, { active: 400, crash: 1 });
    const held = await release(29);
    expect(held.verdict).toBe('halt');
    expect(held.reasons).toContain('halted_awaiting_resume');

    clock.set(new Date(hour(30).getTime() + 60_000));
    const resumed = await evaluator.resume('app-1', '1.1.0', 'alice', 'crash fixed server-side');
    expect(resumed).toMatchObject({ verdict: 'watch', resumedBy: 'alice', resumeNote: 'crash fixed server-side', baselineVersion: '1.0.0' });
    expect(resumed!.reasons).toContain('evidence_restarted');
    expect(resumed!.evidence!.since).toBe(hour(30).getTime() + 60_000);
    const lines = await store.history('app-1', '1.1.0', 10);
    expect(lines.at(-2)).toMatchObject({ kind: 'resume', by: 'alice', note: 'crash fixed server-side', from: 'halt' });
    expect(lines.at(-1)).toMatchObject({ kind: 'verdict', from: 'halt', to: 'watch' });
    expect(await evaluator.resume('app-1', '9.9.9', 'alice', '')).toBeNull();
  });

  it('when a release is resumed in the hour of the failures that halted it, then it does not halt again on them', async () => {
    const { clock, evaluator, traffic, release } = setup();
    traffic(0, 5, { active: 400, crash: 12 });
    let state = await release(0);
    for (let h = 1; h < 5 && state.verdict !== 'halt'; h++) state = await release(h);
    expect(state.verdict).toBe('halt');
    clock.set(late(4));
    expect((await evaluator.resume('app-1', '1.1.0', 'alice', 'looked at it'))?.verdict).toBe('watch');
    expect((await release(4)).verdict).toBe('watch');
    traffic(5, 12, { active: 400, crash: 12 });
    let after = await release(5);
    for (let h = 6; h < 12 && after.verdict !== 'halt'; h++) after = await release(h);
    expect(after.verdict).toBe('halt');
  });

  it('when one beacon names a newer version and 30,000 fake healthy devices join the halted one, then it is not superseded and stays halted; when that version is really adopted, it is superseded, and the halt stays a halt', async () => {
    const { traffic, counts, release, evaluator } = setup();
    traffic(0, 4, { active: 400, crash: 12 });
    let state = await release(0);
    for (let h = 1; h < 4 && state.verdict !== 'halt'; h++) state = await release(h);
    counts.add('app-1', { version: '1.1.1' }, hour(4), { active: 1 });
    // 30 relay batches of 1,000 new devices that never crash: dilution, not a resume.
    counts.add('app-1', { version: '1.1.0' }, hour(4), { active: 30_000 });
    traffic(4, 5, { active: 400, crash: 1 });
    const afterOne = await release(4);
    expect(afterOne).toMatchObject({ verdict: 'halt', supersededBy: null });
    expect((await evaluator.current('app-1')).map((r) => r.version)).toContain('1.1.0');

    for (let h = 5; h < 8; h++) counts.add('app-1', { version: '1.1.1' }, hour(h), { active: 1000 });
    traffic(5, 8, { active: 400, crash: 1 });
    const adopted = await release(7);
    expect(adopted).toMatchObject({ verdict: 'halt', supersededBy: '1.1.1' });
    expect((await evaluator.current('app-1')).map((r) => r.version)).toEqual(['1.1.1']);
  });

  it('when health is asked against another baseline, then it is judged on the spot from the daily counts and nothing is saved', async () => {
    const { traffic, counts, evaluator, store, release } = setup();
    traffic(0, 4, { active: 400, crash: 1 });
    for (let h = 0; h < 4; h++) counts.add('app-1', { version: '0.9.0' }, hour(h), { active: 500, crash: 10 });
    await release(3);
    const before = await store.findRelease('app-1', '1.1.0');
    const other = await evaluator.whatIf('app-1', '1.1.0', '0.9.0');
    expect(other).toMatchObject({ baselineVersion: '0.9.0', role: 'rollout' });
    expect(other.judgement!.metrics[0]!.baseline).toMatchObject({ affected: 40, exposure: 2000 });
    expect(await store.findRelease('app-1', '1.1.0')).toEqual(before);
  });

  it('when the evaluation is aborted (shutdown), then no further app is evaluated', async () => {
    const { traffic, evaluator, clock, store } = setup();
    traffic(0, 2, { active: 400, crash: 1 });
    clock.set(late(1));
    const abort = new AbortController();
    abort.abort();
    expect(await evaluator.evaluateAll(abort.signal)).toBe(0);
    expect(await store.listReleases('app-1')).toEqual([]);
    expect(await evaluator.evaluateAll()).toBe(1);
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
