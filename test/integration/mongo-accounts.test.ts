import { randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { MongoAccountRepository } from '../../src/adapters/mongo/mongo-account-repository';
import { migrateMongo } from '../../src/adapters/mongo/mongo-migrations';
import { accountRepositoryContract } from '../contract/account-repository.contract';
import { describeWhenReachable, unreachableReason } from './service-probe';

const mongoUrl = process.env.MONGO_URL;
const describeMongo = describeWhenReachable('AccountRepository contract: mongo', unreachableReason('MONGO_URL', mongoUrl, 27017));

describeMongo('AccountRepository on MongoDB', () => {
  let client: MongoClient;
  beforeAll(async () => {
    client = await new MongoClient(mongoUrl!, { serverSelectionTimeoutMS: 3000 }).connect();
  });
  afterAll(async () => client?.close());

  accountRepositoryContract('mongo', async () => {
    const db = client.db(`telltale_accounts_${randomBytes(6).toString('hex')}`);
    await migrateMongo(db);
    const repo = new MongoAccountRepository(db);
    return { repo, cleanup: async () => void (await db.dropDatabase()) };
  });
});
