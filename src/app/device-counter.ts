import { deviceDigest } from '../domain/hyperloglog';
import { bucketStart, utcDay, type RolloutCell } from '../domain/rollout-cell';
import type { DayKeyStore, SketchKind } from '../ports/device-sketches';
import type { SketchBuffer } from './sketch-buffer';

/**
 * Adds a device to sketches of its cell, in the hour's and the day's bucket. The element is
 * HMAC-SHA256(K_day, app id ‖ device id) with the UTC day's shared key, fetched once per day per
 * process; neither the id nor the digest leaves this call except as register values.
 */
export class DeviceCounter {
  private readonly dayKeys = new Map<string, Promise<Uint8Array>>();

  constructor(private readonly deps: { buffer: SketchBuffer; keys: DayKeyStore; randomBytes: (n: number) => Uint8Array }) {}

  async count(appId: string, cell: RolloutCell, deviceId: string, kinds: readonly SketchKind[], at: Date): Promise<void> {
    if (kinds.length === 0) return;
    const digest = deviceDigest(await this.dayKey(utcDay(at)), appId, deviceId);
    const hour = bucketStart(at, 'hour');
    const day = bucketStart(at, 'day');
    for (const kind of kinds) {
      this.deps.buffer.add({ appId, cell, granularity: 'hour', bucket: hour, kind }, digest);
      this.deps.buffer.add({ appId, cell, granularity: 'day', bucket: day, kind }, digest);
    }
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
