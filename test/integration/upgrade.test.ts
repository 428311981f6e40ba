// Upgrades keep data: a DATA_DIR written by release 0.1.0 (test/fixtures/upgrade/0.1.0, made by
// scripts/make-upgrade-fixture.ts) opens on today's code with everything there.
//
// Each schema change adds its own step to STEPS below: what its migration must have done to the
// 0.1.0 database (new columns there, old ones gone, a backfill's values). The suite fails while a
// migration in SQLITE_MIGRATIONS has no step, and checks every step on its own: the fixture is
// migrated to the version before, then through that one migration, and must then hold the same
// schema as a fresh database at that version, with no row lost. docs/migrations.md walks through it.
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import pino from 'pino';
import request from 'supertest';
import { ManualClock } from '../fixtures/clock';
import { openSqliteDatabase, SQLITE_FILE_NAME } from '../../src/adapters/sqlite/sqlite-database';
import { migrateSqlite, schemaVersionOf, SQLITE_MIGRATIONS, SQLITE_SCHEMA_VERSION } from '../../src/adapters/sqlite/sqlite-migrations';
import { compose, type Composition } from '../../src/composition/compose';
import { loadConfig } from '../../src/composition/config';
import { createApp } from '../../src/composition/create-app';

const FIXTURE = join(__dirname, '../fixtures/upgrade/0.1.0');
const answers = require(join(FIXTURE, 'answers.json')) as FixtureAnswers;

interface FixtureAnswers {
  fixture_end: string;
  admin: { username: string; password: string };
  team_user: { username: string; password: string; id: string };
  app: { id: string; name: string; report_key: string };
  webhook: { id: string; url: string; secret: string };
  groups: { withDetails: string; resolved: string; muted: string };
  blob: { id: string; key: string; details: string };
  responses: Record<string, unknown>;
}

/** A copy of the fixture's DATA_DIR, so the committed bytes never change. */
function copyOfFixture(): { dataDir: string; remove(): void } {
  const dataDir = mkdtempSync(join(tmpdir(), 'telltale-upgrade-'));
  cpSync(join(FIXTURE, 'data-dir'), dataDir, { recursive: true });
  return { dataDir, remove: () => rmSync(dataDir, { recursive: true, force: true }) };
}

/** The whole service on the copy, as `npm start` composes it, on a clock at the fixture's close. */
async function openService(dataDir: string): Promise<{ c: Composition; app: ReturnType<typeof createApp>; clock: ManualClock }> {
  const clock = new ManualClock(new Date(answers.fixture_end));
  const config = loadConfig({ DATA_DIR: dataDir, REPOSITORY_DRIVER: 'sqlite', STORAGE_DRIVER: 'fs', ROLLOUT_FLUSH_INTERVAL_MS: '600000', LOG_LEVEL: 'silent' });
  const c = await compose(config, { clock, logger: pino({ level: 'silent' }) });
  return { c, app: createApp(c.deps), clock };
}

async function signIn(app: ReturnType<typeof createApp>, who: { username: string; password: string }): Promise<string> {
  const res = await request(app).post('/auth/login').send({ username: who.username, password: who.password });
  expect(res.status).toBe(200);
  return res.body.token as string;
}

