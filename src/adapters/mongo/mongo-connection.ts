import { MongoClient, type Db } from 'mongodb';
import { UnavailableError } from '../../domain/errors';
import { MongoAppDirectory } from './mongo-app-directory';
import { migrateMongo } from './mongo-migrations';
import { MongoReportRepository } from './mongo-report-repository';

export interface MongoConnection {
  db: Db;
  repository: MongoReportRepository;
  directory: MongoAppDirectory;
  /** Closes the one client both adapters share. */
  close(): Promise<void>;
}

export interface MongoConnectOptions {
  /** Short, so an unreachable server fails startup in seconds instead of the driver's 30. */
  serverSelectionTimeoutMS?: number;
}

/** The URL as it may appear in an error message: credentials removed. */
export function redactMongoUrl(url: string): string {
  return url.replace(/^(mongodb(?:\+srv)?:\/\/)[^@/]*@/, '$1***@');
}

/**
 * Connects, pings and migrates (mongo-migrations.ts), so a bad MONGO_URL fails at startup with the
 * variable named, and a database a newer Telltale migrated is refused.
 */
export async function connectMongo(url: string, dbName: string, options: MongoConnectOptions = {}): Promise<MongoConnection> {
  const timeout = options.serverSelectionTimeoutMS ?? 5_000;
  const client = new MongoClient(url, { serverSelectionTimeoutMS: timeout, connectTimeoutMS: timeout });
  const db = client.db(dbName);
  const repository = new MongoReportRepository(db);
  const directory = new MongoAppDirectory(db);
  try {
    await client.connect();
    await db.command({ ping: 1 });
  } catch (error) {
    await client.close().catch(() => undefined);
    const reason = (error as Error).message;
    throw new UnavailableError(`MONGO_URL: cannot use MongoDB at ${redactMongoUrl(url)} (database "${dbName}"): ${reason}`, 5, error);
  }
  try {
    await migrateMongo(db);
  } catch (error) {
    await client.close().catch(() => undefined);
    throw error;
  }
  return { db, repository, directory, close: () => client.close() };
}
