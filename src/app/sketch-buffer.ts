import { addDigest, emptyRegisters, mergeRegisters } from '../domain/hyperloglog';
import { sketchKeyId } from '../domain/rollout-cell';
import type { DeviceSketchStore, SketchEntry, SketchKey } from '../ports/device-sketches';
import type { Logger } from '../ports/logger';

/**
 * Coalesces sketch writes: digests are added to registers in process, one pending sketch per key,
 * and every key changed since the last flush is merged into the store in one call each interval and
 * at shutdown. Beacons are statistical, so a crash may lose at most one interval of them; the
 * digests themselves only ever live here, inside registers, never in the store.
 */
export class SketchBuffer {
  private pending = new Map<string, SketchEntry>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();
  /** Store calls made and sketches written, for benchmarks counting storage operations. */
  readonly stats = { flushes: 0, sketchesWritten: 0, failedFlushes: 0 };

  constructor(private readonly deps: { store: DeviceSketchStore; logger: Logger; intervalMs: number; maxPending?: number }) {}

  add(key: SketchKey, digest: Uint8Array): void {
    const id = sketchKeyId(key);
    let entry = this.pending.get(id);
    if (!entry) {
      entry = { key, registers: emptyRegisters() };
      this.pending.set(id, entry);
    }
    addDigest(entry.registers, digest);
  }

  get size(): number {
    return this.pending.size;
  }

  start(): void {
    if (this.timer || this.deps.intervalMs <= 0) return;
    this.timer = setInterval(() => void this.flush(), this.deps.intervalMs);
    this.timer.unref();
  }

  /** Writes every pending sketch; flushes never overlap, a second call waits for the first. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.write());
    return this.flushing;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }

  private async write(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    const entries = [...batch.values()];
    try {
      this.stats.flushes++;
      await this.deps.store.merge(entries);
      this.stats.sketchesWritten += entries.length;
    } catch (error) {
      this.stats.failedFlushes++;
      this.deps.logger.warn({ err: { message: (error as Error).message }, sketches: entries.length }, 'sketch flush failed; retrying with the next one');
      // Merged back (a union loses nothing), bounded so an outage can't grow the process without limit.
      if (this.pending.size + batch.size > (this.deps.maxPending ?? 50_000)) return;
      for (const [id, entry] of batch) {
        const newer = this.pending.get(id);
        if (newer) mergeRegisters(newer.registers, entry.registers);
        else this.pending.set(id, entry);
      }
    }
  }
}
