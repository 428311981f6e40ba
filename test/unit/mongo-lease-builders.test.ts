import { Aggregator, Query, find, updateOne } from 'mingo';
import type { Document } from 'mongodb';
import { ManualClock } from '../fixtures/clock';
import { leaseAcquireFilter, leaseAcquireUpdate, leaseHeldFilter, leaseReleaseFilter } from '../../src/adapters/mongo/mongo-lease-builders';
import type { Lease } from '../../src/ports/lease';
import { leaseContract } from '../contract/lease.contract';

/**
 * MongoLease's calls over a mingo-evaluated collection. mingo has no upsert and no unique index,
 * so MongoDB's documented rules are reproduced here: an upsert that matches nothing inserts a
 * document seeded from the filter's equality on _id, and that insert fails with E11000 when the
 * _id exists. The Mongo integration run checks both against a server.
 */
class MingoLease implements Lease {
  constructor(
    private readonly docs: Document[],
    private readonly clock: ManualClock,
  ) {}

  async tryAcquire(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const now = this.clock.now();
    const update = leaseAcquireUpdate(holder, new Date(now.getTime() + ttlMs));
    if (updateOne(this.docs, leaseAcquireFilter(name, holder, now), update as never).matchedCount === 1) return true;
    if (this.docs.some((d) => d._id === name)) return false;
    this.docs.push(new Aggregator([{ $set: update.$set }]).run([{ _id: name }])[0]!);
    return true;
  }

  async release(name: string, holder: string): Promise<void> {
    const query = new Query(leaseReleaseFilter(name, holder));
    const at = this.docs.findIndex((d) => query.test(d));
    if (at >= 0) this.docs.splice(at, 1);
  }

  async holder(name: string): Promise<string | null> {
    return (find(this.docs, leaseHeldFilter(name, this.clock.now())).all()[0]?.holder as string | undefined) ?? null;
  }

  async close(): Promise<void> {}
}

leaseContract('mongo builders, evaluated by mingo', async (clock) => {
  const lease = new MingoLease([], clock);
  return { contender: () => lease, cleanup: async () => undefined, advance: async (ms) => clock.advance(ms) };
});

describe('lease builders', () => {
  it('when acquiring, then the filter names the lease by _id, so an upsert inserts {_id: name} and a held lease breaks the unique _id', () => {
    const filter = leaseAcquireFilter('sweeper', 'a', new Date(0)) as Document;
    expect(filter._id).toEqual({ $eq: 'sweeper' });
  });

  it('when a lease expires exactly now, then it can be taken and no longer counts as held', () => {
    const now = new Date('2026-03-01T00:00:00Z');
    const docs: Document[] = [{ _id: 'x', holder: 'a', expiresAt: now }];
    expect(find(docs, leaseAcquireFilter('x', 'b', now)).all()).toHaveLength(1);
    expect(find(docs, leaseHeldFilter('x', now)).all()).toHaveLength(0);
  });
});
