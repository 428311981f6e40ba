import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { UnavailableError } from '../../domain/errors';

/** The one better-sqlite3 connection the embedded default shares between its adapters. */
export type SqliteDatabase = Database.Database;

export const SQLITE_FILE_NAME = 'telltale.db';

export interface SqliteOptions {
  /** How long a writer waits for another connection's lock before failing with SQLITE_BUSY. */
  busyTimeoutMs?: number;
}

/**
 * Opens (creating when missing) `<dataDir>/telltale.db` and its schema. Other adapters may add
 * their own tables to the returned handle; the caller owns it and closes it last.
 */
export function openSqliteDatabase(dataDir: string, options: SqliteOptions = {}): SqliteDatabase {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, SQLITE_FILE_NAME));
  try {
    // The timeout goes first: switching to WAL and creating the schema may wait on another process.
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = NORMAL');
    createSchema(db);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

// The seven grouping fields, flattened; groups and blobs both carry them.
const DIMENSION_COLUMNS = [
  'application_name',
  'application_version',
  'application_channel',
  'system_platform',
  'system_arch',
  'event_type',
  'event_reason',
]
  .map((column) => `${column} TEXT NOT NULL`)
  .join(',\n      ');

/** Idempotent: every statement is IF NOT EXISTS, so it runs on each start. Dates are epoch ms. */
export function createSchema(db: SqliteDatabase): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS apps (
      id TEXT PRIMARY KEY,
      owner TEXT NOT NULL,
      name TEXT NOT NULL,
      reports INTEGER NOT NULL,
      createdAt INTEGER NOT NULL,
      updatedAt INTEGER NOT NULL,
      UNIQUE (owner, name)
    );

    CREATE TABLE IF NOT EXISTS report_keys (
      app_id TEXT NOT NULL UNIQUE REFERENCES apps(id) ON DELETE CASCADE,
      key TEXT NOT NULL UNIQUE,
      createdAt INTEGER NOT NULL,
      updatedAt INTEGER NOT NULL
    );

    CREATE TABLE IF NOT EXISTS report_groups (
      app_id TEXT NOT NULL,
      groupHash TEXT NOT NULL,
      ${DIMENSION_COLUMNS},
      count INTEGER NOT NULL,
      firstSeen INTEGER NOT NULL,
      lastSeen INTEGER NOT NULL,
      detailsStored INTEGER NOT NULL,
      detailsRejected INTEGER NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('open', 'resolved', 'muted')),
      resolvedAt INTEGER,
      resolvedBy TEXT,
      tags TEXT NOT NULL,
      note TEXT NOT NULL,
      createdAt INTEGER NOT NULL,
      updatedAt INTEGER NOT NULL,
      last_event_reopened INTEGER NOT NULL DEFAULT 0,
      PRIMARY KEY (app_id, groupHash)
    );
    CREATE INDEX IF NOT EXISTS report_groups_app_last_seen ON report_groups (app_id, lastSeen DESC);

    CREATE TABLE IF NOT EXISTS report_blobs (
      id TEXT PRIMARY KEY,
      app_id TEXT NOT NULL,
      groupHash TEXT NOT NULL,
      ${DIMENSION_COLUMNS},
      storage_driver TEXT NOT NULL,
      storage_key TEXT NOT NULL,
      storage_compressedSize INTEGER NOT NULL,
      storage_decompressedSize INTEGER NOT NULL,
      storage_contentType TEXT NOT NULL,
      storage_encoding TEXT NOT NULL,
      createdAt INTEGER NOT NULL,
      expiresAt INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS report_blobs_group_created ON report_blobs (app_id, groupHash, createdAt DESC);
    CREATE INDEX IF NOT EXISTS report_blobs_expires ON report_blobs (expiresAt);
  `);
  // Databases created before webhooks lack the flag recordEvent returns "reopened" through.
  const columns = db.prepare("SELECT name FROM pragma_table_info('report_groups')").all() as Array<{ name: string }>;
  if (!columns.some((c) => c.name === 'last_event_reopened')) {
    db.exec('ALTER TABLE report_groups ADD COLUMN last_event_reopened INTEGER NOT NULL DEFAULT 0');
  }
}

const UNAVAILABLE_CODES = /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|READONLY|CORRUPT|NOTADB|PROTOCOL)/;

/**
 * Runs one database call. Lock timeouts, I/O failures and a closed connection mean the store is
 * unavailable rather than that the request was wrong, so they surface as UnavailableError (503).
 */
export function guarded<T>(what: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (isUnavailable(error)) throw new UnavailableError(`sqlite ${what} failed: ${(error as Error).message}`, 5, error);
    throw error;
  }
}

// Recognised by shape, not instanceof: the native addon keeps the error class of the first
// module instance that loaded it, which is not ours under a fresh module registry (jest).
function sqliteCode(error: unknown): string | null {
  if (typeof error !== 'object' || error === null) return null;
  const { name, code } = error as { name?: unknown; code?: unknown };
  return name === 'SqliteError' && typeof code === 'string' ? code : null;
}

function isUnavailable(error: unknown): boolean {
  const code = sqliteCode(error);
  if (code !== null) return UNAVAILABLE_CODES.test(code);
  return typeof error === 'object' && error !== null && (error as Error).name === 'TypeError' && /database connection is not open/i.test((error as Error).message);
}

export function uniqueViolation(error: unknown): 'primary_key' | 'unique' | null {
  const code = sqliteCode(error);
  return code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ? 'primary_key' : code === 'SQLITE_CONSTRAINT_UNIQUE' ? 'unique' : null;
}

/** Binds a list of values as one parameter, so long id lists never hit SQLite's variable limit. */
export const jsonList = (values: readonly string[]) => JSON.stringify(values);
