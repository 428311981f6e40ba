import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { MemoryAccountRepository } from '../../src/adapters/memory/memory-account-repository';
import { SqliteAccountRepository } from '../../src/adapters/sqlite/sqlite-account-repository';
import { adminAccount } from '../fixtures/accounts';
import { accountRepositoryContract } from './account-repository.contract';

accountRepositoryContract('memory', async () => ({ repo: new MemoryAccountRepository(), cleanup: async () => undefined }));

function tempDatabase() {
  const dir = mkdtempSync(join(tmpdir(), 'telltale-accounts-'));
  const db = new Database(join(dir, 'telltale.db'));
  return {
    db,
    cleanup: async () => {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

accountRepositoryContract('sqlite', async () => {
  const { db, cleanup } = tempDatabase();
  return { repo: new SqliteAccountRepository(db), cleanup };
});

describe('SqliteAccountRepository', () => {
  it('when constructed twice on one database, then the table is kept and its rows survive', async () => {
    const { db, cleanup } = tempDatabase();
    const admin = await new SqliteAccountRepository(db).create(adminAccount());
    expect(await new SqliteAccountRepository(db).findById(admin.id)).toEqual(admin);
    await cleanup();
  });
});
