import { openSqliteDatabase, type SqliteDatabase } from '../../src/adapters/sqlite/sqlite-database';
import { SqliteLease } from '../../src/adapters/sqlite/sqlite-lease';
import { tempSqlite } from '../fixtures/sqlite';
import { leaseContract } from './lease.contract';

// Three connections to one file, as three processes on one host would hold.
leaseContract('sqlite', async (clock) => {
  const temp = tempSqlite();
  const handles: SqliteDatabase[] = [temp.db, openSqliteDatabase(temp.dataDir), openSqliteDatabase(temp.dataDir)];
  const leases = handles.map((db) => new SqliteLease(db, clock));
  return {
    contender: (i) => leases[i % leases.length]!,
    cleanup: async () => {
      for (const db of handles.slice(1)) db.close();
      await temp.cleanup();
    },
    advance: async (ms) => clock.advance(ms),
  };
});
