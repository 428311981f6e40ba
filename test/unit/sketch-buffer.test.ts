import pino from 'pino';
import { MemoryDeviceSketchStore } from '../../src/adapters/memory/memory-device-sketches';
import { SketchBuffer } from '../../src/app/sketch-buffer';
import { addDigest, deviceDigest, emptyRegisters, estimateCardinality } from '../../src/domain/hyperloglog';
import { groupHash } from '../../src/domain/group-hash';
import { dimensionsOf } from '../../src/domain/report';
import { parseReportInput } from '../../src/domain/report-validation';
import type { SketchEntry, SketchKey } from '../../src/ports/device-sketches';
import { reportBody } from '../fixtures/reports';

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

const read = (store: MemoryDeviceSketchStore) => store.read({ appId: 'app-1', granularity: 'hour', from: new Date(0), to: new Date('2100-01-01') });

describe('SketchBuffer', () => {
  test('when 10,000 devices are added between flushes, then one store call writes each changed sketch once', async () => {
    const store = new CountingStore();
    const buffer = new SketchBuffer({ store, logger: pino({ level: 'silent' }), intervalMs: 0 });
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
    const buffer = new SketchBuffer({ store, logger: pino({ level: 'silent' }), intervalMs: 0 });
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