describe('upgrading a DATA_DIR written by 0.1.0', () => {
  let copy: ReturnType<typeof copyOfFixture>;
  let service: Awaited<ReturnType<typeof openService>>;
  beforeAll(async () => {
    copy = copyOfFixture();
    service = await openService(copy.dataDir);
  });
  afterAll(async () => {
    await service?.c.close();
    copy?.remove();
  });

  it('when opened, then alice and bob sign in with their 0.1.0 passwords', async () => {
    expect(await signIn(service.app, answers.admin)).toMatch(/^ey/);
    const bob = await signIn(service.app, answers.team_user);
    const groups = await request(service.app).get(`/reports/groups?app=${answers.app.id}`).set('Authorization', `Bearer ${bob}`);
    expect(groups.status).toBe(200);
    expect(groups.body.total).toBe(7);
  });

  it('when every read 0.1.0 answered is asked again, then the answers are the same: apps, keys, users, groups, blobs, webhooks, settings, rates, verdicts', async () => {
    const token = await signIn(service.app, answers.admin);
    const paths = Object.keys(answers.responses);
    expect(paths.length).toBeGreaterThanOrEqual(16);
    for (const path of paths) {
      const res = await request(service.app).get(path).set('Authorization', `Bearer ${token}`);
      const same = sameDataOf(path);
      expect({ path, status: res.status, body: same(withoutAdditions(path, res.body)) }).toEqual({ path, status: 200, body: same(answers.responses[path]) });
    }
  });

  it('when the stored details are downloaded through their signed URL, then they are the bytes 0.1.0 stored', async () => {
    const token = await signIn(service.app, answers.admin);
    const blobs = await request(service.app).get(`/reports/groups/${answers.groups.withDetails}/blobs?app=${answers.app.id}`).set('Authorization', `Bearer ${token}`);
    const [blob] = blobs.body.items;
    expect(blob.id).toBe(answers.blob.id);
    const url = new URL(blob.url);
    const res = await request(service.app).get(`${url.pathname}${url.search}`).buffer(true).parse((r, done) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c)).on('end', () => done(null, Buffer.concat(chunks)));
    });
    expect(res.status).toBe(200);
    expect(gunzipSync(res.body as Buffer).toString('utf8')).toBe(answers.blob.details);
  });

  it('when the 0.1.0 report key sends a report to the resolved group, then it is counted and the group regresses, with its webhook event', async () => {
    const res = await request(service.app)
      .post('/reports/ingest')
      .set('Authorization', `Bearer ${answers.app.report_key}`)
      .set('X-Device-ID', 'after-upgrade-1')
      .send({
        application: { name: 'desktop', version: '1.0.0', channel: 'stable' },
        system: { platform: 'android', arch: 'arm64' },
        event: { type: 'update_failure', reason: 'checksum_mismatch' },
      });
    expect(res.status).toBe(202);
    expect(res.body.group_hash).toBe(answers.groups.resolved);
    const group = await service.c.repository.findGroup(answers.app.id, answers.groups.resolved);
    expect(group).toMatchObject({ status: 'open', stats: { count: 3 }, resolvedBy: expect.any(String) });
    await service.c.verdicts.delivery.runOnce();
    const token = await signIn(service.app, answers.admin);
    const deliveries = await request(service.app).get(`/apps/${answers.app.id}/webhooks/${answers.webhook.id}/deliveries?limit=50`).set('Authorization', `Bearer ${token}`);
    // The pending 0.1.0 delivery was retried (its receiver is gone) and the regression went out once.
    expect(deliveries.body.items.filter((d: { attempt: number }) => d.attempt === 2)).toHaveLength(1);
    expect(deliveries.body.items).toHaveLength(11);
  });

  it('when the evaluator runs again an hour later, then the resumed release keeps its resume, its baseline and its settings', async () => {
    service.clock.advance(60 * 60_000);
    const health = await service.c.verdicts.evaluator.evaluateRelease(answers.app.id, '1.1.0');
    const recorded = answers.responses[`/rollouts/health?app=${answers.app.id}&version=1.1.0`] as { resumed: { at: string; by: string; note: string } };
    expect(health).toMatchObject({ version: '1.1.0', role: 'rollout', verdict: 'watch', baselineVersion: '1.0.0', resumedBy: recorded.resumed.by, resumeNote: recorded.resumed.note });
    expect(health!.resumedAt?.toISOString()).toBe(recorded.resumed.at);
    expect(health!.reasons).toContain('evidence_restarted');
  });
});

/**
 * Reads whose shape changed on purpose since 0.1.0, and the data in them that must be the same after
 * the upgrade. A read not listed here must answer exactly as 0.1.0 did; a change of shape adds its
 * projection here, with the reason.
 */
