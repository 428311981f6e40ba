import type { Clock } from '../../ports/clock';
import type { Lease } from '../../ports/lease';

/** One process's leases; for tests and the single-instance default. */
export class MemoryLease implements Lease {
  private readonly leases = new Map<string, { holder: string; expiresAt: number }>();

  constructor(private readonly clock: Clock) {}

  async tryAcquire(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const now = this.clock.now().getTime();
    const current = this.leases.get(name);
    if (current && current.expiresAt > now && current.holder !== holder) return false;
    this.leases.set(name, { holder, expiresAt: now + ttlMs });
    return true;
  }

  async release(name: string, holder: string): Promise<void> {
    if (this.leases.get(name)?.holder === holder) this.leases.delete(name);
  }

  async holder(name: string): Promise<string | null> {
    const current = this.leases.get(name);
    return current && current.expiresAt > this.clock.now().getTime() ? current.holder : null;
  }

  async close(): Promise<void> {}
}
