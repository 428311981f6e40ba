import type { Db, Filter } from 'mongodb';
import { currentSettings, foldLegacyCells } from '../../domain/rollout-legacy';
import {
  LEGACY_RELEASE_FILTER,
  LEGACY_SETTINGS_FILTER,
  WEBHOOK_COLLECTIONS as C,
  legacyCellsFilter,
  legacyHistoryDocuments,
  legacyReleaseUpdate,
  type HistoryDocument,
  type LegacyCellDocument,
  type ReleaseDocument,
} from './mongo-webhook-builders';
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

/**
 * Migration 3: one rollout state per release (see the SQLite migration 4): every 0.1.0 release gets a
 * role, its cells' reasons, halt time and healthy streak, and a history of its verdict and resume;
 * settings take the new limit names; the cells' collection goes. Idempotent: a migrated release no
 * longer matches, history ids are derived from the release, and the cells go last.
 */
async function releaseStateV3(db: Db): Promise<void> {
  const releases = db.collection<ReleaseDocument>(C.releases);
  const cells = db.collection<LegacyCellDocument>('rollout_cells');
  const history = db.collection<HistoryDocument>(C.history);
  for (const r of await releases.find(LEGACY_RELEASE_FILTER as Filter<ReleaseDocument>).toArray()) {
    const legacy = r as unknown as Parameters<typeof legacyHistoryDocuments>[0];
    const own = (await cells.find(legacyCellsFilter(legacy.app_id, legacy.version)).toArray()).map((c) => ({ ...c, haltedAt: c.haltedAt ? c.haltedAt.getTime() : null }));
    const folded = foldLegacyCells(legacy.verdict, own);
    for (const doc of legacyHistoryDocuments(legacy, folded.reasons)) await history.updateOne({ _id: { $eq: doc._id } }, { $setOnInsert: doc }, { upsert: true });
    await releases.updateOne({ _id: { $eq: r._id } }, legacyReleaseUpdate(folded));
  }
  const settings = db.collection<{ _id: string; settings: Record<string, unknown> }>(C.settings);
  for (const s of await settings.find(LEGACY_SETTINGS_FILTER).toArray()) await settings.updateOne({ _id: { $eq: s._id } }, { $set: { settings: currentSettings(s.settings) } });
  if ((await db.listCollections({ name: 'rollout_cells' }).toArray()).length > 0) await cells.drop();
}

const INDEXES_3: readonly MongoIndexSpec[] = [
  { collection: C.releases, key: { app_id: 1 }, name: 'app' },
  { collection: C.history, key: { app_id: 1, version: 1, at: 1 }, name: 'app_version_at' },
];

/** Migration 4: relay tokens, listed per app oldest first; looked up by _id. */
const RELAY_TOKEN_INDEXES: readonly MongoIndexSpec[] = [{ collection: 'relay_tokens', key: { app_id: 1, createdAt: 1 }, name: 'app_created' }];

/** Append only; the version is the position, from 1. docs/migrations.md says how to add one. */
export const MONGO_MIGRATIONS: readonly MongoMigration[] = [
  { version: 1, name: 'the indexes of release 0.1.0', indexes: INDEXES_010 },
  { version: 2, name: 'refused-beacon counts', indexes: BEACON_REFUSAL_INDEXES },
  { version: 3, name: 'one rollout state per release, with its history', indexes: INDEXES_3, up: releaseStateV3 },
  { version: 4, name: 'relay tokens', indexes: RELAY_TOKEN_INDEXES },
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