const CHANGED_BY_DESIGN: Array<[RegExp, (body: any) => unknown]> = [
  // The app list carries each app's worst current rollout (rollout health III).
  [/^\/apps$/, (b) => ({ items: b.items.map(({ rollout: _rollout, ...app }: Record<string, unknown>) => app) })],
  // Settings: the absolute limits are named for what they are (android_vitals_* → crash_rate_limit*),
  // and healthy needs 1/0.001 instead of 1/0.05 (the simulation in docs/rollout-health.md).
  [
    /\/rollout-settings$/,
    (b) => ({
      ...Object.fromEntries(Object.entries(b).filter(([k]) => !['alpha_healthy', 'android_vitals_overall', 'android_vitals_cell', 'crash_rate_limit', 'crash_rate_limit_platform'].includes(k))),
      limits: [b.crash_rate_limit ?? b.android_vitals_overall, b.crash_rate_limit_platform ?? b.android_vitals_cell],
    }),
  ],
  // Rates: a failure rate without its denominator is null (no_denominator).
  [/^\/rollouts\/rates/, (b) => ({ ...b, cells: b.cells.map((c: any) => (c.suppressed ? c : { ...c, rates: { crash: c.rates.crash, crash_free: c.rates.crash_free } })) })],
  // Health: one verdict per release with a role (no per-cell verdicts); what a person did stays.
  [/^\/rollouts\/health/, (b) => ({ app_id: b.app_id, version: b.version, baseline_version: b.baseline_version, resumed: b.resumed })],
];

const sameDataOf = (path: string): ((body: unknown) => unknown) => CHANGED_BY_DESIGN.find(([pattern]) => pattern.test(path))?.[1] ?? ((body) => body);

/**
 * Fields answers gained after 0.1.0, checked for what they must say about 0.1.0's data and then
 * taken out, so that the rest is compared as it was: an addition is not a change.
 */
function withoutAdditions(path: string, body: unknown): unknown {
  if (!path.startsWith('/rollouts/rates')) return body;
  // Refused-beacon counts (SQLite migration 3): 0.1.0 counted no refusal, so every count is 0.
  const rates = body as { cells: Array<Record<string, unknown>>; refused_beacons?: unknown };
  expect(rates.refused_beacons).toEqual({ total: 0, unattributed: 0, by_reason: { ip_limit: 0, cell_cap: 0, pending_cap: 0 } });
  const cells = rates.cells.map(({ refused_beacons, ...cell }) => {
    expect(refused_beacons).toBe(0);
    return cell;
  });
  const { refused_beacons: _, ...rest } = rates;
  return { ...rest, cells };
}

type Db = Database.Database;

const columnsOf = (db: Db, table: string) => db.prepare(`SELECT name FROM pragma_table_info('${table}')`).pluck().all() as string[];
const sqlOf = (db: Db, name: string) => db.prepare('SELECT sql FROM sqlite_master WHERE name = ?').pluck().get(name) as string | undefined;

