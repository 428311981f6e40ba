import { rmSync } from 'node:fs';
import { tenantIsolationContract } from '../contract/tenant-isolation.contract';
import { dataDirFor } from '../fixtures/harness';
import { readApiHarness } from '../fixtures/read-api';
import { s3TestEnv, testBucket } from '../fixtures/s3-bucket';
import { describeWhenReachable, redisAndS3UnreachableReason } from './service-probe';

const { REDIS_URL } = process.env;
const describeBoth = describeWhenReachable('S3 + Redis tenant isolation suite (SQLite + S3 + Redis)', redisAndS3UnreachableReason());

describeBoth('tenant isolation on the production adapters', () => {
  const bucket = testBucket('tenants');
  const dataDir = dataDirFor();
  beforeAll(() => bucket.create());
  afterAll(async () => {
    await bucket.remove();
    rmSync(dataDir, { recursive: true, force: true });
  });

  tenantIsolationContract('SQLite + S3 + Redis', async () => {
    const h = await readApiHarness({ ...s3TestEnv(bucket.name), REPOSITORY_DRIVER: 'sqlite', DATA_DIR: dataDir, REDIS_URL: REDIS_URL! });
    if (h.sqlite === null || h.blobStore.driver !== 's3' || h.redis?.status !== 'ready') throw new Error('the harness is not on SQLite + S3 + Redis');
    return h;
  });
});
