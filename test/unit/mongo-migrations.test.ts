import { Aggregator, find, updateOne } from 'mingo';
import type { Db, Document } from 'mongodb';
import { APPLIED_FILTER, APPLIED_SORT, migrationPlan, MIGRATIONS_COLLECTION, recordMigration, type MongoIndexSpec } from '../../src/adapters/mongo/mongo-migration-builders';
import { migrateMongo, MONGO_MIGRATIONS, MONGO_SCHEMA_VERSION, mongoIndexes, type MongoMigration } from '../../src/adapters/mongo/mongo-migrations';

// The migration runner against a database whose collections are arrays evaluated by mingo: the
// filters, sorts and upsert pipelines are the ones sent to MongoDB. createIndex is recorded, not
// evaluated; test/integration/mongo.test.ts runs the same migrations on a server when one answers.

/** MongoDB's upsert rule: with no match, the document starts from the filter's $eq clauses. */
function upsert(docs: Document[], filter: Document, pipeline: Document[]): void {
  if (updateOne(docs, filter, pipeline as never).matchedCount > 0) return;
  const seed: Document = {};
  for (const [field, condition] of Object.entries(filter)) seed[field] = (condition as { $eq: unknown }).$eq;
  docs.push(new Aggregator(pipeline).run([seed])[0]!);
}

class MingoDb {
  readonly databaseName = 'telltale_test';
  readonly data = new Map<string, Document[]>();
  readonly indexes: Array<{ collection: string; key: Document; options: Document }> = [];

  docs(name: string): Document[] {
    if (!this.data.has(name)) this.data.set(name, []);
    return this.data.get(name)!;
  }

  collection(name: string) {
    const docs = this.docs(name);
    return {
      find: (filter: Document) => ({
        sort: (sort: Document) => ({ toArray: async () => find(docs, filter).sort(sort as never).all() }),
        toArray: async () => find(docs, filter).all(),
      }),
      createIndex: async (key: Document, options: Document) => void this.indexes.push({ collection: name, key, options }),
      updateOne: async (filter: Document, update: Document | Document[], options: { upsert?: boolean } = {}) => {
        if (Array.isArray(update)) {
          expect(options.upsert).toBe(true);
          upsert(docs, filter, update);
          return;
        }
        // An update document: with upsert and no match, MongoDB inserts the filter's $eq fields plus $setOnInsert.
        const { $setOnInsert, ...rest } = update as { $setOnInsert?: Document };
        if (find(docs, filter).all().length === 0) {
          if (!options.upsert) return;
          docs.push({ ...Object.fromEntries(Object.entries(filter).map(([k, v]) => [k, (v as { $eq?: unknown }).$eq ?? v])), ...($setOnInsert ?? {}) });
        }
        if (Object.keys(rest).length > 0) updateOne(docs, filter, rest);
      },
      updateMany: async (filter: Document, update: Document) => void docs.filter((d) => find([d], filter).all().length > 0).forEach((d) => Object.assign(d, update.$set)),
      drop: async () => void this.data.delete(name),
    };
  }

  listCollections(filter: { name: string }) {
    return { toArray: async () => ((this.data.get(filter.name)?.length ?? 0) > 0 ? [{ name: filter.name }] : []) };
  }

  get asDb(): Db {
    return this as unknown as Db;
  }
}

const T0 = new Date('2026-02-01T08:00:00.000Z');
const clockAt = (at: Date) => () => at;

