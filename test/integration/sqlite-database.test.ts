import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openSqliteDatabase, SQLITE_FILE_NAME } from '../../src/adapters/sqlite/sqlite-database';
import { SqliteAccountRepository } from '../../src/adapters/sqlite/sqlite-account-repository';
import { SQLITE_SCHEMA_VERSION } from '../../src/adapters/sqlite/sqlite-migrations';
import { SqliteAppDirectory } from '../../src/adapters/sqlite/sqlite-app-directory';
import { SqliteDeviceSketchStore } from '../../src/adapters/sqlite/sqlite-device-sketches';
import { SqliteBeaconRefusalStore } from '../../src/adapters/sqlite/sqlite-beacon-refusals';
import { SqliteReportRepository } from '../../src/adapters/sqlite/sqlite-report-repository';
import { SqliteVerdictStore } from '../../src/adapters/sqlite/sqlite-verdict-store';
import { SqliteWebhookStore } from '../../src/adapters/sqlite/sqlite-webhook-store';
import { UnavailableError } from '../../src/domain/errors';
import { adminAccount } from '../fixtures/accounts';
import { appRecord, at, reportEvent } from '../fixtures/groups';
import { newReportKey } from '../fixtures/reports';
import { readAll } from '../fixtures/sketches';
import { tempSqlite } from '../fixtures/sqlite';

