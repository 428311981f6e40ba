import pino from 'pino';
import { MemoryBeaconRefusalStore } from '../../src/adapters/memory/memory-beacon-refusals';
import { MemoryMetrics } from '../../src/adapters/memory/memory-metrics';
import { RefusalTally } from '../../src/app/refusal-tally';
import type { RefusalCount, UnmatchedCount } from '../../src/ports/beacon-refusals';

const CELL = { version: '1.0.0', channel: 'stable', platform: 'linux', arch: 'x64' };
const AT = new Date('2026-03-01T10:20:00.000Z');
const HOUR = new Date('2026-03-01T10:00:00.000Z');
const DAY = new Date('2026-03-01T00:00:00.000Z');

class CountingStore extends MemoryBeaconRefusalStore {
  adds = 0;
  failNext = false;
  override async add(counts: RefusalCount[]): Promise<void> {
    this.adds++;
    if (this.failNext) {
      this.failNext = false;
      throw new Error('store down');
    }
    return super.add(counts);
  }
  override async addUnmatched(hour: Date, counts: UnmatchedCount[], keep: number): Promise<void> {
    this.adds++;
    return super.addUnmatched(hour, counts, keep);
  }
}

describe('RefusalTally', () => {
  let store: CountingStore;
  let metrics: MemoryMetrics;
  let tally: RefusalTally;
  beforeEach(() => {
    store = new CountingStore();
    metrics = new MemoryMetrics();
    tally = new RefusalTally({ store, metrics, logger: pino({ level: 'silent' }), unmatchedKept: 100 });
  });

  test('when 100,000 beacons of one cell are refused between flushes, then one store call adds them as one hourly and one daily row', async () => {
    for (let i = 0; i < 100_000; i++) tally.refused('app', CELL, AT, 'ip_limit');
    await tally.flush();
    await tally.flush();
    expect(store.adds).toBe(1);
    expect(await store.totals({ appId: 'app', granularity: 'hour', from: HOUR, to: new Date(HOUR.getTime() + 3_600_000) })).toEqual([{ cell: CELL, reason: 'ip_limit', count: 100_000 }]);
    expect(await store.totals({ appId: 'app', granularity: 'day', from: DAY, to: new Date(DAY.getTime() + 86_400_000) })).toEqual([{ cell: CELL, reason: 'ip_limit', count: 100_000 }]);
    expect(metrics.value('beacons_refused_total', { reason: 'ip_limit' })).toBe(100_000);
  });

  test('when refusals fall in two hours of one day, then each hour has its row and the day row sums them', async () => {
    tally.refused('app', null, AT, 'cell_cap', 2);
    tally.refused('app', null, new Date(AT.getTime() + 3_600_000), 'cell_cap', 3);
    await tally.flush();
    expect(await store.totals({ appId: 'app', granularity: 'hour', from: HOUR, to: new Date(HOUR.getTime() + 3_600_000) })).toEqual([{ cell: null, reason: 'cell_cap', count: 2 }]);
    expect(await store.totals({ appId: 'app', granularity: 'day', from: DAY, to: new Date(DAY.getTime() + 86_400_000) })).toEqual([{ cell: null, reason: 'cell_cap', count: 5 }]);
  });

  test('when a refusal has no app, then only the metric counts it', async () => {
    tally.refused(null, null, AT, 'ip_limit');
    await tally.flush();
    expect(store.adds).toBe(0);
    expect(metrics.value('beacons_refused_total', { reason: 'ip_limit' })).toBe(1);
  });

  test('when a flood names more distinct unknown apps in one interval than it keeps, then memory holds 1,000 of them and the store the most frequent', async () => {
    for (let i = 0; i < 50; i++) tally.unmatched('acme', 'typo', 'unknown_app', AT);
    for (let i = 0; i < 20_000; i++) tally.unmatched('junk', `j${i}`, 'unknown_app', AT);
    expect(tally.stats.unmatchedOverflow).toBe(20_000 - 999);
    await tally.flush();
    const kept = await store.unmatched(HOUR, new Date(HOUR.getTime() + 3_600_000));
    expect(kept).toHaveLength(100);
    expect(kept[0]).toEqual({ owner: 'acme', appName: 'typo', reason: 'unknown_app', count: 50 });
  });

  test('when a write fails, then its counts are dropped (logged) and the next flush writes new ones', async () => {
    tally.refused('app', CELL, AT, 'ip_limit');
    store.failNext = true;
    await tally.flush();
    tally.refused('app', CELL, AT, 'ip_limit', 4);
    await tally.flush();
    expect(tally.stats.failedWrites).toBe(1);
    expect(await store.totals({ appId: 'app', granularity: 'hour', from: HOUR, to: new Date(HOUR.getTime() + 3_600_000) })).toEqual([{ cell: CELL, reason: 'ip_limit', count: 4 }]);
  });
});
