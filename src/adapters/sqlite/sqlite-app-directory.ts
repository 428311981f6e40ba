import { ConflictError } from '../../domain/errors';
import type { App, AppContext, AppDirectory, ReportKey } from '../../ports/app-directory';
import { guarded, uniqueViolation, type SqliteDatabase } from './sqlite-database';

interface AppRow {
  id: string;
  owner: string;
  name: string;
  reports: number;
  createdAt: number;
  updatedAt: number;
}

interface KeyRow {
  app_id: string;
  key: string;
  createdAt: number;
  updatedAt: number;
}

export class SqliteAppDirectory implements AppDirectory {
  constructor(private readonly db: SqliteDatabase) {}

  async createApp(app: App): Promise<App> {
    try {
      guarded('createApp', () =>
        this.db
          .prepare('INSERT INTO apps (id, owner, name, reports, createdAt, updatedAt) VALUES (@id, @owner, @name, @reports, @createdAt, @updatedAt)')
          .run(toRow(app)),
      );
    } catch (error) {
      const violation = uniqueViolation(error);
      if (violation === null) throw error;
      const what = violation === 'primary_key' ? 'id' : 'name';
      throw new ConflictError(`an app with this ${what} already exists`, 'app_exists');
    }
    return { ...app };
  }

  async getApp(id: string): Promise<App | null> {
    const row = guarded('getApp', () => this.db.prepare('SELECT * FROM apps WHERE id = ?').get(id) as AppRow | undefined);
    return row ? fromRow(row) : null;
  }

  async listAppIds(): Promise<string[]> {
    return guarded('listAppIds', () => (this.db.prepare('SELECT id FROM apps ORDER BY id').all() as Array<{ id: string }>).map((r) => r.id));
  }

  async listApps(owner: string): Promise<App[]> {
    const rows = guarded('listApps', () => this.db.prepare('SELECT * FROM apps WHERE owner = ? ORDER BY name ASC').all(owner) as AppRow[]);
    return rows.map(fromRow);
  }

  async setReportsEnabled(id: string, enabled: boolean, at: Date): Promise<App | null> {
    const row = guarded(
      'setReportsEnabled',
      () =>
        this.db.prepare('UPDATE apps SET reports = ?, updatedAt = ? WHERE id = ? RETURNING *').get(enabled ? 1 : 0, at.getTime(), id) as
          | AppRow
          | undefined,
    );
    return row ? fromRow(row) : null;
  }

  async setOwner(id: string, owner: string, at: Date): Promise<App | null> {
    try {
      const row = guarded(
        'setOwner',
        () => this.db.prepare('UPDATE apps SET owner = ?, updatedAt = ? WHERE id = ? RETURNING *').get(owner, at.getTime(), id) as AppRow | undefined,
      );
      return row ? fromRow(row) : null;
    } catch (error) {
      if (uniqueViolation(error) === null) throw error;
      throw new ConflictError('an app with this name already exists', 'app_exists');
    }
  }

  async deleteApp(id: string): Promise<boolean> {
    return guarded('deleteApp', () =>
      this.db.transaction(() => {
        this.db.prepare('DELETE FROM report_keys WHERE app_id = ?').run(id);
        return this.db.prepare('DELETE FROM apps WHERE id = ?').run(id).changes > 0;
      })(),
    );
  }

  async findByReportKey(key: string): Promise<AppContext | null> {
    const row = guarded(
      'findByReportKey',
      () =>
        this.db.prepare('SELECT apps.* FROM report_keys JOIN apps ON apps.id = report_keys.app_id WHERE report_keys.key = ?').get(key) as
          | AppRow
          | undefined,
    );
    return row ? { appId: row.id, owner: row.owner, name: row.name, reports: row.reports === 1 } : null;
  }

  async getReportKey(appId: string): Promise<ReportKey | null> {
    const row = guarded('getReportKey', () => this.db.prepare('SELECT * FROM report_keys WHERE app_id = ?').get(appId) as KeyRow | undefined);
    return row ? fromKeyRow(row) : null;
  }

  async setReportKey(appId: string, key: string, at: Date): Promise<ReportKey> {
    const row = guarded('setReportKey', () =>
      this.db.transaction(() => {
        if (this.db.prepare('SELECT 1 FROM apps WHERE id = ?').get(appId) === undefined) throw new ConflictError('no such app', 'app_missing');
        const holder = this.db.prepare('SELECT app_id FROM report_keys WHERE key = ?').get(key) as { app_id: string } | undefined;
        if (holder !== undefined && holder.app_id !== appId) throw new ConflictError('report key already in use', 'key_exists');
        // Replacing the row in place means the old key value is gone the moment this commits.
        return this.db
          .prepare(
            `INSERT INTO report_keys (app_id, key, createdAt, updatedAt) VALUES (?, ?, ?, ?)
             ON CONFLICT (app_id) DO UPDATE SET key = excluded.key, updatedAt = excluded.updatedAt
             RETURNING *`,
          )
          .get(appId, key, at.getTime(), at.getTime()) as KeyRow;
      })(),
    );
    return fromKeyRow(row);
  }

  async ping(): Promise<void> {
    guarded('ping', () => this.db.prepare('SELECT 1').get());
  }

  /** The database handle is shared; whoever opened it closes it. */
  async close(): Promise<void> {}
}

function toRow(app: App): AppRow {
  return {
    id: app.id,
    owner: app.owner,
    name: app.name,
    reports: app.reports ? 1 : 0,
    createdAt: app.createdAt.getTime(),
    updatedAt: app.updatedAt.getTime(),
  };
}

function fromRow(row: AppRow): App {
  return {
    id: row.id,
    owner: row.owner,
    name: row.name,
    reports: row.reports === 1,
    createdAt: new Date(row.createdAt),
    updatedAt: new Date(row.updatedAt),
  };
}

function fromKeyRow(row: KeyRow): ReportKey {
  return { appId: row.app_id, key: row.key, createdAt: new Date(row.createdAt), updatedAt: new Date(row.updatedAt) };
}
