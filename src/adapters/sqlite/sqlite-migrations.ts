import type { Database as SqliteDatabase } from 'better-sqlite3';
import { currentSettings, foldLegacyCells, type LegacyCell } from '../../domain/rollout-legacy';

/**
 * One schema change. A migration's SQL is history: once released it never changes, because
 * databases out there went through it as written. Later changes append a migration.
 */
export interface SqliteMigration {
  version: number;
  name: string;
  up(db: SqliteDatabase): void;
}

// The seven grouping fields, flattened; groups and blobs both carry them.
const DIMENSION_COLUMNS = ['application_name', 'application_version', 'application_channel', 'system_platform', 'system_arch', 'event_type', 'event_reason']
  .map((column) => `${column} TEXT NOT NULL`)
  .join(',\n      ');

/**
 * Release 0.1.0's schema as its adapters created it at start, every statement IF NOT EXISTS: a
 * 0.1.0 database (user_version 0, tables already there) goes through it unchanged, and a database
 * older than webhooks gets what it lacks. Dates are epoch ms.
 */
function schemaOf010(db: SqliteDatabase): void {
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
  const columns = db.prepare("SELECT name FROM pragma_table_info('report_groups')").pluck().all() as string[];
  if (!columns.includes('last_event_reopened')) db.exec('ALTER TABLE report_groups ADD COLUMN last_event_reopened INTEGER NOT NULL DEFAULT 0');

  db.exec(`
    CREATE TABLE IF NOT EXISTS accounts (
      id TEXT PRIMARY KEY,
      username TEXT NOT NULL,
      username_key TEXT NOT NULL UNIQUE,
      role TEXT NOT NULL CHECK (role IN ('admin', 'user')),
      owner TEXT NOT NULL,
      permissions TEXT NOT NULL,
      allowed_apps TEXT NOT NULL,
      password_hash TEXT NOT NULL,
      password_salt TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS accounts_owner ON accounts (owner, username_key);

    CREATE TABLE IF NOT EXISTS leases (
      name TEXT PRIMARY KEY,
      holder TEXT NOT NULL,
      expires INTEGER NOT NULL
    );

    CREATE TABLE IF NOT EXISTS webhooks (
      id TEXT PRIMARY KEY,
      app_id TEXT NOT NULL,
      url TEXT NOT NULL,
      events TEXT NOT NULL,
      secret TEXT NOT NULL,
      createdAt INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS webhooks_app ON webhooks (app_id, createdAt);

    CREATE TABLE IF NOT EXISTS outbox_events (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      id TEXT NOT NULL UNIQUE,
      app_id TEXT NOT NULL,
      type TEXT NOT NULL,
      payload TEXT NOT NULL,
      createdAt INTEGER NOT NULL,
      dispatched INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX IF NOT EXISTS outbox_events_undispatched ON outbox_events (dispatched, createdAt, seq);

    CREATE TABLE IF NOT EXISTS webhook_deliveries (
      event_id TEXT NOT NULL,
      webhook_id TEXT NOT NULL,
      state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
      attempts INTEGER NOT NULL,
      nextAttemptAt INTEGER NOT NULL,
      PRIMARY KEY (event_id, webhook_id)
    );
    CREATE INDEX IF NOT EXISTS webhook_deliveries_due ON webhook_deliveries (state, nextAttemptAt);

    CREATE TABLE IF NOT EXISTS webhook_attempts (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      event_id TEXT NOT NULL,
      webhook_id TEXT NOT NULL,
      attempt INTEGER NOT NULL,
      status TEXT NOT NULL,
      responseStatus INTEGER,
      error TEXT,
      at INTEGER NOT NULL,
      nextAttemptAt INTEGER
    );
    CREATE INDEX IF NOT EXISTS webhook_attempts_webhook ON webhook_attempts (webhook_id, at DESC);

    CREATE TRIGGER IF NOT EXISTS report_groups_new AFTER INSERT ON report_groups
    BEGIN ${groupEventRow010('group.new')} END;
    CREATE TRIGGER IF NOT EXISTS report_groups_regressed AFTER UPDATE OF status ON report_groups
    WHEN OLD.status = 'resolved' AND NEW.status = 'open' AND NEW.count > OLD.count
    BEGIN ${groupEventRow010('group.regressed')} END;

    CREATE TABLE IF NOT EXISTS rollout_releases (
      app_id TEXT NOT NULL,
      version TEXT NOT NULL,
      verdict TEXT NOT NULL,
      baselineVersion TEXT,
      dataThrough INTEGER,
      evaluatedAt INTEGER NOT NULL,
      resumedAt INTEGER,
      resumedBy TEXT,
      resumeNote TEXT,
      superseded INTEGER NOT NULL DEFAULT 0,
      PRIMARY KEY (app_id, version)
    );
    CREATE TABLE IF NOT EXISTS rollout_cells (
      app_id TEXT NOT NULL,
      version TEXT NOT NULL,
      channel TEXT NOT NULL,
      platform TEXT NOT NULL,
      arch TEXT NOT NULL,
      verdict TEXT NOT NULL,
      reasons TEXT NOT NULL,
      consecutiveHealthy INTEGER NOT NULL,
      haltedAt INTEGER,
      baselineVersion TEXT,
      metrics TEXT NOT NULL,
      evaluatedAt INTEGER NOT NULL,
      PRIMARY KEY (app_id, version, channel, platform, arch)
    );
    CREATE TABLE IF NOT EXISTS rollout_settings (
      app_id TEXT PRIMARY KEY,
      settings TEXT NOT NULL
    );

    CREATE TABLE IF NOT EXISTS device_sketches (
      app_id TEXT NOT NULL,
      granularity TEXT NOT NULL CHECK (granularity IN ('hour', 'day')),
      bucket INTEGER NOT NULL,
      version TEXT NOT NULL,
      channel TEXT NOT NULL,
      platform TEXT NOT NULL,
      arch TEXT NOT NULL,
      kind TEXT NOT NULL,
      registers BLOB NOT NULL,
      PRIMARY KEY (app_id, granularity, bucket, version, channel, platform, arch, kind)
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS device_sketches_expiry ON device_sketches (granularity, bucket);

    CREATE TABLE IF NOT EXISTS sketch_day_keys (day TEXT PRIMARY KEY, key BLOB NOT NULL) WITHOUT ROWID;
  `);
}

