import { ConflictError } from '../../domain/errors';
import type { App, AppContext, AppDirectory, ReportKey } from '../../ports/app-directory';

export class MemoryAppDirectory implements AppDirectory {
  private readonly apps = new Map<string, App>();
  private readonly keysByApp = new Map<string, ReportKey>();
  private readonly appByKey = new Map<string, string>();
  /** Counts key lookups, so tests can see what the in-process cache saves. */
  keyLookups = 0;

  async createApp(app: App): Promise<App> {
    for (const existing of this.apps.values()) {
      if (existing.owner === app.owner && existing.name === app.name) throw new ConflictError('an app with this name already exists', 'app_exists');
    }
    if (this.apps.has(app.id)) throw new ConflictError('an app with this id already exists', 'app_exists');
    this.apps.set(app.id, { ...app });
    return { ...app };
  }

  async getApp(id: string): Promise<App | null> {
    const app = this.apps.get(id);
    return app ? { ...app } : null;
  }

  async findAppsByName(name: string): Promise<App[]> {
    return [...this.apps.values()]
      .filter((a) => a.name === name)
      .sort((a, b) => (a.owner < b.owner ? -1 : a.owner > b.owner ? 1 : 0))
      .map((a) => ({ ...a }));
  }

  async listAppIds(): Promise<string[]> {
    return [...this.apps.keys()].sort();
  }

  async listApps(owner: string): Promise<App[]> {
    return [...this.apps.values()]
      .filter((a) => a.owner === owner)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((a) => ({ ...a }));
  }

  async setReportsEnabled(id: string, enabled: boolean, at: Date): Promise<App | null> {
    const app = this.apps.get(id);
    if (!app) return null;
    app.reports = enabled;
    app.updatedAt = at;
    return { ...app };
  }

  async setOwner(id: string, owner: string, at: Date): Promise<App | null> {
    const app = this.apps.get(id);
    if (!app) return null;
    for (const existing of this.apps.values()) {
      if (existing.id !== id && existing.owner === owner && existing.name === app.name) throw new ConflictError('an app with this name already exists', 'app_exists');
    }
    app.owner = owner;
    app.updatedAt = at;
    return { ...app };
  }

  async deleteApp(id: string): Promise<boolean> {
    const key = this.keysByApp.get(id);
    if (key) this.appByKey.delete(key.key);
    this.keysByApp.delete(id);
    return this.apps.delete(id);
  }

  async findByReportKey(key: string): Promise<AppContext | null> {
    this.keyLookups++;
    const appId = this.appByKey.get(key);
    const app = appId ? this.apps.get(appId) : undefined;
    return app ? { appId: app.id, owner: app.owner, name: app.name, reports: app.reports } : null;
  }

  async getReportKey(appId: string): Promise<ReportKey | null> {
    const key = this.keysByApp.get(appId);
    return key ? { ...key } : null;
  }

  async setReportKey(appId: string, key: string, at: Date): Promise<ReportKey> {
    if (!this.apps.has(appId)) throw new ConflictError('no such app', 'app_missing');
    const owner = this.appByKey.get(key);
    if (owner !== undefined && owner !== appId) throw new ConflictError('report key already in use', 'key_exists');
    const previous = this.keysByApp.get(appId);
    if (previous) this.appByKey.delete(previous.key);
    const record: ReportKey = { appId, key, createdAt: previous?.createdAt ?? at, updatedAt: at };
    this.keysByApp.set(appId, record);
    this.appByKey.set(key, appId);
    return { ...record };
  }

  async ping(): Promise<void> {}
  async close(): Promise<void> {}
}
