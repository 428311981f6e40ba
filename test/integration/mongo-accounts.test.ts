import { randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { MongoAccountRepository } from '../../src/adapters/mongo/mongo-account-repository';
import { accountRepositoryContract } from '../contract/account-repository.contract';

const mongoUrl = process.env.MONGO_URL;

if (mongoUrl) {
  let client: MongoClient;
  beforeAll(async () => {
    client = await new MongoClient(mongoUrl, { serverSelectionTimeoutMS: 3000 }).connect();
  });
  afterAll(async () => client?.close());

  accountRepositoryContract('mongo', async () => {
    const db = client.db(`telltale_accounts_${randomBytes(6).toString('hex')}`);
    const repo = new MongoAccountRepository(db);
    await repo.ensureIndexes();
    return { repo, cleanup: async () => void (await db.dropDatabase()) };
  });
} else {
  process.stdout.write('mongo-accounts: skipped, MONGO_URL is not set (no MongoDB reachable)\n');
  describe.skip('AccountRepository contract: mongo (MONGO_URL is not set)', () => {
    it('runs against a reachable MongoDB', () => undefined);
  });
}
