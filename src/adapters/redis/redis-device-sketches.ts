import { randomBytes } from 'node:crypto';
import type { RedisConnection } from './redis-client';
import { cellFromId, cellId, cellMatches, type RolloutCell } from '../../domain/rollout-cell';
import { SKETCH_PAGE_SIZE, type DayKeyStore, type DeviceSketchStore, type SketchEntry, type SketchGranularity, type SketchKey, type SketchKind, type SketchQuery } from '../../ports/device-sketches';
import { fromRedisHll, toRedisHll } from './redis-hll-format';

export const SKETCH_KEY_PREFIX = 'tt:hll:';
const DAY_KEY_PREFIX = 'tt:hll-daykey:';
const BUCKET_MS = { hour: 3_600_000, day: 86_400_000 } as const;
const DAY_MS = 86_400_000;

export interface SketchRetention {
  hourlyDays: number;
  dailyDays: number;
}

// KEYS: the sketch, a scratch key, the app's index of sketches at this granularity. ARGV: our
// registers as a Redis HyperLogLog, the sketch's expiry (epoch ms), its bucket (the index score),
// its index member, the oldest bucket still kept. PFMERGE takes the union with what is stored
// (register-wise max, Redis's own code); the scratch key never outlives the script.
const MERGE_SCRIPT = `
redis.call('SET', KEYS[2], ARGV[1], 'PX', 60000)
redis.call('PFMERGE', KEYS[1], KEYS[2])
redis.call('DEL', KEYS[2])
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. ARGV[5])
if redis.call('PEXPIRETIME', KEYS[3]) < tonumber(ARGV[2]) then redis.call('PEXPIREAT', KEYS[3], ARGV[2]) end
return 1
`;

/**
 * Sketches as native Redis HyperLogLogs, one key per (app, granularity, bucket, kind, cell), each
 * with PEXPIREAT at the end of its retention. Every key of an app carries the `{app id}` hash tag,
 * so the merge script's keys, and a read's MGET, stay in one Redis Cluster slot. A per-app sorted
 * set indexes the buckets, so reads never SCAN the keyspace.
 */
export class RedisDeviceSketchStore implements DeviceSketchStore {
  /** Commands sent (scripts and reads), for benchmarks counting storage operations per beacon. */
  operations = 0;

  constructor(
    private readonly redis: RedisConnection,
    private readonly retention: SketchRetention,
    private readonly now: () => Date = () => new Date(),
  ) {
    redis.defineCommand('ttSketchMerge', { numberOfKeys: 3, lua: MERGE_SCRIPT });
  }

  async merge(entries: SketchEntry[]): Promise<void> {
    if (entries.length === 0) return;
    // One pipeline per app: a Redis Cluster pipeline must stay on one node, and an app's keys share a slot.
    const byApp = new Map<string, SketchEntry[]>();
    for (const entry of entries) byApp.set(entry.key.appId, [...(byApp.get(entry.key.appId) ?? []), entry]);
    await Promise.all([...byApp.values()].map((appEntries) => this.mergeOneApp(appEntries)));
  }

