import { createHash } from 'node:crypto';
import type { Lease } from '../../ports/lease';
import type { RedisConnection } from './redis-client';

// KEYS[1]: the lease. ARGV: holder, ttl (ms). SET NX takes a free lease (an expired one is gone,
// Redis expires it by its own clock); otherwise only the holder may extend it. Returns 1 when
// ARGV[1] holds the lease afterwards.
const ACQUIRE_SCRIPT = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
`;

// Deletes only the holder's own lease, never one taken over after it expired.
const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');
const SCRIPTS = { acquire: { source: ACQUIRE_SCRIPT, sha: sha1(ACQUIRE_SCRIPT) }, release: { source: RELEASE_SCRIPT, sha: sha1(RELEASE_SCRIPT) } };

export const LEASE_KEY_PREFIX = 'tt:lease:';

/** One key per lease, `tt:lease:<name>`: each script touches that one key, so any cluster slot will do. Expiry is Redis' own. */
export class RedisLease implements Lease {
  constructor(private readonly redis: RedisConnection) {}

  async tryAcquire(name: string, holder: string, ttlMs: number): Promise<boolean> {
    return (await this.run('acquire', name, [holder, Math.max(1, Math.ceil(ttlMs))])) === 1;
  }

  async release(name: string, holder: string): Promise<void> {
    await this.run('release', name, [holder]);
  }

  async holder(name: string): Promise<string | null> {
    return this.redis.get(leaseKey(name));
  }

  /** The client belongs to the composition, which closes it after every user is done. */
  async close(): Promise<void> {}

  private async run(script: keyof typeof SCRIPTS, name: string, args: Array<string | number>): Promise<unknown> {
    const { source, sha } = SCRIPTS[script];
    const key = leaseKey(name);
    try {
      return await this.redis.evalsha(sha, 1, key, ...args);
    } catch (error) {
      if (!String((error as Error).message).includes('NOSCRIPT')) throw error;
      return this.redis.eval(source, 1, key, ...args);
    }
  }
}

export const leaseKey = (name: string) => `${LEASE_KEY_PREFIX}${name}`;
