import type { Principal } from '../domain/access';
import { ConflictError, NotFoundError } from '../domain/errors';
import type { App, AppDirectory, ReportKey } from '../ports/app-directory';
import type { BlobStore } from '../ports/blob-store';
import type { Clock } from '../ports/clock';
import type { RelayTokens } from './relay-tokens';
import type { ReportRepository } from '../ports/report-repository';
import { AppScope, requirePermission } from './app-scope';
import type { CachedAppDirectory } from './cached-app-directory';

export interface AppManagementDeps {
  /** Always the cached directory, so a changed key or reports flag takes effect for ingestion at once. */
  directory: CachedAppDirectory;
  repository: ReportRepository;
  blobStore: BlobStore;
  relayTokens: Pick<RelayTokens, 'revokeAll'>;
  clock: Clock;
  /** Hex from crypto.randomBytes; app ids and report keys. */
  randomHex: (bytes: number) => string;
  storagePrefix: string;
}

// S3's DeleteObjects takes at most 1000 keys per call.
const DELETE_BATCH = 1000;

export class AppManagement {
  private readonly scope: AppScope;

  constructor(private readonly deps: AppManagementDeps) {
    this.scope = new AppScope(deps.directory);
  }

  /** The app belongs to the caller's account: a team user's app is its admin's. */
  async create(p: Principal, input: { name: string; reports: boolean }): Promise<{ app: App; key: ReportKey }> {
    requirePermission(p, 'create');
    const now = this.deps.clock.now();
    const app = { id: this.deps.randomHex(12), owner: p.owner, name: input.name, reports: input.reports, createdAt: now, updatedAt: now };
    return createAppWithKey(this.deps.directory, app, newReportKey(this.deps.randomHex));
  }

  list(p: Principal): Promise<App[]> {
    return this.scope.apps(p, 'download');
  }

  get(p: Principal, id: string): Promise<App> {
    return this.scope.byId(p, 'download', id);
  }

  async setReports(p: Principal, id: string, enabled: boolean): Promise<App> {
    await this.scope.byId(p, 'edit', id);
    const app = await this.deps.directory.setReportsEnabled(id, enabled, this.deps.clock.now());
    if (!app) throw new NotFoundError('app not found', 'app_not_found');
    return app;
  }

  /**
   * Ingestion is switched off first so no new group or object appears while the app is emptied;
   * then objects, then records, then its relay tokens, then the app and its key. A failure part-way leaves an app that
   * a repeated DELETE finishes.
   */
  async delete(p: Principal, id: string): Promise<void> {
    const app = await this.scope.byId(p, 'delete', id);
    await this.deps.directory.setReportsEnabled(app.id, false, this.deps.clock.now());
    const keys = await this.deps.blobStore.list(`${this.deps.storagePrefix}/${app.id}/`);
    for (let i = 0; i < keys.length; i += DELETE_BATCH) await this.deps.blobStore.delete(keys.slice(i, i + DELETE_BATCH));
    await this.deps.repository.deleteAppData(app.id);
    await this.deps.relayTokens.revokeAll(app.id);
    await this.deps.directory.deleteApp(app.id);
  }

  async keys(p: Principal): Promise<Array<{ app: App; key: ReportKey | null }>> {
    const apps = await this.scope.apps(p, 'download');
    return Promise.all(apps.map(async (app) => ({ app, key: await this.deps.directory.getReportKey(app.id) })));
  }

  /** The old key stops resolving at once in this process (CachedAppDirectory), elsewhere within its TTL. */
  async regenerateKey(p: Principal, appId: string): Promise<{ app: App; key: ReportKey }> {
    const app = await this.scope.byId(p, 'edit', appId);
    const key = await this.deps.directory.setReportKey(app.id, newReportKey(this.deps.randomHex), this.deps.clock.now());
    return { app, key };
  }
}

/** `rpk_` and 64 hex digits. */
export const newReportKey = (randomHex: (bytes: number) => string) => `rpk_${randomHex(32)}`;

/**
 * The owner's app of that name as a ConflictError that gives its id (in the message and as
 * `details.app_id`), so whoever tried to make another can use that one instead.
 */
export async function appNameTaken(directory: AppDirectory, owner: string, name: string): Promise<ConflictError> {
  const existing = (await directory.listApps(owner)).find((a) => a.name === name);
  if (!existing) return new ConflictError('an app with this name already exists', 'app_exists');
  return new ConflictError(`an app named "${name}" already exists: ${existing.id}`, 'app_exists', { app_id: existing.id });
}

/** Creates the app and its one report key; when the key can't be set, the app is removed again. */
export async function createAppWithKey(directory: AppDirectory, app: App, key: string): Promise<{ app: App; key: ReportKey }> {
  const created = await directory.createApp(app).catch(async (error: unknown) => {
    // A fresh random id never collides: the conflict is the name.
    throw error instanceof ConflictError && error.code === 'app_exists' ? await appNameTaken(directory, app.owner, app.name) : error;
  });
  try {
    return { app: created, key: await directory.setReportKey(created.id, key, app.createdAt) };
  } catch (error) {
    await directory.deleteApp(created.id).catch(() => undefined);
    throw error;
  }
}
