import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryAppDirectory } from '../../src/adapters/memory/memory-app-directory';
import { MemoryReportRepository } from '../../src/adapters/memory/memory-report-repository';
import { SqliteAppDirectory } from '../../src/adapters/sqlite/sqlite-app-directory';
import { openSqliteDatabase } from '../../src/adapters/sqlite/sqlite-database';
import { SqliteReportRepository } from '../../src/adapters/sqlite/sqlite-report-repository';
import { ingestConcurrencySuite } from '../contract/ingest-concurrency.contract';

ingestConcurrencySuite('memory', async () => ({
  repository: new MemoryReportRepository(),
  directory: new MemoryAppDirectory(),
  cleanup: async () => undefined,
}));

ingestConcurrencySuite('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'telltale-concurrency-'));
  const db = openSqliteDatabase(dir);
  return {
    repository: new SqliteReportRepository(db),
    directory: new SqliteAppDirectory(db),
    cleanup: async () => {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
