import { MemoryAccountRepository } from '../../src/adapters/memory/memory-account-repository';
import { SqliteAccountRepository } from '../../src/adapters/sqlite/sqlite-account-repository';
import { adminAccount } from '../fixtures/accounts';
import { tempSqlite } from '../fixtures/sqlite';
import { accountRepositoryContract } from './account-repository.contract';

accountRepositoryContract('memory', async () => ({ repo: new MemoryAccountRepository(), cleanup: async () => undefined }));

accountRepositoryContract('sqlite', async () => {
  const { db, cleanup } = tempSqlite();
  return { repo: new SqliteAccountRepository(db), cleanup };
});

describe('SqliteAccountRepository', () => {
  it('when constructed twice on one database, then the table is kept and its rows survive', async () => {
    const { db, cleanup } = tempSqlite();
    const admin = await new SqliteAccountRepository(db).create(adminAccount());
    expect(await new SqliteAccountRepository(db).findById(admin.id)).toEqual(admin);
    await cleanup();
  });
});
