import { randomBytes } from 'node:crypto';
import { addDigest, deviceDigest, emptyRegisters, estimateCardinality, mergedRegisters } from '../../src/domain/hyperloglog';
import type { DayKeyStore, DeviceSketchStore, RolloutCell, SketchEntry, SketchKey } from '../../src/ports/device-sketches';

export interface DeviceSketchFixture {
  store: DeviceSketchStore;
  dayKeys: DayKeyStore;
  cleanup(): Promise<void>;
}

export interface DeviceSketchContractOptions {
  /** The store expires buckets by itself (Redis PEXPIREAT, Mongo TTL index): expire() may do nothing. */
  expiresItself?: boolean;
}

const CELL: RolloutCell = { version: '1.4.2', channel: 'stable', platform: 'linux', arch: 'x64' };
// Recent buckets: stores that expire by themselves (Redis) would drop an old one at once.
const HOUR = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3 * 3_600_000);
const DAY = new Date(Math.floor(HOUR.getTime() / 86_400_000) * 86_400_000);
const dayAfter = (d: Date) => new Date(d.getTime() + 86_400_000);
const dayKey = Buffer.alloc(32, 7);

export function sketchOf(devices: Iterable<string>, appId = 'app-a'): Uint8Array {
  const registers = emptyRegisters();
  for (const device of devices) addDigest(registers, deviceDigest(dayKey, appId, device));
  return registers;
}

const ids = (prefix: string, n: number, from = 0) => Array.from({ length: n }, (_, i) => `${prefix}-${from + i}`);

