import type { App, AppContext, AppDirectory, ReportKey } from '../ports/app-directory';
import type { Clock } from '../ports/clock';

interface Entry {
  context: AppContext | null;
  expiresAt: number;
}

/**
 * Report-key lookups from an in-process cache with a short TTL, so the happy path of ingestion
 * does no I/O before its one write. Changes made through this process invalidate at once;
 * another instance's changes are seen within the TTL. Unknown keys are cached too, so a flood of
 * made-up keys costs one lookup each per TTL.
 */
export class CachedAppDirectory implements AppDirectory {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly inner: AppDirectory,
    private readonly clock: Clock,
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  async findByReportKey(key: string): Promise<AppContext | null> {
    const now = this.clock.now().getTime();
    const hit = this.entries.get(key);
    if (hit && hit.expiresAt > now) return hit.context;
    const context = await this.inner.findByReportKey(key);
    if (this.ttlMs > 0) {
      if (this.entries.size >= this.maxEntries) this.evict(now);
      this.entries.set(key, { context, expiresAt: now + this.ttlMs });
    }
    return context;
  }

  invalidateApp(appId: string): void {
    for (const [key, entry] of this.entries) if (entry.context?.appId === appId) this.entries.delete(key);
  }

  async setReportKey(appId: string, key: string, at: Date): Promise<ReportKey> {
    const record = await this.inner.setReportKey(appId, key, at);
    this.invalidateApp(appId);
    this.entries.delete(key);
    return record;
  }

  async setReportsEnabled(id: string, enabled: boolean, at: Date): Promise<App | null> {
    const app = await this.inner.setReportsEnabled(id, enabled, at);
    this.invalidateApp(id);
    return app;
  }

  async setOwner(id: string, owner: string, at: Date): Promise<App | null> {
    const app = await this.inner.setOwner(id, owner, at);
    this.invalidateApp(id);
    return app;
  }

  async deleteApp(id: string): Promise<boolean> {
    const existed = await this.inner.deleteApp(id);
    this.invalidateApp(id);
    return existed;
  }

  createApp(app: App): Promise<App> {
    return this.inner.createApp(app);
  }
  getApp(id: string): Promise<App | null> {
    return this.inner.getApp(id);
  }
  findAppsByName(name: string): Promise<App[]> {
    return this.inner.findAppsByName(name);
  }
  listApps(owner: string): Promise<App[]> {
    return this.inner.listApps(owner);
  }
  listAppIds(): Promise<string[]> {
    return this.inner.listAppIds();
  }
  getReportKey(appId: string): Promise<ReportKey | null> {
    return this.inner.getReportKey(appId);
  }
  ping(): Promise<void> {
    return this.inner.ping();
  }
  close(): Promise<void> {
    return this.inner.close();
  }

  private evict(now: number): void {
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
    // Still full: drop the oldest insertions (Map iterates in insertion order).
    const excess = this.entries.size - Math.floor(this.maxEntries * 0.9);
    if (excess <= 0) return;
    let dropped = 0;
    for (const key of this.entries.keys()) {
      if (dropped++ >= excess) break;
      this.entries.delete(key);
    }
  }
}
