import type { Statement } from 'better-sqlite3';
import type { Clock } from '../../ports/clock';
import type { Lease } from '../../ports/lease';
import { guarded, type SqliteDatabase } from './sqlite-database';

/**
 * Leases in their own table on the shared handle, so processes that share the database file
 * (one host) run leased work once. Times are epoch ms from the Clock port.
 */
export class SqliteLease implements Lease {
  private readonly acquire: Statement;
  private readonly remove: Statement;
  private readonly current: Statement;

  constructor(
    db: SqliteDatabase,
    private readonly clock: Clock,
  ) {
    // One statement takes a free or expired lease, renews the holder's own, and refuses the
    // rest: the conflicting row is updated only when the WHERE holds, so changes is 1 or 0.
    this.acquire = db.prepare(`
      INSERT INTO leases (name, holder, expires) VALUES (@name, @holder, @expires)
      ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires = excluded.expires
      WHERE leases.expires <= @now OR leases.holder = excluded.holder
    `);
    this.remove = db.prepare('DELETE FROM leases WHERE name = ? AND holder = ?');
    this.current = db.prepare('SELECT holder FROM leases WHERE name = ? AND expires > ?').pluck();
  }

  async tryAcquire(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const now = this.clock.now().getTime();
    return guarded('lease acquire', () => this.acquire.run({ name, holder, now, expires: now + ttlMs }).changes === 1);
  }

  async release(name: string, holder: string): Promise<void> {
    guarded('lease release', () => this.remove.run(name, holder));
  }

  async holder(name: string): Promise<string | null> {
    return guarded('lease holder', () => (this.current.get(name, this.clock.now().getTime()) as string | undefined) ?? null);
  }

  /** The handle belongs to the composition, which closes it last. */
  async close(): Promise<void> {}
}
