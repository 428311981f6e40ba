import type { Statement } from 'better-sqlite3';
import { ConflictError } from '../../domain/errors';
import type { App, AppContext, AppDirectory, ReportKey } from '../../ports/app-directory';
import { guarded, uniqueViolation, type SqliteDatabase } from './sqlite-database';

interface AppRow {
  id: string;
  owner: string;
  name: string;
  reports: number;
  created_at: number;
  updated_at: number;
}

interface KeyRow {
  app_id: string;
  key: string;
  created_at: number;
  updated_at: number;
}

export class SqliteAppDirectory implements AppDirectory {
  private readonly insertApp: Statement;
  private readonly selectApp: Statement;
  private readonly selectAppIds: Statement;
  private readonly selectAppsOf: Statement;
  private readonly selectAppsNamed: Statement;
  private readonly updateReports: Statement;
  private readonly updateOwner: Statement;
  private readonly selectByKey: Statement;
  private readonly selectKey: Statement;
  private readonly selectOne: Statement;
  private readonly deleteTx: (id: string) => boolean;
  private readonly setKeyTx: (appId: string, key: string, at: number) => KeyRow;

  constructor(db: SqliteDatabase) {
    this.insertApp = db.prepare('INSERT INTO apps (id, owner, name, reports, created_at, updated_at) VALUES (@id, @owner, @name, @reports, @created_at, @updated_at)');
    this.selectApp = db.prepare('SELECT * FROM apps WHERE id = ?');
    this.selectAppIds = db.prepare('SELECT id FROM apps ORDER BY id').pluck();
    this.selectAppsOf = db.prepare('SELECT * FROM apps WHERE owner = ? ORDER BY name ASC');
    this.selectAppsNamed = db.prepare('SELECT * FROM apps WHERE name = ? ORDER BY owner ASC');
    this.updateReports = db.prepare('UPDATE apps SET reports = ?, updated_at = ? WHERE id = ? RETURNING *');
    this.updateOwner = db.prepare('UPDATE apps SET owner = ?, updated_at = ? WHERE id = ? RETURNING *');
    this.selectByKey = db.prepare('SELECT apps.* FROM report_keys JOIN apps ON apps.id = report_keys.app_id WHERE report_keys.key = ?');
    this.selectKey = db.prepare('SELECT * FROM report_keys WHERE app_id = ?');
    this.selectOne = db.prepare('SELECT 1');
    const deleteKey = db.prepare('DELETE FROM report_keys WHERE app_id = ?');
    const deleteApp = db.prepare('DELETE FROM apps WHERE id = ?');
    this.deleteTx = db.transaction((id: string) => {
      deleteKey.run(id);
      return deleteApp.run(id).changes > 0;
    });
    const appExists = db.prepare('SELECT 1 FROM apps WHERE id = ?');
    const keyHolder = db.prepare('SELECT app_id FROM report_keys WHERE key = ?').pluck();
    // Replacing the row in place means the old key value is gone the moment this commits.
    const upsertKey = db.prepare(
      `INSERT INTO report_keys (app_id, key, created_at, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (app_id) DO UPDATE SET key = excluded.key, updated_at = excluded.updated_at
       RETURNING *`,
    );
    this.setKeyTx = db.transaction((appId: string, key: string, at: number) => {
      if (appExists.get(appId) === undefined) throw new ConflictError('no such app', 'app_missing');
      const holder = keyHolder.get(key) as string | undefined;
      if (holder !== undefined && holder !== appId) throw new ConflictError('report key already in use', 'key_exists');
      return upsertKey.get(appId, key, at, at) as KeyRow;
    });
  }

  async createApp(app: App): Promise<App> {
    try {
      guarded('createApp', () => this.insertApp.run(toRow(app)));
    } catch (error) {
      const violation = uniqueViolation(error);
      if (violation === null) throw error;
      const what = violation === 'primary_key' ? 'id' : 'name';
      throw new ConflictError(`an app with this ${what} already exists`, 'app_exists');
    }
    return { ...app };
  }

  async getApp(id: string): Promise<App | null> {
    const row = guarded('getApp', () => this.selectApp.get(id) as AppRow | undefined);
    return row ? fromRow(row) : null;
  }

  async findAppsByName(name: string): Promise<App[]> {
    const rows = guarded('findAppsByName', () => this.selectAppsNamed.all(name) as AppRow[]);
    return rows.map(fromRow);
  }

  async listAppIds(): Promise<string[]> {
    return guarded('listAppIds', () => this.selectAppIds.all() as string[]);
  }

  async listApps(owner: string): Promise<App[]> {
    const rows = guarded('listApps', () => this.selectAppsOf.all(owner) as AppRow[]);
    return rows.map(fromRow);
  }

  async setReportsEnabled(id: string, enabled: boolean, at: Date): Promise<App | null> {
    const row = guarded('setReportsEnabled', () => this.updateReports.get(enabled ? 1 : 0, at.getTime(), id) as AppRow | undefined);
    return row ? fromRow(row) : null;
  }

  async setOwner(id: string, owner: string, at: Date): Promise<App | null> {
    try {
      const row = guarded('setOwner', () => this.updateOwner.get(owner, at.getTime(), id) as AppRow | undefined);
      return row ? fromRow(row) : null;
    } catch (error) {
      if (uniqueViolation(error) === null) throw error;
      throw new ConflictError('an app with this name already exists', 'app_exists');
    }
  }

  async deleteApp(id: string): Promise<boolean> {
    return guarded('deleteApp', () => this.deleteTx(id));
  }

  async findByReportKey(key: string): Promise<AppContext | null> {
    const row = guarded('findByReportKey', () => this.selectByKey.get(key) as AppRow | undefined);
    return row ? { appId: row.id, owner: row.owner, name: row.name, reports: row.reports === 1 } : null;
  }

  async getReportKey(appId: string): Promise<ReportKey | null> {
    const row = guarded('getReportKey', () => this.selectKey.get(appId) as KeyRow | undefined);
    return row ? fromKeyRow(row) : null;
  }

  async setReportKey(appId: string, key: string, at: Date): Promise<ReportKey> {
    const row = guarded('setReportKey', () => this.setKeyTx(appId, key, at.getTime()));
    return fromKeyRow(row);
  }

  async ping(): Promise<void> {
    guarded('ping', () => this.selectOne.get());
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
    created_at: app.createdAt.getTime(),
    updated_at: app.updatedAt.getTime(),
  };
}

function fromRow(row: AppRow): App {
  return {
    id: row.id,
    owner: row.owner,
    name: row.name,
    reports: row.reports === 1,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

function fromKeyRow(row: KeyRow): ReportKey {
  return { appId: row.app_id, key: row.key, createdAt: new Date(row.created_at), updatedAt: new Date(row.updated_at) };
}
