import { randomBytes } from 'node:crypto';
import { GetBucketLifecycleConfigurationCommand } from '@aws-sdk/client-s3';
import { compose } from '../../src/composition/compose';
import { ConfigError, loadConfig } from '../../src/composition/config';
import { dataDirFor, harness } from '../fixtures/harness';
import { postReport } from '../fixtures/ingest';
import { s3TestEnv, testBucket } from '../fixtures/s3-bucket';
import { gzipDetails, reportBody } from '../fixtures/reports';
import { describeWhenReachable, redisAndS3UnreachableReason } from './service-probe';
import pino from 'pino';

const { REDIS_URL } = process.env;
const describeBoth = describeWhenReachable('compose on Redis + S3', redisAndS3UnreachableReason());

describeBoth('compose with REDIS_URL and STORAGE_DRIVER=s3 against real servers', () => {
  const testS3 = testBucket('compose');
  const bucket = testS3.name;
  const prefix = `reports-${randomBytes(4).toString('hex')}`;
  // 'minio' rather than 's3': faynoSync's flavour names must select the same driver.
  const env = () => ({
    ...(REDIS_URL ? { REDIS_URL } : {}),
    ...s3TestEnv(bucket),
    STORAGE_DRIVER: 'minio',
    REPORTS_STORAGE_PREFIX: prefix,
  });
  beforeAll(() => testS3.create());
  afterAll(() => testS3.remove());

  it('when a report with details arrives, then the object is in the private bucket and the limiter is in Redis', async () => {
    const h = await harness(env());
    expect(h.redis?.status).toBe('ready');
    expect(h.blobStore.driver).toBe('s3');
    const { appId, key } = await h.createApp();
    const res = await postReport(h.app, key, reportBody({ details: gzipDetails({ stack: 'boom' }) }));
    expect(res.status).toBe(202);
    expect(res.body.stored_details).toBe(true);
    const [blob] = await h.repository.listBlobs(appId, res.body.group_hash);
    expect(await h.blobStore.list(`${prefix}/${appId}/`)).toEqual([blob!.storage.key]);
    expect(await h.redis!.exists(`tt:rl:{${appId}}:key:${appId}`)).toBe(1);
    expect(h.log.lines.some((l) => l.includes('REDIS_URL is not set'))).toBe(false);
    await h.close();
    await expect(h.redis!.ping()).rejects.toThrow();
  });

  it('when two service instances share one Redis, then they share the per-key limit', async () => {
    const a = await harness({ ...env(), REPORTS_RATE_LIMIT_PER_KEY_PER_MINUTE: '3' });
    const b = await harness({ ...env(), REPORTS_RATE_LIMIT_PER_KEY_PER_MINUTE: '3' });
    const { appId, key } = await a.createApp();
    // Same app in b's directory (each instance has its own in-memory repository here).
    await b.directory.createApp({ id: appId, owner: 'owner-1', name: 'my-app', reports: true, createdAt: b.clock.now(), updatedAt: b.clock.now() });
    await b.directory.setReportKey(appId, key, b.clock.now());
    const send = (app: typeof a.app, i: number) => postReport(app, key, reportBody({ event: { reason: `reason-${i}` } }));
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await send(i % 2 ? a.app : b.app, i)).status);
    expect(statuses.filter((s) => s === 202)).toHaveLength(3);
    const refused = await send(a.app, 99);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    await a.close();
    await b.close();
  });

  it('when REPORTS_S3_LIFECYCLE=true, then startup puts an expiry rule for the storage prefix', async () => {
    const h = await harness({ ...env(), REPORTS_S3_LIFECYCLE: 'true', REPORTS_BLOB_RETENTION_DAYS: '12' });
    const { Rules } = await testS3.client.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }));
    expect(Rules).toEqual([expect.objectContaining({ ID: `telltale-expire-${prefix}/`, Status: 'Enabled', Expiration: expect.objectContaining({ Days: 12 }) })]);
    await h.close();
  });

  it('when the bucket is missing, then compose fails with a ConfigError naming S3_BUCKET_NAME_PRIVATE', async () => {
    const config = loadConfig({ ...env(), REPOSITORY_DRIVER: 'memory', DATA_DIR: dataDirFor(), S3_BUCKET_NAME_PRIVATE: `${bucket}-missing` });
    const failure = compose(config, { logger: pino({ level: 'silent' }) });
    await expect(failure).rejects.toThrow(ConfigError);
    await expect(failure).rejects.toMatchObject({ variable: 'S3_BUCKET_NAME_PRIVATE' });
  });

  it('when the S3 secret is wrong, then compose fails with a ConfigError naming the S3 credentials', async () => {
    const config = loadConfig({ ...env(), REPOSITORY_DRIVER: 'memory', DATA_DIR: dataDirFor(), S3_SECRET_KEY: 'wrong-secret' });
    await expect(compose(config, { logger: pino({ level: 'silent' }) })).rejects.toMatchObject({ variable: 'S3_ACCESS_KEY/S3_SECRET_KEY' });
  });
});
