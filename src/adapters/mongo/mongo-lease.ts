import type { Collection, Db } from 'mongodb';
import type { Clock } from '../../ports/clock';
import type { Lease } from '../../ports/lease';
import { guarded, isDuplicateKey } from './mongo-errors';
import { LEASES_COLLECTION, leaseAcquireFilter, leaseAcquireUpdate, leaseHeldFilter, leaseReleaseFilter, type LeaseDocument } from './mongo-lease-builders';

/**
 * One document per lease. Expiry is compared with the instances' clocks (the Clock port), so
 * their skew must stay well below the TTL; NTP keeps it to milliseconds against TTLs of seconds.
 */
export class MongoLease implements Lease {
  private readonly leases: Collection<LeaseDocument>;

  constructor(
    db: Db,
    private readonly clock: Clock,
  ) {
    this.leases = db.collection<LeaseDocument>(LEASES_COLLECTION);
  }

  async tryAcquire(name: string, holder: string, ttlMs: number): Promise<boolean> {
    return guarded('lease acquire', async () => {
      const now = this.clock.now();
      try {
        const result = await this.leases.updateOne(leaseAcquireFilter(name, holder, now), leaseAcquireUpdate(holder, new Date(now.getTime() + ttlMs)), { upsert: true });
        return result.matchedCount + result.upsertedCount === 1;
      } catch (error) {
        if (isDuplicateKey(error)) return false;
        throw error;
      }
    });
  }

  async release(name: string, holder: string): Promise<void> {
    await guarded('lease release', () => this.leases.deleteOne(leaseReleaseFilter(name, holder)));
  }

  async holder(name: string): Promise<string | null> {
    return guarded('lease holder', async () => (await this.leases.findOne(leaseHeldFilter(name, this.clock.now())))?.holder ?? null);
  }

  /** The client belongs to the composition, which closes it. */
  async close(): Promise<void> {}
}