// group.new and group.regressed come from the one write that counts a report: these triggers add
// the outbox row inside that same statement, so the ingest path stays one write and a crash can't
// separate the change from its event. Only the ingest upsert raises count, so a person reopening a
// group by hand (PATCH) is not a regression.
const groupEventRow = (type: string, c: { hash: string; updated: string; created: string }) => `
  INSERT INTO outbox_events (id, app_id, type, payload, ${c.created})
  VALUES (lower(hex(randomblob(12))), NEW.app_id, '${type}', json_object(
      'group_hash', NEW.${c.hash},
      'application', json_object('name', NEW.application_name, 'version', NEW.application_version, 'channel', NEW.application_channel),
      'system', json_object('platform', NEW.system_platform, 'arch', NEW.system_arch),
      'event', json_object('type', NEW.event_type, 'reason', NEW.event_reason),
      'at', strftime('%Y-%m-%dT%H:%M:%fZ', NEW.${c.updated} / 1000.0, 'unixepoch')),
    NEW.${c.updated});`;

/** Migration 1's trigger body, on 0.1.0's column names. Like every released migration, it never changes: a later trigger change writes its own body. */
const groupEventRow010 = (type: string) => groupEventRow(type, { hash: 'groupHash', updated: 'updatedAt', created: 'createdAt' });

