import { deviceDigester } from '../domain/hyperloglog';
import { bucketStart, utcDay, type RolloutCell } from '../domain/rollout-cell';
import type { DayKeyStore, SketchKind } from '../ports/device-sketches';
import type { CellCap } from './cell-cap';
import type { RefusalTally } from './refusal-tally';
import type { SketchBuffer } from './sketch-buffer';

/** What became of a device: counted, or refused because its app had no room for a new cell that day, or pending sketches were full. */
export type CountOutcome = 'counted' | 'cell_cap' | 'pending_cap';

/**
 * Adds a device to sketches of its cell, in the hour's and the day's bucket. The element is
 * HMAC-SHA256(K_day, app id ‖ device id) with the UTC day's shared key, fetched once per day per
 * process; neither the id nor the digest leaves this call except as register values. A cell over
 * the app's daily cap, or a full buffer, refuses the device, and the refusal is counted.
 */
export class DeviceCounter {
  private readonly dayKeys = new Map<string, Promise<Uint8Array>>();
  /** The latest day's digest function (its key padded once) and bounds, so a beacon needs no date formatting or await. */
  private today: { start: number; end: number; digest: (appId: string, deviceId: string) => Buffer } | null = null;

  /** The current hour's buckets, shared by its beacons (sketch keys only read them). */
  private hour: { start: number; hour: Date; day: Date } = { start: Number.NaN, hour: new Date(0), day: new Date(0) };

  constructor(
    private readonly deps: { buffer: SketchBuffer; keys: DayKeyStore; randomBytes: (n: number) => Uint8Array; cap: CellCap; refusals: RefusalTally },
  ) {}

  async count(appId: string, cell: RolloutCell, deviceId: string, kinds: readonly SketchKind[], at: Date): Promise<CountOutcome> {
    if (kinds.length === 0) return 'counted';
    const ms = at.getTime();
    const buckets = ms >= this.hour.start && ms < this.hour.start + 3_600_000 ? this.hour : (this.hour = this.bucketsOf(at));
    const { hour, day } = buckets;
    const admitted = this.deps.cap.admit(appId, cell, day);
    if (!(admitted === true || (admitted !== false && (await admitted)))) {
      this.deps.refusals.refused(appId, null, at, 'cell_cap');
      return 'cell_cap';
    }
    if (this.deps.buffer.full) {
      this.deps.refusals.refused(appId, cell, at, 'pending_cap');
      return 'pending_cap';
    }
    const today = this.today;
    const digester = today !== null && ms >= today.start && ms < today.end ? today.digest : await this.fetchDayKey(at);
    const digest = digester(appId, deviceId);
    for (const kind of kinds) {
      this.deps.buffer.add({ appId, cell, granularity: 'hour', bucket: hour, kind }, digest);
      this.deps.buffer.add({ appId, cell, granularity: 'day', bucket: day, kind }, digest);
    }
    return 'counted';
  }

  private bucketsOf(at: Date): { start: number; hour: Date; day: Date } {
    const hour = bucketStart(at, 'hour');
    return { start: hour.getTime(), hour, day: bucketStart(at, 'day') };
  }

  /** The digest function of `at`'s day; the latest day's is kept for the next beacons. */
  private async fetchDayKey(at: Date): Promise<(appId: string, deviceId: string) => Buffer> {
    const digest = deviceDigester(await this.dayKey(utcDay(at)));
    const start = bucketStart(at, 'day').getTime();
    if (this.today === null || start >= this.today.start) this.today = { start, end: start + 86_400_000, digest };
    return digest;
  }

  private dayKey(day: string): Promise<Uint8Array> {
    let key = this.dayKeys.get(day);
    if (!key) {
      key = this.deps.keys.keyFor(day, this.deps.randomBytes(32));
      // A failed lookup is retried by the next device rather than cached.
      key.catch(() => this.dayKeys.delete(day));
      this.dayKeys.set(day, key);
      // Batched beacons reach back two days; older keys are deleted in the store anyway.
      if (this.dayKeys.size > 4) this.dayKeys.delete([...this.dayKeys.keys()].sort()[0]!);
    }
    return key;
  }
}