/** What migration N must have done to the 0.1.0 database. A new migration adds its step here. */
const STEPS: Record<number, (db: Db) => void> = {
  1: (db) => {
    // 0.1.0 had every table already; migration 1 only adopts them.
    expect(columnsOf(db, 'report_groups')).toContain('last_event_reopened');
    expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name").pluck().all()).toEqual(['report_groups_new', 'report_groups_regressed']);
  },
  2: (db) => {
    expect(columnsOf(db, 'report_groups')).toEqual(expect.arrayContaining(['group_hash', 'first_seen', 'last_seen', 'details_stored', 'details_rejected', 'resolved_at', 'resolved_by', 'created_at', 'updated_at']));
    expect(columnsOf(db, 'report_blobs')).toEqual(expect.arrayContaining(['group_hash', 'storage_compressed_size', 'storage_decompressed_size', 'storage_content_type', 'created_at', 'expires_at']));
    expect(columnsOf(db, 'rollout_releases')).toEqual(expect.arrayContaining(['baseline_version', 'data_through', 'evaluated_at', 'resumed_at', 'resumed_by', 'resume_note']));
    expect(columnsOf(db, 'webhook_attempts')).toEqual(expect.arrayContaining(['response_status', 'next_attempt_at']));
    const camel = /[a-z][A-Z]/;
    for (const table of tablesOf(db)) expect({ table, camelCase: columnsOf(db, table).filter((c) => camel.test(c)) }).toEqual({ table, camelCase: [] });
    expect(sqlOf(db, 'report_groups_app_last_seen')).toContain('last_seen DESC');
    expect(sqlOf(db, 'report_groups_new')).toContain('NEW.group_hash');
    expect(sqlOf(db, 'report_groups_regressed')).not.toMatch(/groupHash|updatedAt/);
    // The renamed columns kept their values.
    expect(db.prepare("SELECT count(*) FROM report_groups WHERE status = 'resolved' AND resolved_by IS NOT NULL AND last_seen >= first_seen").pluck().get()).toBe(1);
    expect(db.prepare('SELECT storage_compressed_size FROM report_blobs').pluck().get()).toBe(82);
  },
  3: (db) => {
    expect(columnsOf(db, 'beacon_refusals')).toEqual(['app_id', 'granularity', 'bucket', 'cell', 'reason', 'count']);
    expect(columnsOf(db, 'beacon_unmatched')).toEqual(['hour', 'reason', 'owner', 'app_name', 'count']);
    expect(sqlOf(db, 'beacon_refusals_expiry')).toContain('(granularity, bucket)');
    // New tables only: the sketches 0.1.0 counted are still there for the rates to merge.
    expect(db.prepare('SELECT count(*) FROM device_sketches').pluck().get()).toBeGreaterThan(0);
  },
  4: (db) => {
    // One state per release: the cells' verdict state folded in, the cells' table gone, a history begun.
    expect(tablesOf(db)).not.toContain('rollout_cells');
    expect(columnsOf(db, 'rollout_releases')).toEqual(expect.arrayContaining(['role', 'reasons', 'consecutive_healthy', 'halted_at', 'superseded_by', 'active_device_days', 'state']));
    const r = db.prepare("SELECT * FROM rollout_releases WHERE version = '1.1.0'").get() as Record<string, unknown>;
    expect(r).toMatchObject({ role: 'rollout', verdict: 'watch', baseline_version: '1.0.0', resumed_by: 'alice', halted_at: null, state: null });
    expect(JSON.parse(r.reasons as string)).toEqual(expect.any(Array));
    const lines = db.prepare("SELECT kind, from_value, to_value, by_user, note FROM rollout_history WHERE version = '1.1.0' ORDER BY at, id").all();
    expect(lines).toEqual([
      { kind: 'resume', from_value: null, to_value: null, by_user: 'alice', note: 'crash fixed by a config push' },
      { kind: 'verdict', from_value: null, to_value: 'watch', by_user: null, note: null },
    ]);
    expect(db.prepare('SELECT count(*) FROM rollout_history').pluck().get()).toBe(db.prepare('SELECT count(*) FROM rollout_releases').pluck().get() as number + 1);
    const settings = JSON.parse(db.prepare('SELECT settings FROM rollout_settings').pluck().get() as string) as Record<string, unknown>;
    expect(settings).toMatchObject({ baseline: '1.0.0', minDevices: 25 });
    expect(Object.keys(settings).filter((k) => k.startsWith('androidVitals'))).toEqual([]);
  },
  5: (db) => {
    // A new, empty table: 0.1.0's relays used the report key, which a batch no longer takes.
    expect(columnsOf(db, 'relay_tokens')).toEqual(['id', 'app_id', 'name', 'digest', 'last_four', 'created_at']);
    expect(sqlOf(db, 'relay_tokens_app')).toContain('(app_id, created_at)');
    expect(db.prepare('SELECT count(*) FROM relay_tokens').pluck().get()).toBe(0);
    expect(db.prepare('SELECT count(*) FROM report_keys').pluck().get()).toBe(1);
  },
};

/** Tables a migration retires or begins, whose rows it moves rather than keeps (checked by its step). */
const MOVED_TABLES: Record<number, string[]> = { 4: ['rollout_cells', 'rollout_history'] };

const tablesOf = (db: Db) => db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[];

/** Tables, columns, indexes and triggers, in a form that two databases' schemas compare by. */
function schemaOf(db: Db): unknown {
  const objects = db.prepare("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name").all() as Array<{ sql: string | null }>;
  return {
    objects: objects.map((o) => ({ ...o, sql: o.sql?.replace(/\s+/g, ' ').replace(/ IF NOT EXISTS/i, '') })),
    columns: Object.fromEntries(tablesOf(db).map((t) => [t, db.prepare(`SELECT name, type, "notnull", dflt_value, pk FROM pragma_table_xinfo('${t}')`).all()])),
  };
}

