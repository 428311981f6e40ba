import { emptyRegisters, mergeRegisters } from '../../domain/hyperloglog';
import { cellId, cellMatches, sketchKeyId, type RolloutCell } from '../../domain/rollout-cell';
import { SKETCH_PAGE_SIZE, type DayKeyStore, type DeviceSketchStore, type SketchEntry, type SketchGranularity, type SketchKey, type SketchQuery } from '../../ports/device-sketches';

export class MemoryDeviceSketchStore implements DeviceSketchStore {
  private readonly sketches = new Map<string, SketchEntry>();

  async merge(entries: SketchEntry[]): Promise<void> {
    for (const entry of entries) {
      const id = sketchKeyId(entry.key);
      const stored = this.sketches.get(id);
      if (stored) mergeRegisters(stored.registers, entry.registers);
      else this.sketches.set(id, { key: copyKey(entry.key), registers: mergeRegisters(emptyRegisters(), entry.registers) });
    }
  }

  async *readPages(query: SketchQuery, pageSize = SKETCH_PAGE_SIZE): AsyncIterable<SketchEntry[]> {
    let page: SketchEntry[] = [];
    for (const { key, registers } of [...this.sketches.values()]) {
      if (key.appId !== query.appId || key.granularity !== query.granularity) continue;
      if (key.bucket < query.from || key.bucket >= query.to) continue;
      if (query.kinds && !query.kinds.includes(key.kind)) continue;
      if (!cellMatches(key.cell, query.cell)) continue;
      page.push({ key: copyKey(key), registers: Uint8Array.from(registers) });
      if (page.length >= pageSize) {
        yield page;
        page = [];
      }
    }
    if (page.length > 0) yield page;
  }

  async cellsIn(appId: string, day: Date): Promise<RolloutCell[]> {
    const cells = new Map<string, RolloutCell>();
    for (const { key } of this.sketches.values()) {
      if (key.appId === appId && key.granularity === 'day' && key.bucket.getTime() === day.getTime()) cells.set(cellId(key.cell), { ...key.cell });
    }
    return [...cells.values()];
  }

  async expire(granularity: SketchGranularity, before: Date): Promise<number> {
    let removed = 0;
    for (const [id, { key }] of this.sketches) {
      if (key.granularity === granularity && key.bucket < before) {
        this.sketches.delete(id);
        removed++;
      }
    }
    return removed;
  }

  /** How many sketches are held (tests and benches). */
  get size(): number {
    return this.sketches.size;
  }

  async ping(): Promise<void> {}
  async close(): Promise<void> {}
}

export class MemoryDayKeyStore implements DayKeyStore {
  private readonly keys = new Map<string, Uint8Array>();

  async keyFor(day: string, candidate: Uint8Array): Promise<Uint8Array> {
    const existing = this.keys.get(day);
    if (existing) return existing;
    this.keys.set(day, Uint8Array.from(candidate));
    return this.keys.get(day)!;
  }

  async deleteBefore(day: string): Promise<number> {
    let removed = 0;
    for (const stored of [...this.keys.keys()]) {
      if (stored < day) {
        this.keys.delete(stored);
        removed++;
      }
    }
    return removed;
  }
}

function copyKey(key: SketchKey): SketchKey {
  return { ...key, cell: { ...key.cell }, bucket: new Date(key.bucket) };
}
