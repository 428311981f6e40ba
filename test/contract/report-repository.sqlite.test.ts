import { SqliteReportRepository } from '../../src/adapters/sqlite/sqlite-report-repository';
import { tempSqlite } from '../fixtures/sqlite';
import { reportRepositoryContract } from './report-repository.contract';

reportRepositoryContract('sqlite', async () => {
  const { db, cleanup } = tempSqlite();
  return { repo: new SqliteReportRepository(db), cleanup };
});
