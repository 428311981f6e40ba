import { createHash } from 'node:crypto';
import type { LimitRule, LimitVerdict, RateLimiter } from '../../ports/rate-limiter';
import type { RedisConnection } from './redis-client';

// KEYS: one counter per rule. ARGV: limit and window (ms) per rule, then 'consume' or 'peek'.
// Checking every rule before touching any keeps a refusal from spending the others' budgets, and
// running it as one script makes check-and-spend atomic. PEXPIRE goes with the INCR that creates
// the key, so no counter ever lives without a TTL; a key found without one is given one.
// Returns {0, 0} when allowed, else {index of the refusing rule (1-based), its PTTL}.
const CONSUME_SCRIPT = `
local n = #KEYS
for i = 1, n do
  local limit = tonumber(ARGV[2 * i - 1])
  local window = tonumber(ARGV[2 * i])
  local count = tonumber(redis.call('GET', KEYS[i]) or '0')
  if count >= limit then
    local ttl = redis.call('PTTL', KEYS[i])
    if ttl == -1 then
      redis.call('PEXPIRE', KEYS[i], window)
      ttl = window
    elseif ttl < 0 then
      ttl = window
    end
    return {i, ttl}
  end
end
if ARGV[2 * n + 1] == 'consume' then
  for i = 1, n do
    if redis.call('INCR', KEYS[i]) == 1 then
      redis.call('PEXPIRE', KEYS[i], ARGV[2 * i])
    end
  end
end
return {0, 0}
`;

const SCRIPT_SHA = createHash('sha1').update(CONSUME_SCRIPT).digest('hex');
export const RATE_LIMIT_KEY_PREFIX = 'tt:rl:';

/**
 * Fixed windows that start at a key's first hit, like MemoryRateLimiter, shared by every instance
 * on the same Redis or Redis Cluster. One round trip per call (two only when the node lost the
 * script cache). Errors propagate: FailOpenRateLimiter decides what a failure means.
 */
export class RedisRateLimiter implements RateLimiter {
  /** Commands sent to Redis, so tests and benchmarks can check the round-trip budget. */
  roundTrips = 0;

  constructor(private readonly redis: RedisConnection) {}

  peek(rule: LimitRule): Promise<LimitVerdict> {
    return this.run([rule], 'peek');
  }

  consume(rules: LimitRule[]): Promise<LimitVerdict> {
    return this.run(rules, 'consume');
  }

  /** The client belongs to the composition, which closes it after every user is done. */
  async close(): Promise<void> {}

  private async run(rules: LimitRule[], mode: 'peek' | 'consume'): Promise<LimitVerdict> {
    if (rules.length === 0) return { allowed: true };
    // A mix would work on one Redis and fail with CROSSSLOT on a cluster; refuse it everywhere.
    const tag = hashTag(rules[0]!);
    if (rules.some((rule) => hashTag(rule) !== tag)) throw new Error(`rate limit rules of one call must share a partition: ${rules.map((r) => r.scope).join(', ')}`);
    const keys = rules.map(rateLimitKey);
    const args = rules.flatMap((rule) => [rule.limit, rule.windowSeconds * 1000]);
    const [index, pttl] = (await this.evaluate(keys, [...args, mode])) as [number, number];
    if (index === 0) return { allowed: true };
    const rule = rules[index - 1]!;
    return { allowed: false, scope: rule.scope, retryAfterSeconds: Math.max(1, Math.ceil(pttl / 1000)) };
  }

  private async evaluate(keys: string[], args: Array<string | number>): Promise<unknown> {
    this.roundTrips++;
    try {
      return await this.redis.evalsha(SCRIPT_SHA, keys.length, ...keys, ...args);
    } catch (error) {
      if (!String((error as Error).message).includes('NOSCRIPT')) throw error;
      this.roundTrips++;
      return this.redis.eval(CONSUME_SCRIPT, keys.length, ...keys, ...args);
    }
  }
}

// Braces would end or nest the hash tag, so they are replaced inside it; scope and key after the
// tag still make the key unique.
const hashTag = (rule: LimitRule) => (rule.partition ?? `${rule.scope}:${rule.key}`).replace(/[{}]/g, '_');

/** `tt:rl:{<partition>}:<scope>:<key>`: Redis Cluster hashes only the part in braces, so one call's keys share a slot. */
export const rateLimitKey = (rule: LimitRule) => `${RATE_LIMIT_KEY_PREFIX}{${hashTag(rule)}}:${rule.scope}:${rule.key}`;
