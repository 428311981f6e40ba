import { randomBytes, randomInt } from 'node:crypto';
import type { BeaconRefusalStore, RefusalCount, UnmatchedCount } from '../../src/ports/beacon-refusals';
import type { RolloutCell } from '../../src/ports/device-sketches';

export interface BeaconRefusalFixture {
  store: BeaconRefusalStore;
  cleanup(): Promise<void>;
}

export interface BeaconRefusalContractOptions {
  /** The store expires rows by itself (Redis PEXPIREAT, Mongo TTL index): expire() may do nothing. */
  expiresItself?: boolean;
}

const H = 3_600_000;
const D = 86_400_000;
const A: RolloutCell = { version: '1.4.2', channel: 'stable', platform: 'linux', arch: 'x64' };
const B: RolloutCell = { ...A, version: '1.4.3' };
// Recent buckets: stores that expire by themselves would drop an old one at once.
const HOUR = new Date(Math.floor(Date.now() / H) * H - 3 * H);
const DAY = new Date(Math.floor(HOUR.getTime() / D) * D);

const byKey = (totals: Array<{ cell: RolloutCell | null; reason: string; count: number }>) =>
  Object.fromEntries(totals.map((t) => [`${t.reason}:${t.cell ? t.cell.version : '-'}`, t.count]));

export function beaconRefusalContract(adapterName: string, make: () => Promise<BeaconRefusalFixture>, opts: BeaconRefusalContractOptions = {}): void {
  describe(`BeaconRefusalStore contract: ${adapterName}`, () => {
    let fx: BeaconRefusalFixture;
    let appId: string;
    beforeEach(async () => {
      fx = await make();
      appId = `app-${randomBytes(6).toString('hex')}`;
    });
    afterEach(async () => {
      await fx.cleanup();
    });

    const row = (overrides: Partial<RefusalCount> = {}): RefusalCount => ({ appId, cell: A, granularity: 'hour', bucket: HOUR, reason: 'ip_limit', count: 1, ...overrides });
    const hours = (n: number) => ({ appId, granularity: 'hour' as const, from: HOUR, to: new Date(HOUR.getTime() + n * H) });

    test('when counts are added, then totals sum them per cell (or none) and reason, over the window, for that app and granularity only', async () => {
      await fx.store.add([
        row({ count: 3 }),
        row({ bucket: new Date(HOUR.getTime() + H), count: 4 }),
        row({ cell: B, count: 2 }),
        row({ cell: null, reason: 'cell_cap', count: 10 }),
        row({ reason: 'pending_cap', count: 1 }),
        row({ bucket: new Date(HOUR.getTime() + 2 * H), count: 100 }),
        row({ appId: `${appId}-other`, count: 50 }),
        row({ granularity: 'day', bucket: DAY, count: 70 }),
      ]);
      expect(byKey(await fx.store.totals(hours(2)))).toEqual({ 'ip_limit:1.4.2': 7, 'ip_limit:1.4.3': 2, 'cell_cap:-': 10, 'pending_cap:1.4.2': 1 });
      const [cellOfRow] = (await fx.store.totals(hours(2))).filter((t) => t.cell?.version === '1.4.3');
      expect(cellOfRow!.cell).toEqual(B);
      expect(byKey(await fx.store.totals({ appId, granularity: 'day', from: DAY, to: new Date(DAY.getTime() + D) }))).toEqual({ 'ip_limit:1.4.2': 70 });
    });

    test('when the same row is added to twice, then its count is the sum', async () => {
      await fx.store.add([row({ count: 2 })]);
      await fx.store.add([row({ count: 5 }), row({ cell: null, count: 1 })]);
      expect(byKey(await fx.store.totals(hours(1)))).toEqual({ 'ip_limit:1.4.2': 7, 'ip_limit:-': 1 });
    });

    test('when a window spans six days of hours, then totals sum every hour of it', async () => {
      // Within the hourly retention (7 days), which stores that expire rows themselves apply at once.
      const start = new Date(HOUR.getTime() - 6 * D);
      await fx.store.add(Array.from({ length: 6 * 24 }, (_, i) => row({ bucket: new Date(start.getTime() + i * H) })));
      expect(byKey(await fx.store.totals({ appId, granularity: 'hour', from: start, to: HOUR }))).toEqual({ 'ip_limit:1.4.2': 144 });
    });

    describe('unmatched names', () => {
      // Unmatched rows are not per app: each test takes hours of its own, far ahead, in case the store is shared.
      let hour: Date;
      beforeEach(() => {
        hour = new Date(Date.UTC(2400, 0, 1) + randomInt(0, 1_000_000) * 3 * H);
      });
      const name = (owner: string, appName: string, count: number, reason: UnmatchedCount['reason'] = 'unknown_app'): UnmatchedCount => ({ owner, appName, reason, count });

      test('when names are added over two hours, then the read sums them per (owner, app, reason), largest first', async () => {
        await fx.store.addUnmatched(hour, [name('acme', 'desk', 5), name('acme', 'dsktop', 2), name('acme', 'desk', 1, 'reports_disabled')], 10);
        await fx.store.addUnmatched(new Date(hour.getTime() + H), [name('acme', 'dsktop', 7), name('', '', 1)], 10);
        await fx.store.addUnmatched(new Date(hour.getTime() + 2 * H), [name('acme', 'later', 99)], 10);
        expect(await fx.store.unmatched(hour, new Date(hour.getTime() + 2 * H))).toEqual([
          name('acme', 'dsktop', 9),
          name('acme', 'desk', 5),
          expect.objectContaining({ count: 1 }),
          expect.objectContaining({ count: 1 }),
        ]);
      });

      test('when an hour gets more names than it keeps, then only the most frequent stay', async () => {
        await fx.store.addUnmatched(hour, [name('o', 'typo', 3)], 3);
        await fx.store.addUnmatched(hour, Array.from({ length: 50 }, (_, i) => name('junk', `j${i}`, 1)), 3);
        await fx.store.addUnmatched(hour, [name('o', 'typo', 2), name('o', 'other', 2)], 3);
        const kept = await fx.store.unmatched(hour, new Date(hour.getTime() + H));
        expect(kept).toHaveLength(3);
        expect(kept.slice(0, 2)).toEqual([name('o', 'typo', 5), name('o', 'other', 2)]);
      });
    });

    if (!opts.expiresItself) {
      test('when rows expire, then only those of that granularity starting before the horizon go, in batches however many', async () => {
        const earlier = new Date(HOUR.getTime() - H);
        await fx.store.add(Array.from({ length: 2_100 }, (_, i) => row({ bucket: earlier, cell: { ...A, version: `9.${i}.0` } })));
        await fx.store.add([row(), row({ granularity: 'day', bucket: new Date(DAY.getTime() - D) })]);
        await fx.store.addUnmatched(earlier, [{ owner: 'o', appName: 'a', reason: 'unknown_app', count: 1 }], 10);
        expect(await fx.store.expire('hour', HOUR)).toBe(2_101);
        expect(byKey(await fx.store.totals({ appId, granularity: 'hour', from: earlier, to: new Date(HOUR.getTime() + H) }))).toEqual({ 'ip_limit:1.4.2': 1 });
        expect(await fx.store.unmatched(earlier, HOUR)).toEqual([]);
        expect(await fx.store.totals({ appId, granularity: 'day', from: new Date(DAY.getTime() - D), to: DAY })).toHaveLength(1);
      });
    }
  });
}
