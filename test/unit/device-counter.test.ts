import pino from 'pino';
import { MemoryBeaconRefusalStore } from '../../src/adapters/memory/memory-beacon-refusals';
import { MemoryDayKeyStore, MemoryDeviceSketchStore } from '../../src/adapters/memory/memory-device-sketches';
import { MemoryMetrics } from '../../src/adapters/memory/memory-metrics';
import { ManualClock } from '../fixtures/clock';
import { CellCap } from '../../src/app/cell-cap';
import { DeviceCounter } from '../../src/app/device-counter';
import { RefusalTally } from '../../src/app/refusal-tally';
import { SketchBuffer } from '../../src/app/sketch-buffer';

const AT = new Date('2026-03-01T10:20:00.000Z');
const cell = (i: number) => ({ version: `1.${i}.0`, channel: 'stable', platform: 'linux', arch: 'x64' });

/** A store whose writes never finish: pending sketches can only grow. */
class StuckStore extends MemoryDeviceSketchStore {
  override merge(): Promise<void> {
    return new Promise(() => undefined);
  }
}

function counterOn(store: MemoryDeviceSketchStore, maxPendingBytes: number, maxCellsPerDay: number) {
  const logger = pino({ level: 'silent' });
  const refusalStore = new MemoryBeaconRefusalStore();
  const refusals = new RefusalTally({ store: refusalStore, metrics: new MemoryMetrics(), logger, unmatchedKept: 10 });
  const buffer = new SketchBuffer({ store, logger, intervalMs: 0, maxPendingBytes });
  const cap = new CellCap({ store, clock: new ManualClock(AT), logger, maxCellsPerDay });
  const counter = new DeviceCounter({ buffer, keys: new MemoryDayKeyStore(), randomBytes: () => new Uint8Array(32), cap, refusals });
  return { counter, buffer, refusals, refusalStore };
}

describe('DeviceCounter', () => {
  test('when pending sketches reach ROLLOUT_MAX_PENDING_BYTES, then further devices are refused as pending_cap, counted against their cell', async () => {
    const { counter, buffer, refusals, refusalStore } = counterOn(new StuckStore(), 1024 * 1024, 1_000_000);
    const outcomes: string[] = [];
    for (let i = 0; i < 5_000; i++) outcomes.push(await counter.count('app', cell(i), `d${i}`, ['active', 'arrivals', 'first_runs'], AT));
    const refused = outcomes.indexOf('pending_cap');
    expect(refused).toBeGreaterThan(100);
    expect(outcomes.slice(refused).every((o) => o === 'pending_cap')).toBe(true);
    expect(buffer.bytes).toBeLessThanOrEqual(1024 * 1024 + 8 * 1024);
    await refusals.flush();
    const totals = await refusalStore.totals({ appId: 'app', granularity: 'day', from: new Date('2026-03-01'), to: new Date('2026-03-02') });
    expect(totals.reduce((sum, t) => sum + t.count, 0)).toBe(5_000 - refused);
    expect(totals.every((t) => t.reason === 'pending_cap' && t.cell !== null)).toBe(true);
  });

  test('when a cell is over the daily cap, then the device is refused as cell_cap and nothing is added to the sketches', async () => {
    const { counter, buffer } = counterOn(new MemoryDeviceSketchStore(), 64 * 1024 * 1024, 2);
    expect(await counter.count('app', cell(1), 'a', ['active'], AT)).toBe('counted');
    expect(await counter.count('app', cell(2), 'b', ['active'], AT)).toBe('counted');
    const before = buffer.size;
    expect(await counter.count('app', cell(3), 'c', ['active'], AT)).toBe('cell_cap');
    expect(buffer.size).toBe(before);
  });
});