const WRITER = join(__dirname, '../fixtures/sqlite-writer.ts');

/** A process that opens DATA_DIR's database (migrating it) and counts one event into app-1. */
const writer = (dataDir: string) =>
  new Promise<void>((done, fail) => {
    execFile(process.execPath, ['-r', '@swc-node/register', WRITER, dataDir, '1', '1'], { cwd: join(__dirname, '../..') }, (error, _out, stderr) =>
      error ? fail(new Error(`writer failed: ${stderr}`)) : done(),
    );
  });

const rowCounts = (db: Db): Record<string, number> => Object.fromEntries(tablesOf(db).map((t) => [t, db.prepare(`SELECT count(*) FROM "${t}"`).pluck().get() as number]));

/** `before`'s tables with their counts, plus the tables a migration created since, empty. */
const withNewTables = (db: Db, before: Record<string, number>) => ({ ...Object.fromEntries(tablesOf(db).map((t) => [t, 0])), ...before });

describe('SQLite migrations on the 0.1.0 fixture', () => {
  const copies: Array<ReturnType<typeof copyOfFixture>> = [];
  const dbs: Db[] = [];
  /** The fixture's database (a copy), opened raw: user_version 0, nothing migrated. */
  const fixtureDb = () => {
    const copy = copyOfFixture();
    copies.push(copy);
    const db = new Database(join(copy.dataDir, SQLITE_FILE_NAME));
    dbs.push(db);
    return { db, file: join(copy.dataDir, SQLITE_FILE_NAME), dataDir: copy.dataDir };
  };
  const freshDb = () => {
    const dir = mkdtempSync(join(tmpdir(), 'telltale-fresh-'));
    copies.push({ dataDir: dir, remove: () => rmSync(dir, { recursive: true, force: true }) });
    const db = new Database(join(dir, SQLITE_FILE_NAME));
    dbs.push(db);
    return { db, file: join(dir, SQLITE_FILE_NAME) };
  };
  afterEach(() => {
    while (dbs.length > 0) dbs.pop()!.close();
    while (copies.length > 0) copies.pop()!.remove();
  });

  it('the migrations are numbered 1, 2, … with no gap, and each has its step in this suite', () => {
    expect(SQLITE_MIGRATIONS.map((m) => m.version)).toEqual(SQLITE_MIGRATIONS.map((_, i) => i + 1));
    expect(Object.keys(STEPS).map(Number)).toEqual(SQLITE_MIGRATIONS.map((m) => m.version));
    expect(SQLITE_SCHEMA_VERSION).toBe(SQLITE_MIGRATIONS.length);
  });

  it('the fixture is a 0.1.0 database: user_version 0, every table already there', () => {
    const { db } = fixtureDb();
    expect(schemaVersionOf(db)).toBe(0);
    expect(tablesOf(db)).toContain('device_sketches');
  });

  for (const migration of SQLITE_MIGRATIONS) {
    it(`migration ${migration.version} (${migration.name}): from version ${migration.version - 1}, the fixture gets its step, keeps every row, and has a fresh database's schema`, () => {
      const { db, file } = fixtureDb();
      migrateSqlite(db, file, migration.version - 1);
      const kept = (counts: Record<string, number>) => Object.fromEntries(Object.entries(counts).filter(([t]) => !(MOVED_TABLES[migration.version] ?? []).includes(t)));
      const before = kept(rowCounts(db));
      expect(migrateSqlite(db, file, migration.version)).toEqual([migration.version]);
      expect(schemaVersionOf(db)).toBe(migration.version);
      STEPS[migration.version]!(db);
      expect(kept(rowCounts(db))).toEqual(kept(withNewTables(db, before)));
      const fresh = freshDb();
      migrateSqlite(fresh.db, fresh.file, migration.version);
      expect(schemaOf(db)).toEqual(schemaOf(fresh.db));
    });
  }

  it('when the database is opened twice, then the second open migrates nothing and changes nothing', () => {
    const { db, file, dataDir } = fixtureDb();
    db.close();
    openSqliteDatabase(dataDir).close();
    const once = new Database(file);
    dbs.push(once);
    const schema = schemaOf(once);
    const counts = rowCounts(once);
    expect(schemaVersionOf(once)).toBe(SQLITE_SCHEMA_VERSION);
    expect(migrateSqlite(once, file)).toEqual([]);
    openSqliteDatabase(dataDir).close();
    expect(schemaOf(once)).toEqual(schema);
    expect(rowCounts(once)).toEqual(counts);
  });

  it('when three processes open the 0.1.0 database at once, then one migrates it, the others wait and find it done, and all of them write', async () => {
    const { db, file, dataDir } = fixtureDb();
    const before = rowCounts(db);
    db.close();
    await Promise.all([1, 2, 3].map(() => writer(dataDir)));
    const after = new Database(file);
    dbs.push(after);
    expect(schemaVersionOf(after)).toBe(SQLITE_SCHEMA_VERSION);
    expect(after.prepare("SELECT count FROM report_groups WHERE app_id = 'app-1'").pluck().all()).toEqual([3]);
    const unmoved = (counts: Record<string, number>) => Object.fromEntries(Object.entries(counts).filter(([t]) => !Object.values(MOVED_TABLES).flat().includes(t)));
    expect(unmoved(rowCounts(after))).toEqual(unmoved({ ...withNewTables(after, before), report_groups: before.report_groups + 1, outbox_events: before.outbox_events + 1 }));
  }, 60_000);

  it('when a database from before webhooks lacks last_event_reopened, then migration 1 adds it and keeps its groups', () => {
    const { db, file } = freshDb();
    migrateSqlite(db, file, 1);
    db.exec("INSERT INTO apps VALUES ('app-1', 'owner-1', 'my-app', 1, 0, 0)");
    db.exec('DROP TRIGGER report_groups_new; DROP TRIGGER report_groups_regressed; ALTER TABLE report_groups DROP COLUMN last_event_reopened');
    db.pragma('user_version = 0');
    expect(migrateSqlite(db, file, 1)).toEqual([1]);
    expect(columnsOf(db, 'report_groups')).toContain('last_event_reopened');
    expect(db.prepare('SELECT count(*) FROM apps').pluck().get()).toBe(1);
  });

  it('when the database is newer than the code, then the service refuses to start, naming the file and both versions, and writes nothing', async () => {
    const { db, file, dataDir } = fixtureDb();
    db.pragma(`user_version = ${SQLITE_SCHEMA_VERSION + 1}`);
    const schema = schemaOf(db);
    const config = loadConfig({ DATA_DIR: dataDir, REPOSITORY_DRIVER: 'sqlite', STORAGE_DRIVER: 'fs', LOG_LEVEL: 'silent' });
    await expect(compose(config, { logger: pino({ level: 'silent' }) })).rejects.toThrow(
      `DATA_DIR: cannot open the database under ${dataDir}: ${file} has schema version ${SQLITE_SCHEMA_VERSION + 1}, newer than this code's ${SQLITE_SCHEMA_VERSION}`,
    );
    expect(schemaVersionOf(db)).toBe(SQLITE_SCHEMA_VERSION + 1);
    expect(schemaOf(db)).toEqual(schema);
  });

  it('when a migration fails, then its changes are rolled back and the database stays at the version before it', () => {
    const { db, file } = fixtureDb();
    const failing = [...SQLITE_MIGRATIONS, { version: SQLITE_SCHEMA_VERSION + 1, name: 'broken', up: (d: Db) => d.exec('CREATE TABLE half_done (x); SELECT no_such_function()') }];
    expect(() => migrateSqlite(db, file, SQLITE_SCHEMA_VERSION + 1, failing)).toThrow(`${file}: migration ${SQLITE_SCHEMA_VERSION + 1} (broken) failed, the database is left at version ${SQLITE_SCHEMA_VERSION}`);
    expect(schemaVersionOf(db)).toBe(SQLITE_SCHEMA_VERSION);
    expect(tablesOf(db)).not.toContain('half_done');
  });
});
