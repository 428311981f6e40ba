import { join } from 'node:path';
import Database from 'better-sqlite3';
import { UnavailableError } from '../../domain/errors';
import { makePrivateDir, tighten, touchPrivateFile } from '../fs/private-files';
import { migrateSqlite } from './sqlite-migrations';

/** The one better-sqlite3 connection the embedded default shares between its adapters. */
export type SqliteDatabase = Database.Database;

export const SQLITE_FILE_NAME = 'telltale.db';

export interface SqliteOptions {
  /** How long a writer waits for another connection's lock before failing with SQLITE_BUSY. */
  busyTimeoutMs?: number;
}

/**
 * Opens (creating when missing) `<dataDir>/telltale.db` and brings its schema to this code's
 * version (sqlite-migrations.ts); a database newer than the code is refused. The adapters create
 * no schema of their own. The caller owns the handle and closes it last.
 */
export function openSqliteDatabase(dataDir: string, options: SqliteOptions = {}): SqliteDatabase {
  makePrivateDir(dataDir);
  const file = join(dataDir, SQLITE_FILE_NAME);
  // SQLite gives the -wal and -shm files the mode of the database file: 0600 makes all three private.
  touchPrivateFile(file);
  for (const path of [file, `${file}-wal`, `${file}-shm`]) tighten(path);
  const db = new Database(file);
  try {
    // The timeout goes first: switching to WAL and migrating may wait on another process.
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = NORMAL');
    migrateSqlite(db, file);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
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
    if (sqliteCode(error) === 'SQLITE_FULL') for (const observer of diskFullObservers) observer(error);
    if (isUnavailable(error)) throw new UnavailableError(`sqlite ${what} failed: ${(error as Error).message}`, 5, error);
    throw error;
  }
}

// The adapters share guarded() without a handle to their database, so an observer hears every
// database of the process: it confirms on its own disk (DiskFullWatch probes) before saying so.
const diskFullObservers = new Set<(error: unknown) => void>();

/** Tells `observer` of every SQLITE_FULL a guarded call meets. Returns the call that stops it. */
export function observeSqliteDiskFull(observer: (error: unknown) => void): () => void {
  diskFullObservers.add(observer);
  return () => diskFullObservers.delete(observer);
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

/**
 * Statements whose SQL is built per call (optional filters, chosen groupings), kept by their text:
 * the shapes are few, so each is prepared once. Past `max` shapes the cache starts over.
 */
export function statementCache(db: SqliteDatabase, max: number): (sql: string) => Database.Statement {
  const cache = new Map<string, Database.Statement>();
  return (sql) => {
    let statement = cache.get(sql);
    if (statement === undefined) {
      if (cache.size >= max) cache.clear();
      statement = db.prepare(sql);
      cache.set(sql, statement);
    }
    return statement;
  };
}
