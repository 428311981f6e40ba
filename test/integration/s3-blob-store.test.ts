import { randomBytes } from 'node:crypto';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  GetBucketLifecycleConfigurationCommand,
  PutBucketLifecycleConfigurationCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { S3BlobStore, s3Client, type S3Settings } from '../../src/adapters/s3/s3-blob-store';
import { loadConfig } from '../../src/composition/config';
import { blobStoreContract } from '../contract/blob-store.contract';
import { describeWhenReachable, unreachableReason } from './service-probe';

const S3_ENDPOINT = process.env.S3_ENDPOINT;
const describeS3 = describeWhenReachable('S3 blob store integration', unreachableReason('S3_ENDPOINT', S3_ENDPOINT, 443));

/** S3 settings the way the service reads them, from the env test-services.sh prints. */
function settingsFor(bucket: string, overrides: Partial<S3Settings> = {}): S3Settings {
  const env = { ...process.env, STORAGE_DRIVER: 's3', S3_BUCKET_NAME_PRIVATE: bucket, S3_CHECKSUM_MODE: process.env.S3_CHECKSUM_MODE ?? 'when_required' };
  return { ...loadConfig(env).storage.s3, ...overrides };
}

async function emptyAndRemove(admin: S3Client, bucket: string): Promise<void> {
  const store = new S3BlobStore(admin, bucket);
  await store.delete(await store.list(''));
  await admin.send(new DeleteBucketCommand({ Bucket: bucket }));
}

describeS3('S3BlobStore against a real S3 server', () => {
  const bucket = `telltale-test-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
  let admin: S3Client;
  beforeAll(async () => {
    admin = s3Client(settingsFor(bucket));
    await admin.send(new CreateBucketCommand({ Bucket: bucket }));
  });
  afterAll(async () => {
    await emptyAndRemove(admin, bucket);
    admin.destroy();
  });

  it('when S3_PUBLIC_ENDPOINT names the same server by another host name, then a presigned URL signed for it downloads the object', async () => {
    const internal = new URL(S3_ENDPOINT!);
    const other = internal.hostname === '127.0.0.1' ? 'localhost' : internal.hostname === 'localhost' ? '127.0.0.1' : null;
    if (other === null) return; // only loopback endpoints have a second name we know
    const publicEndpoint = `${internal.protocol}//${other}${internal.port ? `:${internal.port}` : ''}`;
    const store = await S3BlobStore.connect(settingsFor(bucket, { publicEndpoint }));
    await store.put('public/a.json', Buffer.from('{"a":1}'), { contentType: 'application/json' });
    const url = await store.signedUrl('public/a.json', 60);
    expect(new URL(url).hostname).toBe(other);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('{"a":1}');
    await store.delete(['public/a.json']);
    await store.close();
  });

  blobStoreContract(
    's3',
    async () => {
      const store = await S3BlobStore.connect(settingsFor(bucket));
      return { store, cleanup: () => store.close() };
    },
    { fetchSignedUrls: true },
  );

  it('when the bucket is missing, then connecting fails naming S3_BUCKET_NAME_PRIVATE', async () => {
    await expect(S3BlobStore.connect(settingsFor(`${bucket}-missing`))).rejects.toThrow(/^S3_BUCKET_NAME_PRIVATE: bucket ".*-missing" does not exist/);
  });

  it('when the secret is wrong, then connecting fails naming S3_ACCESS_KEY/S3_SECRET_KEY', async () => {
    await expect(S3BlobStore.connect(settingsFor(bucket, { secretAccessKey: 'not-the-secret' }))).rejects.toThrow(/^S3_ACCESS_KEY\/S3_SECRET_KEY: /);
  });

  it('when the access key is unknown, then connecting fails naming S3_ACCESS_KEY/S3_SECRET_KEY', async () => {
    await expect(S3BlobStore.connect(settingsFor(bucket, { accessKeyId: 'nobody' }))).rejects.toThrow(/^S3_ACCESS_KEY\/S3_SECRET_KEY: /);
  });

  it('when nothing listens at the endpoint, then connecting fails naming S3_ENDPOINT', async () => {
    await expect(S3BlobStore.connect(settingsFor(bucket, { endpoint: 'http://127.0.0.1:9' }))).rejects.toThrow(/^S3_ENDPOINT: /);
  });

  it('when the lifecycle is applied twice, then the bucket holds one expiry rule for the prefix and keeps other rules', async () => {
    const store = await S3BlobStore.connect(settingsFor(bucket));
    await admin.send(
      new PutBucketLifecycleConfigurationCommand({
        Bucket: bucket,
        LifecycleConfiguration: { Rules: [{ ID: 'someone-else', Status: 'Enabled', Filter: { Prefix: 'tmp/' }, Expiration: { Days: 1 } }] },
      }),
    );
    await store.applyLifecycle('reports/', 30);
    await store.applyLifecycle('reports/', 7);
    const { Rules } = await admin.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }));
    const byId = Object.fromEntries((Rules ?? []).map((r) => [r.ID, r]));
    expect(Object.keys(byId).sort()).toEqual(['someone-else', 'telltale-expire-reports/']);
    expect(byId['telltale-expire-reports/']).toMatchObject({ Status: 'Enabled', Expiration: { Days: 7 } });
    expect(byId['telltale-expire-reports/']?.Filter?.Prefix ?? byId['telltale-expire-reports/']?.Prefix).toBe('reports/');
    await store.close();
  });
});
