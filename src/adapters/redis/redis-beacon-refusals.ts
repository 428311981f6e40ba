import { bucketStart, cellFromId, cellId } from '../../domain/rollout-cell';
import type { BeaconRefusalStore, RefusalCount, RefusalQuery, RefusalReason, RefusalTotal, UnmatchedCount, UnmatchedReason } from '../../ports/beacon-refusals';
import type { SketchGranularity } from '../../ports/device-sketches';
import type { RedisConnection } from './redis-client';
import type { SketchRetention } from './redis-device-sketches';

export const REFUSAL_KEY_PREFIX = 'tt:refused:';
const BUCKET_MS = { hour: 3_600_000, day: 86_400_000 } as const;
const DAY_MS = 86_400_000;

// KEYS: one bucket's hash of counts. ARGV: its expiry (epoch ms), then field, count pairs.
const ADD_SCRIPT = `
for i = 2, #ARGV, 2 do redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('PEXPIREAT', KEYS[1], ARGV[1])
return 1
`;

// KEYS: one hour's sorted set of unmatched names. ARGV: its expiry, how many to keep, then member, count pairs.
const UNMATCHED_SCRIPT = `
for i = 3, #ARGV, 2 do redis.call('ZINCRBY', KEYS[1], ARGV[i + 1], ARGV[i]) end
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(tonumber(ARGV[2]) + 1))
redis.call('PEXPIREAT', KEYS[1], ARGV[1])
return 1
`;

type Scripted = Record<string, (...args: unknown[]) => unknown>;

/**
 * One hash per (app, granularity, bucket), fields `<reason>|<cell id>` ('' for no cell), and one
 * sorted set per hour of unmatched names: each written by a script that also sets its PEXPIREAT, so
 * no key is ever without a TTL. App keys carry the `{app id}` hash tag, unmatched ones `{unmatched}`,
 * so every pipeline below stays in one Redis Cluster slot.
 */
export class RedisBeaconRefusalStore implements BeaconRefusalStore {
  constructor(
    private readonly redis: RedisConnection,
    private readonly retention: SketchRetention,
  ) {
    redis.defineCommand('ttRefusalAdd', { numberOfKeys: 1, lua: ADD_SCRIPT });
    redis.defineCommand('ttUnmatchedAdd', { numberOfKeys: 1, lua: UNMATCHED_SCRIPT });
  }

  async add(counts: RefusalCount[]): Promise<void> {
    const byApp = new Map<string, Map<string, { expiresAt: number; args: Array<string | number> }>>();
    for (const c of counts) {
      const key = refusalKey(c.appId, c.granularity, c.bucket);
      const ofApp = byApp.get(c.appId) ?? byApp.set(c.appId, new Map()).get(c.appId)!;
      let call = ofApp.get(key);
      if (!call) ofApp.set(key, (call = { expiresAt: c.bucket.getTime() + BUCKET_MS[c.granularity] + this.retentionMs(c.granularity), args: [] }));
      call.args.push(`${c.reason}|${c.cell ? cellId(c.cell) : ''}`, c.count);
    }
    await Promise.all(
      [...byApp.values()].map(async (calls) => {
        const pipeline = this.redis.pipeline();
        for (const [key, call] of calls) (pipeline as unknown as Scripted).ttRefusalAdd!(key, call.expiresAt, ...call.args);
        await execOrThrow(pipeline);
      }),
    );
  }

  async totals(query: RefusalQuery): Promise<RefusalTotal[]> {
    const pipeline = this.redis.pipeline();
    const step = BUCKET_MS[query.granularity];
    for (let at = bucketStart(query.from, query.granularity).getTime(); at < query.to.getTime(); at += step) {
      if (at >= query.from.getTime()) pipeline.hgetall(refusalKey(query.appId, query.granularity, new Date(at)));
    }
    const sums = new Map<string, RefusalTotal>();
    for (const hash of (await execOrThrow(pipeline)) as Array<Record<string, string>>) {
      for (const [field, value] of Object.entries(hash)) {
        const total = sums.get(field);
        if (total) total.count += Number(value);
        else sums.set(field, totalOf(field, Number(value)));
      }
    }
    return [...sums.values()];
  }

  async addUnmatched(hour: Date, counts: UnmatchedCount[], keep: number): Promise<void> {
    if (counts.length === 0) return;
    const args = counts.flatMap((c) => [JSON.stringify([c.reason, c.owner, c.appName]), c.count]);
    const expiresAt = hour.getTime() + BUCKET_MS.hour + this.retentionMs('hour');
    await (this.redis as unknown as Scripted).ttUnmatchedAdd!(unmatchedKey(hour.getTime()), expiresAt, keep, ...args);
  }

  async unmatched(from: Date, to: Date): Promise<UnmatchedCount[]> {
    const pipeline = this.redis.pipeline();
    for (let at = bucketStart(from, 'hour').getTime(); at < to.getTime(); at += BUCKET_MS.hour) {
      if (at >= from.getTime()) pipeline.zrange(unmatchedKey(at), '0', '-1', 'WITHSCORES');
    }
    const sums = new Map<string, UnmatchedCount>();
    for (const pairs of (await execOrThrow(pipeline)) as string[][]) {
      for (let i = 0; i < pairs.length; i += 2) {
        const total = sums.get(pairs[i]!);
        if (total) total.count += Number(pairs[i + 1]);
        else {
          const [reason, owner, appName] = JSON.parse(pairs[i]!) as [UnmatchedReason, string, string];
          sums.set(pairs[i]!, { owner, appName, reason, count: Number(pairs[i + 1]) });
        }
      }
    }
    return [...sums.values()].sort((a, b) => b.count - a.count);
  }

  /** Every key expires by its PEXPIREAT. */
  async expire(): Promise<number> {
    return 0;
  }

  private retentionMs(granularity: SketchGranularity): number {
    return (granularity === 'hour' ? this.retention.hourlyDays : this.retention.dailyDays) * DAY_MS;
  }
}

export const refusalKey = (appId: string, granularity: SketchGranularity, bucket: Date) => `${REFUSAL_KEY_PREFIX}{${appId}}:${granularity}:${bucket.getTime()}`;
const unmatchedKey = (hour: number) => `${REFUSAL_KEY_PREFIX}{unmatched}:hour:${hour}`;

function totalOf(field: string, count: number): RefusalTotal {
  const bar = field.indexOf('|');
  const cell = field.slice(bar + 1);
  return { reason: field.slice(0, bar) as RefusalReason, cell: cell === '' ? null : cellFromId(cell), count };
}

async function execOrThrow(pipeline: ReturnType<RedisConnection['pipeline']>): Promise<unknown[]> {
  const results = (await pipeline.exec()) ?? [];
  const failed = results.find(([error]) => error);
  if (failed) throw failed[0];
  return results.map(([, value]) => value);
}