/** Migration 2: every column in snake_case, as the DESIGN.md names that already were (app_id, …). */
const SNAKE_CASE_RENAMES: Record<string, Record<string, string>> = {
  apps: { createdAt: 'created_at', updatedAt: 'updated_at' },
  report_keys: { createdAt: 'created_at', updatedAt: 'updated_at' },
  report_groups: {
    groupHash: 'group_hash',
    firstSeen: 'first_seen',
    lastSeen: 'last_seen',
    detailsStored: 'details_stored',
    detailsRejected: 'details_rejected',
    resolvedAt: 'resolved_at',
    resolvedBy: 'resolved_by',
    createdAt: 'created_at',
    updatedAt: 'updated_at',
  },
  report_blobs: {
    groupHash: 'group_hash',
    storage_compressedSize: 'storage_compressed_size',
    storage_decompressedSize: 'storage_decompressed_size',
    storage_contentType: 'storage_content_type',
    createdAt: 'created_at',
    expiresAt: 'expires_at',
  },
  webhooks: { createdAt: 'created_at' },
  outbox_events: { createdAt: 'created_at' },
  webhook_deliveries: { nextAttemptAt: 'next_attempt_at' },
  webhook_attempts: { responseStatus: 'response_status', nextAttemptAt: 'next_attempt_at' },
  rollout_releases: {
    baselineVersion: 'baseline_version',
    dataThrough: 'data_through',
    evaluatedAt: 'evaluated_at',
    resumedAt: 'resumed_at',
    resumedBy: 'resumed_by',
    resumeNote: 'resume_note',
  },
  rollout_cells: { consecutiveHealthy: 'consecutive_healthy', haltedAt: 'halted_at', baselineVersion: 'baseline_version', evaluatedAt: 'evaluated_at' },
};

/**
 * RENAME COLUMN rewrites the indexes that name a column in place (no rebuild); the two triggers are
 * dropped first and created again with the new names, so their text is this file's, not a rewrite.
 */
function snakeCaseColumns(db: SqliteDatabase): void {
  db.exec('DROP TRIGGER IF EXISTS report_groups_new; DROP TRIGGER IF EXISTS report_groups_regressed;');
  for (const [table, renames] of Object.entries(SNAKE_CASE_RENAMES)) {
    for (const [from, to] of Object.entries(renames)) db.exec(`ALTER TABLE ${table} RENAME COLUMN "${from}" TO ${to}`);
  }
  db.exec(`
    CREATE TRIGGER report_groups_new AFTER INSERT ON report_groups
    BEGIN ${groupEventRow2('group.new')} END;
    CREATE TRIGGER report_groups_regressed AFTER UPDATE OF status ON report_groups
    WHEN OLD.status = 'resolved' AND NEW.status = 'open' AND NEW.count > OLD.count
    BEGIN ${groupEventRow2('group.regressed')} END;
  `);
}

/** The same outbox row on the snake_case columns; the payload is unchanged. */
const groupEventRow2 = (type: string) => groupEventRow(type, { hash: 'group_hash', updated: 'updated_at', created: 'created_at' });

/**
 * Counts of refused beacons per (app, granularity, bucket, cell, reason), the cell as its id ('' for
 * none), and of beacons to unknown apps per (hour, reason, owner, app name), kept to each hour's most
 * frequent by the adapter.
 */
function beaconRefusals(db: SqliteDatabase): void {
  db.exec(`
    CREATE TABLE beacon_refusals (
      app_id TEXT NOT NULL,
      granularity TEXT NOT NULL CHECK (granularity IN ('hour', 'day')),
      bucket INTEGER NOT NULL,
      cell TEXT NOT NULL,
      reason TEXT NOT NULL,
      count INTEGER NOT NULL,
      PRIMARY KEY (app_id, granularity, bucket, cell, reason)
    ) WITHOUT ROWID;
    CREATE INDEX beacon_refusals_expiry ON beacon_refusals (granularity, bucket);
    CREATE TABLE beacon_unmatched (
      hour INTEGER NOT NULL,
      reason TEXT NOT NULL,
      owner TEXT NOT NULL,
      app_name TEXT NOT NULL,
      count INTEGER NOT NULL,
      PRIMARY KEY (hour, reason, owner, app_name)
    ) WITHOUT ROWID;
  `);
}

