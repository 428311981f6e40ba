import pino from 'pino';
import { MemoryDeviceSketchStore } from '../../src/adapters/memory/memory-device-sketches';
import { ManualClock } from '../fixtures/clock';
import { CellCap } from '../../src/app/cell-cap';
import type { RolloutCell } from '../../src/ports/device-sketches';
import { sketchOf } from '../contract/device-sketches.contract';

const DAY = new Date('2026-03-01T00:00:00.000Z');
const NEXT_DAY = new Date('2026-03-02T00:00:00.000Z');
const cell = (version: string): RolloutCell => ({ version, channel: 'stable', platform: 'linux', arch: 'x64' });

class CountingStore extends MemoryDeviceSketchStore {
  reads = 0;
  failing = false;
  override async cellsIn(appId: string, day: Date): Promise<RolloutCell[]> {
    this.reads++;
    if (this.failing) throw new Error('store down');
    return super.cellsIn(appId, day);
  }
}

async function withCells(store: MemoryDeviceSketchStore, appId: string, versions: string[], day = DAY): Promise<void> {
  await store.merge(versions.map((v) => ({ key: { appId, cell: cell(v), granularity: 'day' as const, bucket: day, kind: 'active' as const }, registers: sketchOf(['d']) })));
}

describe('CellCap', () => {
  let store: CountingStore;
  let clock: ManualClock;
  let cap: CellCap;
  beforeEach(() => {
    store = new CountingStore();
    clock = new ManualClock(new Date('2026-03-01T12:00:00.000Z'));
    cap = new CellCap({ store, clock, logger: pino({ level: 'silent' }), maxCellsPerDay: 3 });
  });

  test('when an app has room, then new cells are admitted until the cap, and only known ones after', async () => {
    for (const v of ['1', '2', '3']) expect(await cap.admit('app', cell(v), DAY)).toBe(true);
    expect(await cap.admit('app', cell('4'), DAY)).toBe(false);
    expect(await cap.admit('app', cell('2'), DAY)).toBe(true);
    expect(cap.knows('app', cell('2'), DAY)).toBe(true);
    expect(cap.knows('app', cell('4'), DAY)).toBe(false);
  });

  test('when the process restarts, then the day\'s cells are read from the store once and the cap still holds', async () => {
    await withCells(store, 'app', ['1', '2', '3']);
    expect(await cap.admit('app', cell('9'), DAY)).toBe(false);
    for (let i = 0; i < 100; i++) expect(await cap.admit('app', cell('1'), DAY)).toBe(true);
    expect(store.reads).toBe(1);
  });

  test('when the day is full, then the store is read again at most once a minute, so a cell another instance admitted is admitted here', async () => {
    for (const v of ['1', '2', '3']) await cap.admit('app', cell(v), DAY);
    await withCells(store, 'app', ['0']);
    for (let i = 0; i < 50; i++) expect(await cap.admit('app', cell('0'), DAY)).toBe(false);
    clock.advance(61_000);
    expect(await cap.admit('app', cell('0'), DAY)).toBe(true);
    expect(await cap.admit('app', cell('5'), DAY)).toBe(false);
    expect(store.reads).toBe(2);
  });

  test('when a new UTC day starts, or another app counts, then each has a cap of its own', async () => {
    for (const v of ['1', '2', '3']) await cap.admit('app', cell(v), DAY);
    expect(await cap.admit('app', cell('4'), NEXT_DAY)).toBe(true);
    expect(await cap.admit('other', cell('4'), DAY)).toBe(true);
  });

  test('when the store cannot be read, then the cap counts this instance\'s cells only, and tries the store again later', async () => {
    store.failing = true;
    for (const v of ['1', '2', '3']) expect(await cap.admit('app', cell(v), DAY)).toBe(true);
    expect(await cap.admit('app', cell('4'), DAY)).toBe(false);
    store.failing = false;
    await withCells(store, 'app', ['0']);
    clock.advance(6_000);
    expect(await cap.admit('app', cell('0'), DAY)).toBe(true);
  });
});
