import { SqliteAppDirectory } from '../../src/adapters/sqlite/sqlite-app-directory';
import { SqliteReportRepository } from '../../src/adapters/sqlite/sqlite-report-repository';
import { tempSqlite } from '../fixtures/sqlite';
import { appDirectoryContract } from './app-directory.contract';
import { reportRepositoryContract } from './report-repository.contract';

reportRepositoryContract('sqlite', async () => {
  const { db, cleanup } = tempSqlite();
  return { repo: new SqliteReportRepository(db), cleanup };
});

appDirectoryContract('sqlite', async () => {
  const { db, cleanup } = tempSqlite();
  return { directory: new SqliteAppDirectory(db), cleanup };
});
