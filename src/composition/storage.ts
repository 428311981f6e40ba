import { MemoryAccountRepository } from '../adapters/memory/memory-account-repository';
import { MemoryAppDirectory } from '../adapters/memory/memory-app-directory';
import { MemoryRelayTokenStore } from '../adapters/memory/memory-relay-token-store';
import { MemoryReportRepository } from '../adapters/memory/memory-report-repository';
import { SqliteAccountRepository } from '../adapters/sqlite/sqlite-account-repository';
import { SqliteAppDirectory } from '../adapters/sqlite/sqlite-app-directory';
import { openSqliteDatabase, type SqliteDatabase } from '../adapters/sqlite/sqlite-database';
import { SqliteRelayTokenStore } from '../adapters/sqlite/sqlite-relay-token-store';
import { SqliteReportRepository } from '../adapters/sqlite/sqlite-report-repository';
import type { Db } from 'mongodb';
import type { AccountRepository } from '../ports/account-repository';
import type { AppDirectory } from '../ports/app-directory';
import type { RelayTokenStore } from '../ports/relay-token-store';
import type { ReportRepository } from '../ports/report-repository';
import type { Closers } from './closers';
import { ConfigError, type Config } from './config';

export interface Storage {
  repository: ReportRepository;
  /** Uncached; compose wraps it in CachedAppDirectory. */
  directory: AppDirectory;
  accounts: AccountRepository;
  /** Relay tokens (POST /telemetry/beacons), with the apps. */
  relayTokens: RelayTokenStore;
  /** The embedded database when REPOSITORY_DRIVER=sqlite, for adapters that add their own tables. */
  sqlite: SqliteDatabase | null;
  /** The MongoDB database when REPOSITORY_DRIVER=mongo, for adapters that add their own collections. */
  mongoDb: Db | null;
  /** MongoDB's TTL index removes expired blob metadata by itself; see RetentionSweeper. */
  expiresMetadataItself: boolean;
}

/** The repository family (reports, apps, report keys and relay tokens, accounts), all on one store chosen by REPOSITORY_DRIVER. */
export async function composeStorage(config: Readonly<Config>, closers: Closers): Promise<Storage> {
  const storage = await open(config, closers);
  closers.add(
    () => storage.repository.close(),
    () => storage.directory.close(),
  );
  return storage;
}

async function open(config: Readonly<Config>, closers: Closers): Promise<Storage> {
  switch (config.repository.driver) {
    case 'sqlite': {
      let db: SqliteDatabase;
      try {
        db = openSqliteDatabase(config.dataDir);
      } catch (error) {
        throw new ConfigError('DATA_DIR', `cannot open the database under ${config.dataDir}: ${(error as Error).message}`);
      }
      // Added before the adapters' closers, so the shared handle closes after all of them.
      closers.add(async () => void db.close());
      return {
        repository: new SqliteReportRepository(db),
        directory: new SqliteAppDirectory(db),
        accounts: new SqliteAccountRepository(db),
        relayTokens: new SqliteRelayTokenStore(db),
        sqlite: db,
        mongoDb: null,
        expiresMetadataItself: false,
      };
    }
    case 'memory':
      return {
        repository: new MemoryReportRepository(),
        directory: new MemoryAppDirectory(),
        accounts: new MemoryAccountRepository(),
        relayTokens: new MemoryRelayTokenStore(),
        sqlite: null,
        mongoDb: null,
        expiresMetadataItself: false,
      };
    case 'mongo': {
      // Loaded only when configured, like the S3 adapter: the driver is slow to require.
      const { connectMongo } = await import('../adapters/mongo/mongo-connection');
      const { MongoAccountRepository } = await import('../adapters/mongo/mongo-account-repository');
      const { MongoRelayTokenStore } = await import('../adapters/mongo/mongo-relay-token-store');
      const mongo = await connectMongo(config.repository.mongoUrl ?? '', config.repository.mongoDb);
      closers.add(() => mongo.close());
      const accounts = new MongoAccountRepository(mongo.db);
      return { repository: mongo.repository, directory: mongo.directory, accounts, relayTokens: new MongoRelayTokenStore(mongo.db), sqlite: null, mongoDb: mongo.db, expiresMetadataItself: true };
    }
    default:
      throw new ConfigError('REPOSITORY_DRIVER', `driver "${config.repository.driver}" is not available in this build`);
  }
}
