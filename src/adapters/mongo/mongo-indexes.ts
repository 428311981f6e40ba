import type { Db } from 'mongodb';
import { INDEXES } from './mongo-builders';

/** createIndex is a no-op when an identical index exists, so this runs at every startup. */
export async function ensureIndexes(db: Db, collections: readonly string[]): Promise<void> {
  for (const spec of INDEXES.filter((s) => collections.includes(s.collection))) {
    await db.collection(spec.collection).createIndex(spec.key, {
      name: spec.name,
      ...(spec.unique ? { unique: true } : {}),
      ...(spec.expireAfterSeconds !== undefined ? { expireAfterSeconds: spec.expireAfterSeconds } : {}),
    });
  }
}

