import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { SqliteReportRepository } from '../../src/adapters/sqlite/sqlite-report-repository';
import { tempSqlite } from '../fixtures/sqlite';

const WRITER = resolve(__dirname, '../fixtures/sqlite-writer.ts');

jest.setTimeout(300_000);

const writer = (dataDir: string, perGroup: number, groups: number) =>
  new Promise<void>((done, fail) => {
    execFile(process.execPath, ['-r', '@swc-node/register', WRITER, dataDir, String(perGroup), String(groups)], { cwd: resolve(__dirname, '../..') }, (error, _out, stderr) =>
      error ? fail(new Error(`writer failed: ${stderr}`)) : done(),
    );
  });

describe('SQLite repository under several writer processes', () => {
  it('when 4 processes each count 5000 events into the same 10 new groups, then every group has exactly 2000 and none is lost or doubled', async () => {
    const { db, dataDir, cleanup } = tempSqlite();
    try {
      await Promise.all([1, 2, 3, 4].map(() => writer(dataDir, 500, 10)));
      const page = await new SqliteReportRepository(db).listGroups({ appIds: ['app-1'] }, 1, 100);
      expect(page.total).toBe(10);
      expect(page.items.map((g) => g.stats.count)).toEqual(Array(10).fill(2000));
    } finally {
      await cleanup();
    }
  });
});