describe('SQLite database (embedded default)', () => {
  const cleanups: Array<() => Promise<void>> = [];
  const temp = (...args: Parameters<typeof tempSqlite>) => {
    const t = tempSqlite(...args);
    cleanups.push(t.cleanup);
    return t;
  };
  afterEach(async () => {
    while (cleanups.length > 0) await cleanups.pop()!();
  });

  it('when opened, then DATA_DIR/telltale.db exists in WAL mode with foreign keys, a busy timeout and every table at the code’s schema version', () => {
    const { db, dataDir } = temp();
    expect(existsSync(join(dataDir, SQLITE_FILE_NAME))).toBe(true);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
    expect(tables).toEqual([
      'accounts',
      'apps',
      'beacon_refusals',
      'beacon_unmatched',
      'device_sketches',
      'leases',
      'outbox_events',
      'relay_tokens',
      'report_blobs',
      'report_groups',
      'report_keys',
      'rollout_history',
      'rollout_releases',
      'rollout_settings',
      'sketch_day_keys',
      'sqlite_sequence',
      'webhook_attempts',
      'webhook_deliveries',
      'webhooks',
    ]);
    expect(db.pragma('user_version', { simple: true })).toBe(SQLITE_SCHEMA_VERSION);
  });

  it('when the data directory does not exist yet, then it is created', () => {
    const { dataDir } = temp();
    const nested = join(dataDir, 'a', 'b');
    const db = openSqliteDatabase(nested);
    db.close();
    expect(existsSync(join(nested, SQLITE_FILE_NAME))).toBe(true);
  });

  it('when reopened, then the schema is left as is and the data is still there', async () => {
    const { db, dataDir } = temp();
    await new SqliteReportRepository(db).recordEvent(reportEvent());
    await new SqliteAppDirectory(db).createApp(appRecord({ id: 'app-1' }));
    db.close();
    const again = openSqliteDatabase(dataDir);
    try {
      expect((await new SqliteReportRepository(again).findGroup('app-1', reportEvent().groupHash))?.stats.count).toBe(1);
      expect(await new SqliteAppDirectory(again).getApp('app-1')).not.toBeNull();
      const indexes = again.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all();
      expect(indexes).toEqual([
        'accounts_owner',
        'beacon_refusals_expiry',
        'device_sketches_expiry',
        'outbox_events_undispatched',
        'relay_tokens_app',
        'report_blobs_expires',
        'report_blobs_group_created',
        'report_groups_app_last_seen',
        'rollout_history_release_at',
        'webhook_attempts_webhook',
        'webhook_deliveries_due',
        'webhooks_app',
      ]);
    } finally {
      again.close();
    }
  });

  it('when recordEvent runs, then it is one statement: one write, and no read before it', async () => {
    const { db } = temp();
    const repo = new SqliteReportRepository(db);
    const statements: string[] = [];
    const traced = new Proxy(db, {
      get(target, prop, receiver) {
        if (prop === 'prepare') return (sql: string) => (statements.push(sql), target.prepare(sql));
        const value = Reflect.get(target, prop, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const tracedRepo = new SqliteReportRepository(traced);
    const prepared = statements.length;
    const changesBefore = db.prepare('SELECT total_changes()').pluck().get() as number;
    await tracedRepo.recordEvent(reportEvent());
    await tracedRepo.recordEvent(reportEvent({ at: at(1) }));
    expect(statements.length).toBe(prepared);
    // Two upserts, and the group.new outbox row their first one's trigger adds inside the same statement.
    expect(db.prepare('SELECT type FROM outbox_events').pluck().all()).toEqual(['group.new']);
    expect((db.prepare('SELECT total_changes()').pluck().get() as number) - changesBefore).toBe(3);
    expect(tracedRepo.writes).toBe(2);
    expect((await repo.findGroup('app-1', reportEvent().groupHash))?.stats.count).toBe(2);
  });

  it('when the adapters serve the same kinds of calls again, then no statement is prepared again: fixed SQL in constructors, filters cached by shape', async () => {
    const { db } = temp();
    let prepared = 0;
    const traced = new Proxy(db, {
      get(target, prop, receiver) {
        if (prop === 'prepare') return (sql: string) => (prepared++, target.prepare(sql));
        const value = Reflect.get(target, prop, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const repo = new SqliteReportRepository(traced);
    const directory = new SqliteAppDirectory(traced);
    const webhooks = new SqliteWebhookStore(traced);
    const verdicts = new SqliteVerdictStore(traced);
    const sketches = new SqliteDeviceSketchStore(traced);
    const refusals = new SqliteBeaconRefusalStore(traced);
    const calls = async (round: number) => {
      await directory.createApp(appRecord({ id: `app-${round}`, name: `app ${round}` }));
      await directory.setReportKey(`app-${round}`, newReportKey(), at(round));
      await directory.getApp(`app-${round}`);
      await repo.recordEvent(reportEvent({ appId: `app-${round}` }));
      await repo.listGroups({ appIds: [`app-${round}`], status: 'open' }, 1, 10);
      await repo.summarize({ appId: `app-${round}`, groupBy: ['version', 'type'] });
      await repo.deleteGroup(`app-${round}`, reportEvent().groupHash);
      await webhooks.listWebhooks(`app-${round}`);
      await verdicts.findRelease(`app-${round}`, '1.0.0');
      await verdicts.getSettings(`app-${round}`);
      await readAll(sketches, { appId: `app-${round}`, granularity: 'hour', from: at(0), to: at(3_600_000), cell: { version: '1.0.0' } });
      await sketches.cellsIn(`app-${round}`, at(0));
      await refusals.add([{ appId: `app-${round}`, cell: null, granularity: 'hour', bucket: at(0), reason: 'cell_cap', count: 1 }]);
      await refusals.totals({ appId: `app-${round}`, granularity: 'hour', from: at(0), to: at(3_600_000) });
    };
    await calls(1);
    const afterFirst = prepared;
    await calls(2);
    await calls(3);
    expect(prepared).toBe(afterFirst);
  });

  it('when another connection holds the write lock past the busy timeout, then recordEvent rejects with UnavailableError', async () => {
    const { db, dataDir } = temp({ busyTimeoutMs: 50 });
    const repo = new SqliteReportRepository(db);
    const other = new Database(join(dataDir, SQLITE_FILE_NAME));
    other.exec('BEGIN IMMEDIATE');
    try {
      await expect(repo.recordEvent(reportEvent())).rejects.toBeInstanceOf(UnavailableError);
      await expect(repo.recordEvent(reportEvent())).rejects.toMatchObject({ cause: { code: 'SQLITE_BUSY' } });
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    await repo.recordEvent(reportEvent());
    expect((await repo.findGroup('app-1', reportEvent().groupHash))?.stats.count).toBe(1);
  });

  it('when the database is closed, then the adapters reject with UnavailableError', async () => {
    const { db } = temp();
    const repo = new SqliteReportRepository(db);
    const directory = new SqliteAppDirectory(db);
    db.close();
    await expect(repo.recordEvent(reportEvent())).rejects.toBeInstanceOf(UnavailableError);
    await expect(repo.ping()).rejects.toBeInstanceOf(UnavailableError);
    await expect(directory.findByReportKey(newReportKey())).rejects.toBeInstanceOf(UnavailableError);
  });

  it('when the database is closed, then the account repository rejects with UnavailableError, so a JWT route answers 503 rather than 500', async () => {
    const { db } = temp();
    const accounts = new SqliteAccountRepository(db);
    const admin = await accounts.create(adminAccount());
    db.close();
    await expect(accounts.findById(admin.id)).rejects.toBeInstanceOf(UnavailableError);
    await expect(accounts.findByUsername(admin.username)).rejects.toBeInstanceOf(UnavailableError);
    await expect(accounts.create(adminAccount())).rejects.toBeInstanceOf(UnavailableError);
  });

  it('when another connection holds the write lock past the busy timeout, then an account update rejects with UnavailableError', async () => {
    const { db, dataDir } = temp({ busyTimeoutMs: 50 });
    const accounts = new SqliteAccountRepository(db);
    const admin = await accounts.create(adminAccount());
    const other = new Database(join(dataDir, SQLITE_FILE_NAME));
    other.exec('BEGIN IMMEDIATE');
    try {
      await expect(accounts.update(admin.id, { username: 'renamed', updatedAt: at(1) })).rejects.toBeInstanceOf(UnavailableError);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    expect((await accounts.update(admin.id, { username: 'renamed', updatedAt: at(1) }))?.username).toBe('renamed');
  });

  it('when an app is deleted behind the adapter’s back, then its key goes with it (foreign key cascade)', async () => {
    const { db } = temp();
    const directory = new SqliteAppDirectory(db);
    await directory.createApp(appRecord({ id: 'app-1' }));
    const key = newReportKey();
    await directory.setReportKey('app-1', key, at(0));
    db.prepare('DELETE FROM apps WHERE id = ?').run('app-1');
    expect(await directory.findByReportKey(key)).toBeNull();
    expect(db.prepare('SELECT count(*) FROM report_keys').pluck().get()).toBe(0);
  });
});
