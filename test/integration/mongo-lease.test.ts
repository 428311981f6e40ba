import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { redactMongoUrl } from '../../src/adapters/mongo/mongo-connection';
import { MongoLease } from '../../src/adapters/mongo/mongo-lease';
import { leaseContract } from '../contract/lease.contract';
import { describeWhenReachable } from './service-probe';

const MONGO_URL = process.env.MONGO_URL?.trim();

// jest registers tests synchronously, so reachability is settled first in a short-lived child.
const PROBE = `
const { MongoClient } = require('mongodb');
const client = new MongoClient(process.env.MONGO_URL, { serverSelectionTimeoutMS: 3000 });
client.connect().then(() => client.db('admin').command({ ping: 1 })).then(() => client.close().then(() => process.exit(0)),
  (e) => { process.stderr.write(String((e && e.message) || e)); process.exit(1); });
`;

function unreachable(): string | null {
  if (!MONGO_URL) return 'MONGO_URL is not set';
  const probe = spawnSync(process.execPath, ['-e', PROBE], { cwd: `${__dirname}/../..`, env: process.env, timeout: 20_000, encoding: 'utf8' });
  return probe.status === 0 ? null : `MONGO_URL (${redactMongoUrl(MONGO_URL)}) is not reachable: ${(probe.stderr || probe.error?.message || '').split('\n')[0]}`;
}

describeWhenReachable('Mongo lease integration', unreachable())('MongoLease on a real server', () => {
  const dbName = `telltale_lease_${randomBytes(4).toString('hex')}`;
  let client: MongoClient;
  beforeAll(async () => {
    client = await new MongoClient(MONGO_URL!).connect();
  });
  afterAll(async () => {
    await client.db(dbName).dropDatabase();
    await client.close();
  });

  leaseContract('mongo', async (clock) => {
    const lease = new MongoLease(client.db(dbName), clock);
    return { contender: () => lease, cleanup: async () => undefined, advance: async (ms) => clock.advance(ms) };
  });
});
