import { MongoServerError, type Db } from 'mongodb';
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

/** A write broke one of the unique indexes above (E11000). */
export const isDuplicateKey = (error: unknown): error is MongoServerError => error instanceof MongoServerError && error.code === 11000;