describe('MongoDB migrations', () => {
  it('the migrations are numbered 1, 2, … with no gap, and migration 1 creates the indexes 0.1.0 created at start', () => {
    expect(MONGO_MIGRATIONS.map((m) => m.version)).toEqual(MONGO_MIGRATIONS.map((_, i) => i + 1));
    expect(MONGO_SCHEMA_VERSION).toBe(MONGO_MIGRATIONS.length);
    const names = mongoIndexes([MONGO_MIGRATIONS[0]!]).map((i) => `${i.collection}.${i.name}`);
    expect(names).toEqual(
      expect.arrayContaining(['report_groups.app_group_unique', 'report_blobs.expires_at_ttl', 'accounts.username_lower_unique', 'webhook_deliveries.due', 'device_sketches.expires_at_ttl', 'sketch_day_keys.expires_at_ttl']),
    );
    expect(new Set(names).size).toBe(names.length);
  });

  it('when a 0.1.0 database (no migrations collection) is opened, then every migration runs once, in order, and is recorded with its time', async () => {
    const db = new MingoDb();
    expect(await migrateMongo(db.asDb, MONGO_SCHEMA_VERSION, MONGO_MIGRATIONS, clockAt(T0))).toEqual(MONGO_MIGRATIONS.map((m) => m.version));
    expect(db.docs(MIGRATIONS_COLLECTION)).toEqual(MONGO_MIGRATIONS.map((m) => ({ _id: m.version, name: m.name, appliedAt: T0 })));
    const created = db.indexes.map((i) => ({ collection: i.collection, key: i.key, ...i.options }));
    expect(created).toEqual(mongoIndexes().map(({ collection, key, name, unique, expireAfterSeconds }) => ({ collection, key, name, ...(unique ? { unique } : {}), ...(expireAfterSeconds !== undefined ? { expireAfterSeconds } : {}) })));
  });

  it('when the database is migrated again, then nothing runs and the records keep their first time', async () => {
    const db = new MingoDb();
    await migrateMongo(db.asDb, MONGO_SCHEMA_VERSION, MONGO_MIGRATIONS, clockAt(T0));
    const indexes = db.indexes.length;
    expect(await migrateMongo(db.asDb, MONGO_SCHEMA_VERSION, MONGO_MIGRATIONS, clockAt(new Date(T0.getTime() + 1000)))).toEqual([]);
    expect(db.indexes).toHaveLength(indexes);
    expect(db.docs(MIGRATIONS_COLLECTION).map((d) => d.appliedAt)).toEqual(MONGO_MIGRATIONS.map(() => T0));
  });

  it('when two instances record the same migration, then one record remains, with the first time', () => {
    const docs: Document[] = [];
    for (const at of [T0, new Date(T0.getTime() + 5)]) {
      const { filter, update } = recordMigration(1, 'the indexes of release 0.1.0', at);
      upsert(docs, filter, update);
    }
    expect(docs).toEqual([{ _id: 1, name: 'the indexes of release 0.1.0', appliedAt: T0 }]);
    expect(find(docs, APPLIED_FILTER).sort(APPLIED_SORT).all()).toHaveLength(1);
  });

  it('when a newer Telltale migrated the database, then it is refused before any write, naming the database and both versions', async () => {
    const db = new MingoDb();
    db.docs(MIGRATIONS_COLLECTION).push({ _id: MONGO_SCHEMA_VERSION + 1, name: 'from the future', appliedAt: T0 });
    await expect(migrateMongo(db.asDb)).rejects.toThrow(
      `MONGO_DB: database "telltale_test" has schema version ${MONGO_SCHEMA_VERSION + 1} (its migrations collection), newer than this code's ${MONGO_SCHEMA_VERSION}`,
    );
    expect(db.indexes).toEqual([]);
    expect(db.docs(MIGRATIONS_COLLECTION)).toHaveLength(1);
  });

  it('when a later migration backfills a field, then it runs after the earlier ones, only up to the target, and a failure is not recorded', async () => {
    const db = new MingoDb();
    db.docs('apps').push({ _id: 'a1', name: 'desktop' }, { _id: 'a2', name: 'mobile', tier: 'pro' });
    const index: MongoIndexSpec = { collection: 'apps', key: { tier: 1 }, name: 'tier' };
    const backfill: MongoMigration = {
      version: MONGO_SCHEMA_VERSION + 1,
      name: 'apps get a tier',
      indexes: [index],
      up: async (d) => void (await d.collection('apps').updateMany({ tier: { $exists: false } }, { $set: { tier: 'free' } })),
    };
    const broken: MongoMigration = { version: MONGO_SCHEMA_VERSION + 2, name: 'broken', up: async () => Promise.reject(new Error('disk full')) };
    const list = [...MONGO_MIGRATIONS, backfill, broken];
    expect(await migrateMongo(db.asDb, MONGO_SCHEMA_VERSION, list, clockAt(T0))).toEqual(MONGO_MIGRATIONS.map((m) => m.version));
    expect(await migrateMongo(db.asDb, backfill.version, list, clockAt(T0))).toEqual([backfill.version]);
    expect(db.docs('apps').map((a) => a.tier)).toEqual(['free', 'pro']);
    await expect(migrateMongo(db.asDb, broken.version, list, clockAt(T0))).rejects.toThrow(`MongoDB migration ${broken.version} (broken) failed; it runs again at the next start: disk full`);
    expect(db.docs(MIGRATIONS_COLLECTION).map((d) => d._id)).toEqual([...MONGO_MIGRATIONS.map((m) => m.version), backfill.version]);
  });

  it('migration 3: a 0.1.0 release with its cells becomes one state with a history, its settings renamed, and the cells go; run twice, it changes nothing more', async () => {
    const db = new MingoDb();
    db.docs('rollout_releases').push({ _id: '["app-1","1.1.0"]', app_id: 'app-1', version: '1.1.0', verdict: 'halt', baselineVersion: '1.0.0', dataThrough: T0, evaluatedAt: T0, resumedAt: null, resumedBy: null, resumeNote: null, superseded: false });
    db.docs('rollout_cells').push({ _id: 'c1', app_id: 'app-1', version: '1.1.0', verdict: 'halt', reasons: ['crash_rate_above_vitals_cell'], consecutiveHealthy: 0, haltedAt: T0, baselineVersion: '1.0.0', metrics: {}, evaluatedAt: T0 });
    db.docs('rollout_settings').push({ _id: 'app-1', settings: { androidVitalsCell: 0.1, baseline: '1.0.0' } });
    await migrateMongo(db.asDb, 3, MONGO_MIGRATIONS, clockAt(T0));
    expect(db.docs('rollout_releases')[0]).toMatchObject({ role: 'rollout', verdict: 'halt', reasons: ['crash_rate_limit_platform'], haltedAt: T0, evidence: null });
    expect(db.docs('rollout_history').map((h) => [h.kind, h.to])).toEqual([['verdict', 'halt']]);
    expect(db.docs('rollout_settings')[0]).toEqual({ _id: 'app-1', settings: { crashRateLimitPlatform: 0.1, baseline: '1.0.0' } });
    expect(db.data.has('rollout_cells')).toBe(false);
    db.docs(MIGRATIONS_COLLECTION).splice(2);
    await migrateMongo(db.asDb, 3, MONGO_MIGRATIONS, clockAt(T0));
    expect(db.docs('rollout_history')).toHaveLength(1);
  });

  it('the plan runs what is missing below the target, in order, even after a gap left by a failed migration', () => {
    expect(migrationPlan([], [1, 2, 3], 3, 'db')).toEqual({ run: [1, 2, 3] });
    expect(migrationPlan([1, 3], [1, 2, 3], 3, 'db')).toEqual({ run: [2] });
    expect(migrationPlan([1], [1, 2, 3], 2, 'db')).toEqual({ run: [2] });
    expect(migrationPlan([1, 2, 3, 4], [1, 2, 3], 3, 'db')).toMatchObject({ refuse: expect.stringContaining('schema version 4') });
  });
});
