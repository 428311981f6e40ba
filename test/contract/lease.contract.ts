import { randomBytes } from 'node:crypto';
import { ManualClock } from '../../src/adapters/memory/system-clock';
import type { Lease } from '../../src/ports/lease';

export interface LeaseFixture {
  /** The i-th contender's handle onto one shared store (a separate client where the adapter has one). */
  contender(i: number): Lease;
  cleanup(): Promise<void>;
  /** Moves the store's time forward (a manual clock; on Redis, the run's keys' TTLs). */
  advance(ms: number): Promise<void>;
}

/** `run` is part of every lease name the suite uses, so a fixture can find the keys of its own run. */
export function leaseContract(adapterName: string, make: (clock: ManualClock, run: string) => Promise<LeaseFixture>): void {
  describe(`Lease contract: ${adapterName}`, () => {
    const ttl = 30_000;
    const run = randomBytes(6).toString('hex');
    let n = 0;
    const leaseName = () => `contract-${run}-${n++}`;

    let fixtures: LeaseFixture[] = [];
    const fixture = async () => {
      const clock = new ManualClock();
      const made = await make(clock, run);
      fixtures.push(made);
      return made;
    };
    afterEach(async () => {
      for (const f of fixtures) await f.cleanup();
      fixtures = [];
    });

    it('when many contenders try at once, then exactly one holds the lease', async () => {
      const { contender } = await fixture();
      const name = leaseName();
      const results = await Promise.all(Array.from({ length: 30 }, (_, i) => contender(i).tryAcquire(name, `holder-${i}`, ttl)));
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results.indexOf(true);
      expect(await contender(0).holder(name)).toBe(`holder-${winner}`);
    });

    it('when the holder tries again before expiry, then it keeps the lease and the others are still refused', async () => {
      const { contender, advance } = await fixture();
      const name = leaseName();
      expect(await contender(0).tryAcquire(name, 'a', ttl)).toBe(true);
      await advance(ttl * 0.6);
      expect(await contender(0).tryAcquire(name, 'a', ttl)).toBe(true);
      // Past the first term but within the renewed one.
      await advance(ttl * 0.6);
      expect(await contender(1).tryAcquire(name, 'b', ttl)).toBe(false);
      expect(await contender(1).holder(name)).toBe('a');
    });

    it('when the lease expires, then another contender takes it over and the old holder can no longer renew', async () => {
      const { contender, advance } = await fixture();
      const name = leaseName();
      expect(await contender(0).tryAcquire(name, 'a', ttl)).toBe(true);
      await advance(ttl * 1.2);
      expect(await contender(1).holder(name)).toBeNull();
      expect(await contender(1).tryAcquire(name, 'b', ttl)).toBe(true);
      expect(await contender(0).tryAcquire(name, 'a', ttl)).toBe(false);
      expect(await contender(0).holder(name)).toBe('b');
    });

    it('when an expired lease is contended by many at once, then exactly one takes it over', async () => {
      const { contender, advance } = await fixture();
      const name = leaseName();
      expect(await contender(0).tryAcquire(name, 'old', ttl)).toBe(true);
      await advance(ttl * 1.2);
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => contender(i).tryAcquire(name, `new-${i}`, ttl)));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('when the holder releases, then the next contender gets it at once', async () => {
      const { contender } = await fixture();
      const name = leaseName();
      expect(await contender(0).tryAcquire(name, 'a', ttl)).toBe(true);
      await contender(0).release(name, 'a');
      expect(await contender(1).holder(name)).toBeNull();
      expect(await contender(1).tryAcquire(name, 'b', ttl)).toBe(true);
    });

    it('when someone other than the holder releases, then the lease stays with the holder', async () => {
      const { contender } = await fixture();
      const name = leaseName();
      expect(await contender(0).tryAcquire(name, 'a', ttl)).toBe(true);
      await contender(1).release(name, 'b');
      await contender(1).release(`${name}-other`, 'a');
      expect(await contender(1).holder(name)).toBe('a');
      expect(await contender(1).tryAcquire(name, 'b', ttl)).toBe(false);
    });

    it('when leases have different names, then they are held independently', async () => {
      const { contender } = await fixture();
      const first = leaseName();
      const second = leaseName();
      expect(await contender(0).tryAcquire(first, 'a', ttl)).toBe(true);
      expect(await contender(1).tryAcquire(second, 'b', ttl)).toBe(true);
      expect(await contender(0).holder(first)).toBe('a');
      expect(await contender(0).holder(second)).toBe('b');
      expect(await contender(2).holder(leaseName())).toBeNull();
    });
  });
}