  private async mergeOneApp(entries: SketchEntry[]): Promise<void> {
    const pipeline = this.redis.pipeline();
    const now = this.now().getTime();
    for (const { key, registers } of entries) {
      const kept = now - this.retentionMs(key.granularity) - BUCKET_MS[key.granularity];
      (pipeline as unknown as Record<string, (...args: unknown[]) => unknown>).ttSketchMerge!(
        sketchKey(key),
        `${SKETCH_KEY_PREFIX}{${key.appId}}:scratch:${randomBytes(6).toString('hex')}`,
        indexKey(key.appId, key.granularity),
        toRedisHll(registers),
        key.bucket.getTime() + BUCKET_MS[key.granularity] + this.retentionMs(key.granularity),
        key.bucket.getTime(),
        indexMember(key),
        kept,
      );
    }
    this.operations += entries.length;
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([error]) => error);
    if (failed) throw failed[0];
  }

  async *readPages(query: SketchQuery, pageSize = SKETCH_PAGE_SIZE): AsyncIterable<SketchEntry[]> {
    this.operations++;
    const members = await this.redis.zrangebyscore(indexKey(query.appId, query.granularity), query.from.getTime(), `(${query.to.getTime()}`);
    const keys: SketchKey[] = [];
    for (const member of members) {
      const key = parseMember(query.appId, query.granularity, member);
      if (query.kinds && !query.kinds.includes(key.kind)) continue;
      if (!cellMatches(key.cell, query.cell)) continue;
      keys.push(key);
    }
    for (let at = 0; at < keys.length; at += pageSize) {
      const chunk = keys.slice(at, at + pageSize);
      this.operations++;
      const values = await this.redis.mgetBuffer(...chunk.map(sketchKey));
      const page: SketchEntry[] = [];
      chunk.forEach((key, i) => {
        const value = values[i];
        if (value) page.push({ key, registers: fromRedisHll(value) });
      });
      if (page.length > 0) yield page;
    }
  }

  /** From the day index alone: no sketch is read. */
  async cellsIn(appId: string, day: Date): Promise<RolloutCell[]> {
    this.operations++;
    const members = await this.redis.zrangebyscore(indexKey(appId, 'day'), day.getTime(), day.getTime());
    const cells = new Map<string, RolloutCell>();
    for (const member of members) {
      const { cell } = parseMember(appId, 'day', member);
      cells.set(cellId(cell), cell);
    }
    return [...cells.values()];
  }

  /** PEXPIREAT removes sketches; the merge script trims the indexes. */
  async expire(): Promise<number> {
    return 0;
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  /** The client belongs to the composition. */
  async close(): Promise<void> {}

  private retentionMs(granularity: SketchGranularity): number {
    return (granularity === 'hour' ? this.retention.hourlyDays : this.retention.dailyDays) * DAY_MS;
  }
}

/** SET NX with an expiry at the end of the second day after: the first instance's key wins everywhere. */
export class RedisDayKeyStore implements DayKeyStore {
  constructor(private readonly redis: RedisConnection) {}

  async keyFor(day: string, candidate: Uint8Array): Promise<Uint8Array> {
    const key = `${DAY_KEY_PREFIX}${day}`;
    const dayStart = Date.parse(`${day.slice(0, 10)}T00:00:00.000Z`);
    const expiresAt = Number.isNaN(dayStart) ? Date.now() + 3 * DAY_MS : dayStart + 3 * DAY_MS;
    await this.redis.set(key, Buffer.from(candidate), 'PXAT', Math.max(expiresAt, Date.now() + 60_000), 'NX');
    const stored = await this.redis.getBuffer(key);
    return new Uint8Array(stored ?? candidate);
  }

  /** Keys expire by themselves; this removes the week before `day` at once, for a sweeper that asks. */
  async deleteBefore(day: string): Promise<number> {
    const start = Date.parse(`${day}T00:00:00.000Z`);
    if (Number.isNaN(start)) return 0;
    const days = Array.from({ length: 7 }, (_, i) => new Date(start - (i + 1) * DAY_MS).toISOString().slice(0, 10));
    // One DEL per key: the day keys carry no common hash tag, so one multi-key DEL would be CROSSSLOT on a cluster.
    const deleted = await Promise.all(days.map((d) => this.redis.del(`${DAY_KEY_PREFIX}${d}`)));
    return deleted.reduce((sum, n) => sum + n, 0);
  }
}

export const sketchKey = (key: SketchKey) => `${SKETCH_KEY_PREFIX}{${key.appId}}:${key.granularity}:${indexMember(key)}`;
const indexKey = (appId: string, granularity: SketchGranularity) => `${SKETCH_KEY_PREFIX}{${appId}}:index:${granularity}`;
const indexMember = (key: SketchKey) => `${key.bucket.getTime()}:${key.kind}:${cellId(key.cell)}`;

function parseMember(appId: string, granularity: SketchGranularity, member: string): SketchKey {
  const first = member.indexOf(':');
  const last = member.lastIndexOf(':');
  return {
    appId,
    granularity,
    bucket: new Date(Number(member.slice(0, first))),
    kind: member.slice(first + 1, last) as SketchKind,
    cell: cellFromId(member.slice(last + 1)),
  };
}
