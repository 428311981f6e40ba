import { randomBytes } from 'node:crypto';
import { addDigest, deviceDigest, emptyRegisters, estimateCardinality, mergedRegisters } from '../../src/domain/hyperloglog';
import type { DayKeyStore, DeviceSketchStore, RolloutCell, SketchEntry, SketchKey, SketchQuery } from '../../src/ports/device-sketches';
import { readAll } from '../fixtures/sketches';

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
    const readHour = (overrides: Partial<SketchQuery> = {}) =>
      readAll(fx.store, { appId, granularity: 'hour', from: HOUR, to: new Date(HOUR.getTime() + 3_600_000), ...overrides });

    test('when a sketch is merged into an empty key, then reading it gives its registers back', async () => {
      const registers = sketchOf(ids('d', 50));
      await fx.store.merge([{ key: key(), registers }]);
      const [entry, ...rest] = await readHour();
      expect(rest).toHaveLength(0);
      expect(entry!.key).toEqual(key());
      expect(Buffer.from(entry!.registers).equals(Buffer.from(registers))).toBe(true);
    });

    test('when two sketches are merged into one key, then it holds their union (register-wise max)', async () => {
      const a = sketchOf(ids('d', 3000));
      const b = sketchOf(ids('d', 3000, 2000));
      await fx.store.merge([{ key: key(), registers: a }]);
      await fx.store.merge([{ key: key(), registers: b }]);
      const [entry] = await readHour();
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
      const hourly = await readHour();
      expect(hourly.map((e) => [e.key.cell.version, e.key.kind, Math.round(estimateCardinality(e.registers))]).sort()).toEqual(
        [
          ['1.4.2', 'active', 10],
          ['1.4.2', 'affected:crash', 2],
          ['1.4.3', 'active', 5],
        ].sort(),
      );
      const daily = await readAll(fx.store, { appId, granularity: 'day', from: DAY, to: dayAfter(DAY) });
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
      expect(await readHour()).toHaveLength(3);
      expect(await readHour({ to: new Date(next.getTime() + 3_600_000) })).toHaveLength(4);
      expect(await readHour({ from: next, to: new Date(next.getTime() + 3_600_000) })).toHaveLength(1);
      expect(await readHour({ cell: { platform: 'windows' } })).toHaveLength(1);
      expect(await readHour({ cell: { platform: 'linux', version: '1.4.2' }, kinds: ['arrivals'] })).toHaveLength(1);
      expect(await readHour({ kinds: ['affected:crash'] })).toHaveLength(0);
      expect(await readAll(fx.store, { appId: other, granularity: 'hour', from: HOUR, to: next })).toHaveLength(1);
      expect(await readHour({ granularity: 'day' })).toHaveLength(0);
    });

    test('when a read is paged, then every matching sketch comes exactly once, in pages of at most the size asked for', async () => {
      await fx.store.merge(Array.from({ length: 23 }, (_, i) => ({ key: key({ cell: { ...CELL, version: `3.${i}.0` } }), registers: sketchOf([`p${i}`]) })));
      const pages: SketchEntry[][] = [];
      for await (const page of fx.store.readPages({ appId, granularity: 'hour', from: HOUR, to: new Date(HOUR.getTime() + 3_600_000) }, 5)) pages.push(page);
      expect(pages.every((page) => page.length >= 1 && page.length <= 5)).toBe(true);
      const versions = pages.flat().map((e) => e.key.cell.version);
      expect(new Set(versions).size).toBe(23);
      expect(versions).toHaveLength(23);
    });

    test('when the cells of a day are asked for, then each cell with a daily sketch that day comes once, and no other', async () => {
      const cell = (version: string): RolloutCell => ({ ...CELL, version });
      await fx.store.merge([
        { key: key({ granularity: 'day', bucket: DAY, cell: cell('5.0.0') }), registers: sketchOf(['x']) },
        { key: key({ granularity: 'day', bucket: DAY, cell: cell('5.0.0'), kind: 'arrivals' }), registers: sketchOf(['x']) },
        { key: key({ granularity: 'day', bucket: DAY, cell: { ...cell('5.0.0'), arch: 'arm64' } }), registers: sketchOf(['x']) },
        { key: key({ cell: cell('5.1.0') }), registers: sketchOf(['x']) },
        { key: key({ granularity: 'day', bucket: DAY, cell: cell('5.2.0'), appId: `${appId}-other` }), registers: sketchOf(['x']) },
        { key: key({ granularity: 'day', bucket: new Date(DAY.getTime() - 86_400_000), cell: cell('5.3.0') }), registers: sketchOf(['x']) },
      ]);
      const cells = await fx.store.cellsIn(appId, DAY);
      expect(cells.map((c) => `${c.version}/${c.arch}`).sort()).toEqual(['5.0.0/arm64', '5.0.0/x64']);
      expect(cells[0]).toEqual(expect.objectContaining({ channel: 'stable', platform: 'linux' }));
      expect(await fx.store.cellsIn(`${appId}-none`, DAY)).toEqual([]);
    });

    test('when fewer than 100 distinct devices are counted, then the estimate is within ±1 of the truth', async () => {
      for (const n of [1, 2, 7, 20, 50, 99]) {
        await fx.store.merge([{ key: key({ kind: 'first_runs', cell: { ...CELL, version: `9.${n}` } }), registers: sketchOf(ids(`s${n}`, n)) }]);
      }
      const entries = await readHour({ kinds: ['first_runs'] });
      for (const entry of entries) {
        const n = Number(entry.key.cell.version.split('.')[1]);
        expect(Math.abs(estimateCardinality(entry.registers) - n)).toBeLessThanOrEqual(1);
      }
      expect(entries).toHaveLength(6);
    });

    test.each([10_000, 100_000])('when %i distinct devices are merged in ten flushes, then the estimate is within 2%% of the truth', async (n) => {
      const chunk = n / 10;
      for (let i = 0; i < 10; i++) await fx.store.merge([{ key: key(), registers: sketchOf(ids('acc', chunk, i * chunk), appId) }]);
      const [entry] = await readHour();
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
        expect(await readHour({ from: earlier })).toHaveLength(1);
        expect(await readAll(fx.store, { appId, granularity: 'day', from: day, to: HOUR })).toHaveLength(1);
      });

      test('when more buckets expire than one batch holds, then every one of them goes', async () => {
        const earlier = new Date(HOUR.getTime() - 3_600_000);
        const n = 2_050;
        for (let at = 0; at < n; at += 500) {
          await fx.store.merge(Array.from({ length: Math.min(500, n - at) }, (_, i) => ({ key: key({ bucket: earlier, cell: { ...CELL, version: `7.${at + i}.0` } }), registers: sketchOf(['x']) })));
        }
        expect(await fx.store.expire('hour', HOUR)).toBe(n);
        expect(await readHour({ from: earlier, to: HOUR })).toHaveLength(0);
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