export function deviceSketchContract(adapterName: string, make: () => Promise<DeviceSketchFixture>, opts: DeviceSketchContractOptions = {}): void {
  describe(`DeviceSketchStore contract: ${adapterName}`, () => {
    let fx: DeviceSketchFixture;
    let appId: string;
    beforeEach(async () => {
      fx = await make();
      appId = `app-${randomBytes(6).toString('hex')}`;
    });
    afterEach(async () => {
      await fx.cleanup();
    });

    const key = (overrides: Partial<SketchKey> = {}): SketchKey => ({ appId, cell: CELL, granularity: 'hour', bucket: HOUR, kind: 'active', ...overrides });
    const readAll = (overrides: Partial<Parameters<DeviceSketchStore['read']>[0]> = {}) =>
      fx.store.read({ appId, granularity: 'hour', from: HOUR, to: new Date(HOUR.getTime() + 3_600_000), ...overrides });

    test('when a sketch is merged into an empty key, then reading it gives its registers back', async () => {
      const registers = sketchOf(ids('d', 50));
      await fx.store.merge([{ key: key(), registers }]);
      const [entry, ...rest] = await readAll();
      expect(rest).toHaveLength(0);
      expect(entry!.key).toEqual(key());
      expect(Buffer.from(entry!.registers).equals(Buffer.from(registers))).toBe(true);
    });

    test('when two sketches are merged into one key, then it holds their union (register-wise max)', async () => {
      const a = sketchOf(ids('d', 3000));
      const b = sketchOf(ids('d', 3000, 2000));
      await fx.store.merge([{ key: key(), registers: a }]);
      await fx.store.merge([{ key: key(), registers: b }]);
      const [entry] = await readAll();
      expect(Buffer.from(entry!.registers).equals(Buffer.from(mergedRegisters(a, b)))).toBe(true);
      expect(Math.abs(estimateCardinality(entry!.registers) - 5000) / 5000).toBeLessThan(0.03);
    });

    test('when several keys are merged in one call, then each keeps its own registers', async () => {
      const entries: SketchEntry[] = [
        { key: key(), registers: sketchOf(ids('a', 10)) },
        { key: key({ kind: 'affected:crash' }), registers: sketchOf(ids('a', 2)) },
        { key: key({ cell: { ...CELL, version: '1.4.3' } }), registers: sketchOf(ids('b', 5)) },
        { key: key({ granularity: 'day', bucket: DAY }), registers: sketchOf(ids('a', 10)) },
      ];
      await fx.store.merge(entries);
      const hourly = await readAll();
      expect(hourly.map((e) => [e.key.cell.version, e.key.kind, Math.round(estimateCardinality(e.registers))]).sort()).toEqual(
        [
          ['1.4.2', 'active', 10],
          ['1.4.2', 'affected:crash', 2],
          ['1.4.3', 'active', 5],
        ].sort(),
      );
      const daily = await fx.store.read({ appId, granularity: 'day', from: DAY, to: dayAfter(DAY) });
      expect(daily).toHaveLength(1);
    });

    test('when reading, then only the app, the buckets in [from, to), the matching cell fields and the kinds asked for come back', async () => {
      const other = `${appId}-other`;
      const next = new Date(HOUR.getTime() + 3_600_000);
      await fx.store.merge([
        { key: key(), registers: sketchOf(['x']) },
        { key: key({ bucket: next }), registers: sketchOf(['x']) },
        { key: key({ appId: other }), registers: sketchOf(['x']) },
        { key: key({ cell: { ...CELL, platform: 'windows' } }), registers: sketchOf(['x']) },
        { key: key({ kind: 'arrivals' }), registers: sketchOf(['x']) },
      ]);
      expect(await readAll()).toHaveLength(3);
      expect(await readAll({ to: new Date(next.getTime() + 3_600_000) })).toHaveLength(4);
      expect(await readAll({ from: next, to: new Date(next.getTime() + 3_600_000) })).toHaveLength(1);
      expect(await readAll({ cell: { platform: 'windows' } })).toHaveLength(1);
      expect(await readAll({ cell: { platform: 'linux', version: '1.4.2' }, kinds: ['arrivals'] })).toHaveLength(1);
      expect(await readAll({ kinds: ['affected:crash'] })).toHaveLength(0);
      expect(await fx.store.read({ appId: other, granularity: 'hour', from: HOUR, to: next })).toHaveLength(1);
      expect(await readAll({ granularity: 'day' })).toHaveLength(0);
    });

    test('when fewer than 100 distinct devices are counted, then the estimate is within ±1 of the truth', async () => {
      for (const n of [1, 2, 7, 20, 50, 99]) {
        await fx.store.merge([{ key: key({ kind: 'first_runs', cell: { ...CELL, version: `9.${n}` } }), registers: sketchOf(ids(`s${n}`, n)) }]);
      }
      const entries = await readAll({ kinds: ['first_runs'] });
      for (const entry of entries) {
        const n = Number(entry.key.cell.version.split('.')[1]);
        expect(Math.abs(estimateCardinality(entry.registers) - n)).toBeLessThanOrEqual(1);
      }
      expect(entries).toHaveLength(6);
    });

    test.each([10_000, 100_000])('when %i distinct devices are merged in ten flushes, then the estimate is within 2%% of the truth', async (n) => {
      const chunk = n / 10;
      for (let i = 0; i < 10; i++) await fx.store.merge([{ key: key(), registers: sketchOf(ids('acc', chunk, i * chunk), appId) }]);
      const [entry] = await readAll();
      expect(Math.abs(estimateCardinality(entry!.registers) - n) / n).toBeLessThanOrEqual(0.02);
    });

    if (!opts.expiresItself) {
      test('when buckets expire, then only those of that granularity starting before the horizon go', async () => {
        const earlier = new Date(HOUR.getTime() - 3_600_000);
        const day = new Date(DAY.getTime() - 86_400_000);
        await fx.store.merge([
          { key: key({ bucket: earlier }), registers: sketchOf(['x']) },
          { key: key(), registers: sketchOf(['x']) },
          { key: key({ granularity: 'day', bucket: day }), registers: sketchOf(['x']) },
        ]);
        expect(await fx.store.expire('hour', HOUR)).toBe(1);
        expect(await readAll({ from: earlier })).toHaveLength(1);
        expect(await fx.store.read({ appId, granularity: 'day', from: day, to: HOUR })).toHaveLength(1);
      });
    }

    test('when the store is up, then ping resolves', async () => {
      await expect(fx.store.ping()).resolves.toBeUndefined();
    });
  });

  describe(`DayKeyStore contract: ${adapterName}`, () => {
    let fx: DeviceSketchFixture;
    beforeEach(async () => {
      fx = await make();
    });
    afterEach(async () => {
      await fx.cleanup();
    });

    test('when two instances propose a key for the same day, then the first one wins for both', async () => {
      // Shared stores (Redis, Mongo) keep other runs' keys: a day of its own, far ahead.
      const day = `2500-01-01-${randomBytes(4).toString('hex')}`;
      const first = randomBytes(32);
      expect(Buffer.from(await fx.dayKeys.keyFor(day, first)).equals(first)).toBe(true);
      expect(Buffer.from(await fx.dayKeys.keyFor(day, randomBytes(32))).equals(first)).toBe(true);
    });

    test('when days before a day are deleted, then their keys are replaced by new candidates and later days stay', async () => {
      const kept = randomBytes(32);
      const later = `2999-01-01-${randomBytes(4).toString('hex')}`;
      await fx.dayKeys.keyFor('2000-01-01', randomBytes(32));
      await fx.dayKeys.keyFor(later, kept);
      expect(await fx.dayKeys.deleteBefore('2000-01-02')).toBeGreaterThanOrEqual(1);
      const fresh = randomBytes(32);
      expect(Buffer.from(await fx.dayKeys.keyFor('2000-01-01', fresh)).equals(fresh)).toBe(true);
      expect(Buffer.from(await fx.dayKeys.keyFor(later, randomBytes(32))).equals(kept)).toBe(true);
    });
  });
}
