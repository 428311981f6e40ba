import type { Statement } from 'better-sqlite3';
import type { RelayToken, RelayTokenStore } from '../../ports/relay-token-store';
import { guarded, type SqliteDatabase } from './sqlite-database';

interface RelayTokenRow {
  id: string;
  app_id: string;
  name: string;
  digest: string;
  last_four: string;
  created_at: number;
}

const fromRow = (r: RelayTokenRow): RelayToken => ({ id: r.id, appId: r.app_id, name: r.name, digest: r.digest, lastFour: r.last_four, createdAt: new Date(r.created_at) });

/** The relay_tokens table of SQLite migration 5. */
export class SqliteRelayTokenStore implements RelayTokenStore {
  private readonly insert: Statement;
  private readonly selectOfApp: Statement;
  private readonly selectOne: Statement;
  private readonly deleteOne: Statement;
  private readonly deleteOfApp: Statement;

  constructor(db: SqliteDatabase) {
    this.insert = db.prepare('INSERT INTO relay_tokens (id, app_id, name, digest, last_four, created_at) VALUES (@id, @app_id, @name, @digest, @last_four, @created_at)');
    this.selectOfApp = db.prepare('SELECT * FROM relay_tokens WHERE app_id = ? ORDER BY created_at, id');
    this.selectOne = db.prepare('SELECT * FROM relay_tokens WHERE id = ?');
    this.deleteOne = db.prepare('DELETE FROM relay_tokens WHERE app_id = ? AND id = ?');
    this.deleteOfApp = db.prepare('DELETE FROM relay_tokens WHERE app_id = ?');
  }

  async create(t: RelayToken): Promise<void> {
    guarded('createRelayToken', () => this.insert.run({ id: t.id, app_id: t.appId, name: t.name, digest: t.digest, last_four: t.lastFour, created_at: t.createdAt.getTime() }));
  }

  async listByApp(appId: string): Promise<RelayToken[]> {
    return guarded('listRelayTokens', () => (this.selectOfApp.all(appId) as RelayTokenRow[]).map(fromRow));
  }

  async find(id: string): Promise<RelayToken | null> {
    const row = guarded('findRelayToken', () => this.selectOne.get(id) as RelayTokenRow | undefined);
    return row ? fromRow(row) : null;
  }

  async delete(appId: string, id: string): Promise<boolean> {
    return guarded('deleteRelayToken', () => this.deleteOne.run(appId, id).changes > 0);
  }

  async deleteByApp(appId: string): Promise<number> {
    return guarded('deleteRelayTokensOfApp', () => this.deleteOfApp.run(appId).changes);
  }
}
