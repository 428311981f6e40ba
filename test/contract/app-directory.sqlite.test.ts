import { SqliteAppDirectory } from '../../src/adapters/sqlite/sqlite-app-directory';
import { tempSqlite } from '../fixtures/sqlite';
import { appDirectoryContract } from './app-directory.contract';

appDirectoryContract('sqlite', async () => {
  const { db, cleanup } = tempSqlite();
  return { directory: new SqliteAppDirectory(db), cleanup };
});
