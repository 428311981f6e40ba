import type { Document, Filter } from 'mongodb';

// The migrations collection's documents, filters and updates, and the plan of what to run, built
// without a driver so test/unit/mongo-migrations.test.ts checks them with mingo.

export const MIGRATIONS_COLLECTION = 'migrations';

/** One document per applied migration; its version is the _id. */
export interface MigrationDocument {
  _id: number;
  name: string;
  appliedAt: Date;
}

/** An index a migration creates; createIndex is a no-op when an identical one exists. */
export interface MongoIndexSpec {
  collection: string;
  key: Readonly<Record<string, 1 | -1>>;
  name: string;
  unique?: boolean;
  expireAfterSeconds?: number;
}

export const indexOptions = (spec: MongoIndexSpec) => ({
  name: spec.name,
  ...(spec.unique ? { unique: true } : {}),
  ...(spec.expireAfterSeconds !== undefined ? { expireAfterSeconds: spec.expireAfterSeconds } : {}),
});

/** Every applied version, in order. */
export const APPLIED_FILTER: Filter<MigrationDocument> = {};
export const APPLIED_SORT = { _id: 1 } as const;

/**
 * Records a migration once, as an upsert pipeline (like every upsert here, so mingo can run it): the
 * first record wins, so two instances that both ran an (idempotent) migration at the same start
 * leave one document, with the first time.
 */
export function recordMigration(version: number, name: string, at: Date): { filter: Filter<MigrationDocument>; update: Document[] } {
  const kept = (field: string, value: unknown) => ({ $ifNull: [`$${field}`, { $literal: value }] });
  return { filter: { _id: { $eq: version } }, update: [{ $set: { name: kept('name', name), appliedAt: kept('appliedAt', at) } }] };
}

export type MigrationPlan = { refuse: string } | { run: number[] };

/**
 * What to run: the versions up to `target` not yet applied, oldest first; or a refusal when the
 * database has a version the code doesn't know (a newer Telltale migrated it).
 */
export function migrationPlan(applied: readonly number[], known: readonly number[], target: number, database: string): MigrationPlan {
  const latest = Math.max(0, ...known);
  const found = Math.max(0, ...applied);
  if (found > latest) {
    return {
      refuse: `MONGO_DB: database "${database}" has schema version ${found} (its ${MIGRATIONS_COLLECTION} collection), newer than this code's ${latest}: it was migrated by a newer Telltale; run that release or restore a backup made before the upgrade (there is no downgrade)`,
    };
  }
  return { run: known.filter((v) => v <= target && !applied.includes(v)).sort((a, b) => a - b) };
}
