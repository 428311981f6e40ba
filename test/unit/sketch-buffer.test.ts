import pino from 'pino';
import { MemoryDeviceSketchStore } from '../../src/adapters/memory/memory-device-sketches';
import { SketchBuffer } from '../../src/app/sketch-buffer';
import { addDigest, deviceDigest, emptyRegisters, estimateCardinality } from '../../src/domain/hyperloglog';
import { groupHash } from '../../src/domain/group-hash';
import { dimensionsOf } from '../../src/domain/report';
import { parseReportInput } from '../../src/domain/report-validation';
import type { SketchEntry, SketchKey } from '../../src/ports/device-sketches';
import { reportBody } from '../fixtures/reports';
import { readAll } from '../fixtures/sketches';

const key = (kind: SketchKey['kind'] = 'active'): SketchKey => ({
  appId: 'app-1',
  cell: { version: '1.0.0', channel: 'stable', platform: 'linux', arch: 'x64' },
  granularity: 'hour',
  bucket: new Date('2026-03-01T10:00:00.000Z'),
  kind,
});
const digest = (i: number) => deviceDigest('k', 'app-1', `d${i}`);

class CountingStore extends MemoryDeviceSketchStore {
  calls = 0;
  failNext = false;
  override async merge(entries: SketchEntry[]): Promise<void> {
    this.calls++;
    if (this.failNext) {
      this.failNext = false;
      throw new Error('store down');
    }
    return super.merge(entries);
  }
}

const read = (store: MemoryDeviceSketchStore) => readAll(store, { appId: 'app-1', granularity: 'hour', from: new Date(0), to: new Date('2100-01-01') });
const MiB = 1024 * 1024;
const silent = pino({ level: 'silent' });
const cellKey = (i: number, kind: SketchKey['kind'] = 'active'): SketchKey => ({ ...key(kind), cell: { ...key().cell, version: `1.${i}.0` } });

class FailingStore extends MemoryDeviceSketchStore {
  override async merge(): Promise<void> {
    throw new Error('store down');
  }
}

describe('SketchBuffer', () => {
  test('when 10,000 devices are added between flushes, then one store call writes each changed sketch once', async () => {
    const store = new CountingStore();
    const buffer = new SketchBuffer({ store, logger: silent, intervalMs: 0, maxPendingBytes: 64 * MiB });
    for (let i = 0; i < 10_000; i++) buffer.add(key(), digest(i));
    buffer.add(key('first_runs'), digest(1));
    await buffer.flush();
    await buffer.flush();
    expect(store.calls).toBe(1);
    expect(buffer.stats).toMatchObject({ flushes: 1, sketchesWritten: 2 });
    const [active] = (await read(store)).filter((e) => e.key.kind === 'active');
    expect(Math.abs(estimateCardinality(active!.registers) - 10_000) / 10_000).toBeLessThan(0.02);
  });

  test('when a flush fails, then its sketches are merged back and written by the next one', async () => {
    const store = new CountingStore();
    const buffer = new SketchBuffer({ store, logger: silent, intervalMs: 0, maxPendingBytes: 64 * MiB });
    for (let i = 0; i < 50; i++) buffer.add(key(), digest(i));
    store.failNext = true;
    await buffer.flush();
    for (let i = 50; i < 80; i++) buffer.add(key(), digest(i));
    await buffer.close();
    const [entry] = await read(store);
    const expected = emptyRegisters();
    for (let i = 0; i < 80; i++) addDigest(expected, digest(i));
    expect(Buffer.from(entry!.registers).equals(Buffer.from(expected))).toBe(true);
    expect(buffer.stats.failedFlushes).toBe(1);
  });

  test('when 6,000 sketches of one device each are pending, then they hold under 1 KiB each (not 16 KiB) and are written exactly', async () => {
    const store = new CountingStore();
    const buffer = new SketchBuffer({ store, logger: silent, intervalMs: 0, maxPendingBytes: 64 * MiB });
    for (let i = 0; i < 6_000; i++) buffer.add(cellKey(i), digest(i));
    expect(buffer.bytes).toBeLessThan(6_000 * 1024);
    await buffer.flush();
    const entries = await read(store);
    expect(entries).toHaveLength(6_000);
    const one = entries.find((e) => e.key.cell.version === '1.42.0')!;
    const expected = emptyRegisters();
    addDigest(expected, digest(42));
    expect(Buffer.from(one.registers).equals(Buffer.from(expected))).toBe(true);
    expect(buffer.bytes).toBe(0);
  });

  test('when many sketches are flushed, then they go in several store calls and other work runs between them', async () => {
    const store = new CountingStore();
    const buffer = new SketchBuffer({ store, logger: silent, intervalMs: 0, maxPendingBytes: 64 * MiB });
    for (let i = 0; i < 1_000; i++) buffer.add(cellKey(i), digest(i));
    let callsSeenBetween = -1;
    const flushed = buffer.flush();
    setImmediate(() => (callsSeenBetween = store.calls));
    await flushed;
    expect(store.calls).toBeGreaterThan(1);
    expect(callsSeenBetween).toBeGreaterThan(0);
    expect(callsSeenBetween).toBeLessThan(store.calls);
    expect(store.size).toBe(1_000);
  });

  test('when pending bytes pass half of the bound, then a flush starts without waiting for the interval', async () => {
    const store = new CountingStore();
    const buffer = new SketchBuffer({ store, logger: silent, intervalMs: 0, maxPendingBytes: 1 * MiB });
    let i = 0;
    while (buffer.stats.earlyFlushes === 0) buffer.add(cellKey(i), digest(i++));
    await buffer.flush();
    expect(store.size).toBe(i);
    expect(i).toBeGreaterThan(100);
  });

  test('when the store is down and pending sketches reach the bound, then further adds are refused and memory stays under it', async () => {
    const buffer = new SketchBuffer({ store: new FailingStore(), logger: silent, intervalMs: 0, maxPendingBytes: 1 * MiB });
    let refused = 0;
    let most = 0;
    for (let i = 0; i < 20_000; i++) {
      if (!buffer.add(cellKey(i), digest(i))) refused++;
      most = Math.max(most, buffer.bytes);
      if (i % 5_000 === 0) await buffer.flush();
    }
    expect(refused).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(1 * MiB + 1024);
  });

  test('when a failed flush would keep more than maxPending sketches, then its batch is dropped, not kept', async () => {
    const buffer = new SketchBuffer({ store: new FailingStore(), logger: silent, intervalMs: 0, maxPendingBytes: 64 * MiB, maxPending: 10 });
    for (let i = 0; i < 20; i++) buffer.add(cellKey(i), digest(i));
    await buffer.flush();
    expect(buffer.size).toBe(0);
    expect(buffer.stats.droppedSketches).toBe(20);
  });
});

describe('event.target_version', () => {
  test('when an update failure names its target version, then it is validated like version and stays out of the groupHash', () => {
    const plain = reportBody();
    const targeted = parseReportInput({ ...plain, event: { ...plain.event, target_version: '2.0.0' } });
    expect(targeted.event.target_version).toBe('2.0.0');
    expect(groupHash(dimensionsOf(targeted))).toBe(groupHash(dimensionsOf(plain)));
    expect(() => parseReportInput({ ...plain, event: { ...plain.event, target_version: 'v2 beta' } })).toThrow('event.target_version must look like 1.4.2 or 1.4.2-beta.1');
  });
});
