import type { Db } from 'mongodb';
import { APPLIED_FILTER, APPLIED_SORT, indexOptions, MIGRATIONS_COLLECTION, migrationPlan, recordMigration, type MigrationDocument, type MongoIndexSpec } from './mongo-migration-builders';

/**
 * One schema change: indexes to create, then an optional step (a backfill with updateMany, an
 * index to drop). MongoDB has no transactions across collections and DDL, so a migration must be
 * idempotent: two instances starting together, or a crash before it was recorded, run it twice.
 * A released migration never changes; later changes append one.
 */
export interface MongoMigration {
  version: number;
  name: string;
  indexes?: readonly MongoIndexSpec[];
  up?(db: Db): Promise<void>;
}

/** The indexes release 0.1.0 created at every start, before migrations existed. */
const INDEXES_010: readonly MongoIndexSpec[] = [
  { collection: 'apps', key: { owner: 1, name: 1 }, name: 'owner_name_unique', unique: true },
  { collection: 'report_keys', key: { app_id: 1 }, name: 'app_id_unique', unique: true },
  { collection: 'report_keys', key: { key: 1 }, name: 'key_unique', unique: true },
  { collection: 'report_groups', key: { app_id: 1, groupHash: 1 }, name: 'app_group_unique', unique: true },
  { collection: 'report_groups', key: { app_id: 1, 'stats.lastSeen': -1 }, name: 'app_last_seen' },
  { collection: 'report_blobs', key: { app_id: 1, groupHash: 1, createdAt: -1 }, name: 'app_group_created' },
  { collection: 'report_blobs', key: { expiresAt: 1 }, name: 'expires_at_ttl', expireAfterSeconds: 0 },
  { collection: 'accounts', key: { username_lower: 1 }, name: 'username_lower_unique', unique: true },
  { collection: 'accounts', key: { owner: 1, username_lower: 1 }, name: 'owner_username' },
  { collection: 'webhooks', key: { app_id: 1, createdAt: 1 }, name: 'app_created' },
  { collection: 'outbox_events', key: { dispatched: 1, createdAt: 1 }, name: 'undispatched' },
  { collection: 'webhook_deliveries', key: { state: 1, nextAttemptAt: 1 }, name: 'due' },
  { collection: 'webhook_deliveries', key: { event_id: 1 }, name: 'event' },
  { collection: 'webhook_attempts', key: { webhook_id: 1, at: -1 }, name: 'webhook_at' },
  { collection: 'rollout_cells', key: { app_id: 1, version: 1 }, name: 'app_version' },
  { collection: 'device_sketches', key: { app_id: 1, granularity: 1, bucket: 1 }, name: 'app_granularity_bucket' },
  { collection: 'device_sketches', key: { expiresAt: 1 }, name: 'expires_at_ttl', expireAfterSeconds: 0 },
  { collection: 'sketch_day_keys', key: { expiresAt: 1 }, name: 'expires_at_ttl', expireAfterSeconds: 0 },
];

/** Refused-beacon counts read per app and window, unknown-app rows trimmed per hour by count; both expire by TTL. */
const BEACON_REFUSAL_INDEXES: readonly MongoIndexSpec[] = [
  { collection: 'beacon_refusals', key: { app_id: 1, granularity: 1, bucket: 1 }, name: 'app_granularity_bucket' },
  { collection: 'beacon_refusals', key: { expiresAt: 1 }, name: 'expires_at_ttl', expireAfterSeconds: 0 },
  { collection: 'beacon_unmatched', key: { hour: 1, count: -1 }, name: 'hour_count' },
  { collection: 'beacon_unmatched', key: { expiresAt: 1 }, name: 'expires_at_ttl', expireAfterSeconds: 0 },
];

/** Append only; the version is the position, from 1. docs/migrations.md says how to add one. */
export const MONGO_MIGRATIONS: readonly MongoMigration[] = [
  { version: 1, name: 'the indexes of release 0.1.0', indexes: INDEXES_010 },
  { version: 2, name: 'refused-beacon counts', indexes: BEACON_REFUSAL_INDEXES },
];

export const MONGO_SCHEMA_VERSION = MONGO_MIGRATIONS[MONGO_MIGRATIONS.length - 1]!.version;

/** Every index the migrations create, in order (the sharding test and docs/scale.md read them). */
export const mongoIndexes = (migrations = MONGO_MIGRATIONS): MongoIndexSpec[] => migrations.flatMap((m) => m.indexes ?? []);

export async function appliedVersions(db: Db): Promise<number[]> {
  const docs = await db.collection<MigrationDocument>(MIGRATIONS_COLLECTION).find(APPLIED_FILTER).sort(APPLIED_SORT).toArray();
  return docs.map((d) => d._id);
}

/**
 * Brings the database to `target` (the code's version unless a test asks for less), recording each
 * migration in the migrations collection once it has run; refuses, before any write, a database a
 * newer Telltale migrated. Returns the versions it ran.
 */
export async function migrateMongo(db: Db, target = MONGO_SCHEMA_VERSION, migrations = MONGO_MIGRATIONS, now = () => new Date()): Promise<number[]> {
  const plan = migrationPlan(await appliedVersions(db), migrations.map((m) => m.version), target, db.databaseName);
  if ('refuse' in plan) throw new Error(plan.refuse);
  for (const version of plan.run) {
    const migration = migrations.find((m) => m.version === version)!;
    try {
      for (const spec of migration.indexes ?? []) await db.collection(spec.collection).createIndex({ ...spec.key }, indexOptions(spec));
      await migration.up?.(db);
    } catch (error) {
      throw new Error(`MongoDB migration ${version} (${migration.name}) failed; it runs again at the next start: ${(error as Error).message}`, { cause: error });
    }
    const { filter, update } = recordMigration(version, migration.name, now());
    await db.collection<MigrationDocument>(MIGRATIONS_COLLECTION).updateOne(filter, update, { upsert: true });
  }
  return plan.run;
}