/**
 * Migration 4: one state per release. 0.1.0 judged each cell on its own (rollout_cells); a release is
 * now one test with a role (rollout, baseline, previous), a verdict only when it is a rollout (so the
 * column admits null), its reasons, its evidence (state, JSON) and a history of changes. The cells'
 * reasons, halt time and healthy streak fold into the release; each release starts its history with
 * its verdict at its last evaluation and, if resumed, the resume. Settings take the new limit names.
 */
function releaseStateV3(db: SqliteDatabase): void {
  db.exec(`
    CREATE TABLE rollout_releases_v3 (
      app_id TEXT NOT NULL,
      version TEXT NOT NULL,
      role TEXT NOT NULL CHECK (role IN ('rollout', 'baseline', 'previous')),
      verdict TEXT CHECK (verdict IN ('healthy', 'watch', 'halt')),
      reasons TEXT NOT NULL,
      baseline_version TEXT,
      consecutive_healthy INTEGER NOT NULL,
      halted_at INTEGER,
      superseded_by TEXT,
      active_device_days REAL NOT NULL,
      state TEXT,
      data_through INTEGER,
      evaluated_at INTEGER NOT NULL,
      resumed_at INTEGER,
      resumed_by TEXT,
      resume_note TEXT,
      PRIMARY KEY (app_id, version)
    );
    CREATE TABLE rollout_history (
      id INTEGER PRIMARY KEY,
      app_id TEXT NOT NULL,
      version TEXT NOT NULL,
      at INTEGER NOT NULL,
      kind TEXT NOT NULL CHECK (kind IN ('verdict', 'role', 'resume')),
      from_value TEXT,
      to_value TEXT,
      reasons TEXT NOT NULL,
      by_user TEXT,
      note TEXT
    );
    CREATE INDEX rollout_history_release_at ON rollout_history (app_id, version, at);
  `);
  const releases = db.prepare('SELECT * FROM rollout_releases').all() as Array<Record<string, unknown>>;
  const cellsOf = db.prepare<[string, string], { verdict: string; reasons: string; consecutive_healthy: number; halted_at: number | null }>(
    'SELECT verdict, reasons, consecutive_healthy, halted_at FROM rollout_cells WHERE app_id = ? AND version = ?',
  );
  const insert = db.prepare(`
    INSERT INTO rollout_releases_v3 (app_id, version, role, verdict, reasons, baseline_version, consecutive_healthy, halted_at, superseded_by,
      active_device_days, state, data_through, evaluated_at, resumed_at, resumed_by, resume_note)
    VALUES (@app_id, @version, 'rollout', @verdict, @reasons, @baseline_version, @consecutive_healthy, @halted_at, NULL,
      0, NULL, @data_through, @evaluated_at, @resumed_at, @resumed_by, @resume_note)`);
  const line = db.prepare('INSERT INTO rollout_history (app_id, version, at, kind, from_value, to_value, reasons, by_user, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
  for (const r of releases) {
    const cells: LegacyCell[] = cellsOf.all(r.app_id as string, r.version as string).map((c) => ({ verdict: c.verdict, reasons: JSON.parse(c.reasons) as string[], consecutiveHealthy: c.consecutive_healthy, haltedAt: c.halted_at }));
    const folded = foldLegacyCells(r.verdict as string, cells);
    insert.run({ ...r, reasons: JSON.stringify(folded.reasons), consecutive_healthy: folded.consecutiveHealthy, halted_at: folded.haltedAt });
    const at = (r.resumed_at as number | null) ?? (r.evaluated_at as number);
    if (r.resumed_at !== null) line.run(r.app_id, r.version, r.resumed_at, 'resume', null, null, '[]', r.resumed_by, r.resume_note);
    line.run(r.app_id, r.version, Math.max(at, r.evaluated_at as number), 'verdict', null, r.verdict, JSON.stringify(folded.reasons), null, null);
  }
  db.exec('DROP TABLE rollout_releases; DROP TABLE rollout_cells; ALTER TABLE rollout_releases_v3 RENAME TO rollout_releases;');
  const settings = db.prepare('SELECT app_id, settings FROM rollout_settings').all() as Array<{ app_id: string; settings: string }>;
  const update = db.prepare('UPDATE rollout_settings SET settings = ? WHERE app_id = ?');
  for (const s of settings) update.run(JSON.stringify(currentSettings(JSON.parse(s.settings) as Record<string, unknown>)), s.app_id);
}

/**
 * Migration 5: relay tokens, the credential of POST /telemetry/beacons, per app: the token's SHA-256
 * and last four characters, never the token. No foreign key, like webhooks: deleting an app deletes
 * its tokens (AppManagement).
 */
function relayTokens(db: SqliteDatabase): void {
  db.exec(`
    CREATE TABLE relay_tokens (
      id TEXT PRIMARY KEY,
      app_id TEXT NOT NULL,
      name TEXT NOT NULL,
      digest TEXT NOT NULL,
      last_four TEXT NOT NULL,
      created_at INTEGER NOT NULL
    );
    CREATE INDEX relay_tokens_app ON relay_tokens (app_id, created_at);
  `);
}

/** Append only; the version is the position, from 1. docs/migrations.md says how to add one. */
export const SQLITE_MIGRATIONS: readonly SqliteMigration[] = [
  { version: 1, name: 'the schema of release 0.1.0', up: schemaOf010 },
  { version: 2, name: 'snake_case column names', up: snakeCaseColumns },
  { version: 3, name: 'refused-beacon counts', up: beaconRefusals },
  { version: 4, name: 'one rollout state per release, with its history', up: releaseStateV3 },
  { version: 5, name: 'relay tokens', up: relayTokens },
];

/** The schema version this code writes: the last migration's. */
export const SQLITE_SCHEMA_VERSION = SQLITE_MIGRATIONS[SQLITE_MIGRATIONS.length - 1]!.version;

export const schemaVersionOf = (db: SqliteDatabase) => db.pragma('user_version', { simple: true }) as number;

/**
 * Brings the database to `target` (the code's version unless a test asks for less), one migration
 * per IMMEDIATE transaction that also sets PRAGMA user_version, so a crash leaves it at a whole
 * version. The version is read again inside each transaction: another process opening the same
 * file may have applied it meanwhile. A database newer than the code is refused, before any write.
 */
export function migrateSqlite(db: SqliteDatabase, file: string, target = SQLITE_SCHEMA_VERSION, migrations = SQLITE_MIGRATIONS): number[] {
  const found = schemaVersionOf(db);
  const latest = migrations[migrations.length - 1]?.version ?? 0;
  if (found > latest) {
    throw new Error(`${file} has schema version ${found}, newer than this code's ${latest}: it was written by a newer Telltale; run that release or restore a backup made before the upgrade (there is no downgrade)`);
  }
  const applied: number[] = [];
  for (const migration of migrations) {
    if (migration.version > target || migration.version <= found) continue;
    const apply = db.transaction(() => {
      if (schemaVersionOf(db) >= migration.version) return;
      migration.up(db);
      db.pragma(`user_version = ${migration.version}`);
      applied.push(migration.version);
    });
    try {
      apply.immediate();
    } catch (error) {
      throw new Error(`${file}: migration ${migration.version} (${migration.name}) failed, the database is left at version ${schemaVersionOf(db)}: ${(error as Error).message}`, { cause: error });
    }
  }
  return applied;
}
