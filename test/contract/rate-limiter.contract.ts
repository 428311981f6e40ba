import { randomBytes } from 'node:crypto';
import { ManualClock } from '../../src/adapters/memory/system-clock';
import type { LimitRule, RateLimiter } from '../../src/ports/rate-limiter';

export interface RateLimiterFixture {
  limiter: RateLimiter;
  cleanup(): Promise<void>;
  /** Moves the limiter's time forward (a manual clock; on Redis, the run's keys' TTLs). */
  advance(ms: number): Promise<void>;
}

export interface RateLimiterContractOptions {
  /** Two fixtures from `make` share one store (Redis), so they must share every limit. */
  sharedStore?: boolean;
  /** The remaining TTL (ms) of every counter key the store holds, checked after the other tests. */
  keyTtlsMs?(): Promise<number[]>;
}

export function rateLimiterContract(
  adapterName: string,
  /** `run` is part of every key the suite uses, so a fixture can find the keys of its own run. */
  make: (clock: ManualClock, run: string) => Promise<RateLimiterFixture>,
  opts: RateLimiterContractOptions = {},
): void {
  describe(`RateLimiter contract: ${adapterName}`, () => {
    const run = randomBytes(6).toString('hex');
    let n = 0;
    // One partition per run: the multi-rule calls below must share one (a Redis Cluster slot).
    const rule = (limit: number, windowSeconds = 60, scope = 'group'): LimitRule => ({
      scope,
      key: `contract-${run}-${n++}`,
      partition: `contract-${run}`,
      limit,
      windowSeconds,
    });

    let fixtures: RateLimiterFixture[] = [];
    const fixture = async (clock = new ManualClock()) => {
      const made = await make(clock, run);
      fixtures.push(made);
      return made;
    };
    afterEach(async () => {
      for (const f of fixtures) await f.cleanup();
      fixtures = [];
    });

    it('when 200 calls consume concurrently, then exactly the limit are allowed', async () => {
      const { limiter } = await fixture();
      const r = rule(37);
      const verdicts = await Promise.all(Array.from({ length: 200 }, () => limiter.consume([r])));
      expect(verdicts.filter((v) => v.allowed)).toHaveLength(37);
      expect(verdicts.find((v) => !v.allowed)).toEqual({ allowed: false, scope: 'group', retryAfterSeconds: expect.any(Number) });
    });

    it('when the window has passed, then the counter starts again', async () => {
      const { limiter, advance } = await fixture();
      const r = rule(2, 2);
      await limiter.consume([r]);
      await limiter.consume([r]);
      expect((await limiter.consume([r])).allowed).toBe(false);
      await advance(2_300);
      expect(await limiter.consume([r])).toEqual({ allowed: true });
      expect(await limiter.consume([r])).toEqual({ allowed: true });
      expect((await limiter.consume([r])).allowed).toBe(false);
    });

    it('when refused, then retryAfterSeconds is the whole seconds left in the window, at least 1', async () => {
      const { limiter, advance } = await fixture();
      const r = rule(1, 2, 'key');
      await limiter.consume([r]);
      expect(await limiter.consume([r])).toEqual({ allowed: false, scope: 'key', retryAfterSeconds: 2 });
      await advance(1_300);
      expect(await limiter.consume([r])).toEqual({ allowed: false, scope: 'key', retryAfterSeconds: 1 });
      expect(await limiter.peek(r)).toEqual({ allowed: false, scope: 'key', retryAfterSeconds: 1 });
    });

    it('when a long window is refused, then retryAfterSeconds stays within the window', async () => {
      const { limiter } = await fixture();
      const r = rule(1, 3600, 'device');
      await limiter.consume([r]);
      const verdict = await limiter.consume([r]);
      expect(verdict.allowed).toBe(false);
      if (!verdict.allowed) {
        expect(verdict.retryAfterSeconds).toBeGreaterThanOrEqual(3599);
        expect(verdict.retryAfterSeconds).toBeLessThanOrEqual(3600);
      }
    });

    it('when one rule of several refuses, then nothing is spent from the others and the first refusing scope is named', async () => {
      const { limiter } = await fixture();
      const key = rule(5, 60, 'key');
      const group = rule(1, 60, 'group');
      const device = rule(1, 3600, 'device');
      expect(await limiter.consume([key, group, device])).toEqual({ allowed: true });
      for (let i = 0; i < 3; i++) {
        expect(await limiter.consume([key, group, device])).toEqual({ allowed: false, scope: 'group', retryAfterSeconds: expect.any(Number) });
      }
      // Only the first call spent from `key`: four more fit.
      for (let i = 0; i < 4; i++) expect(await limiter.consume([key])).toEqual({ allowed: true });
      expect((await limiter.consume([key])).allowed).toBe(false);
    });

    it('when peeking, then nothing is spent', async () => {
      const { limiter } = await fixture();
      const r = rule(2);
      for (let i = 0; i < 10; i++) expect(await limiter.peek(r)).toEqual({ allowed: true });
      expect(await limiter.consume([r])).toEqual({ allowed: true });
      expect(await limiter.consume([r])).toEqual({ allowed: true });
      expect(await limiter.peek(r)).toEqual({ allowed: false, scope: 'group', retryAfterSeconds: expect.any(Number) });
    });

    it('when consuming no rules, then it is allowed', async () => {
      const { limiter } = await fixture();
      expect(await limiter.consume([])).toEqual({ allowed: true });
    });

    if (opts.sharedStore) {
      it('when two instances use the same store, then they share one limit', async () => {
        const a = await fixture();
        const b = await fixture();
        const r = rule(25);
        const verdicts = await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? a : b).limiter.consume([r])));
        expect(verdicts.filter((v) => v.allowed)).toHaveLength(25);
        expect((await a.limiter.peek(r)).allowed).toBe(false);
        expect((await b.limiter.peek(r)).allowed).toBe(false);
      });
    }

    if (opts.keyTtlsMs) {
      const keyTtlsMs = opts.keyTtlsMs;
      it('when counters exist, then every one carries a TTL', async () => {
        const { limiter } = await fixture();
        await Promise.all(Array.from({ length: 50 }, (_, i) => limiter.consume([rule(3, 60, 'key'), rule(i % 2 ? 1 : 5, 3600, 'device')])));
        const ttls = await keyTtlsMs();
        expect(ttls.length).toBeGreaterThanOrEqual(100);
        expect(ttls.filter((ttl) => !(ttl > 0))).toEqual([]);
      });
    }
  });
}
