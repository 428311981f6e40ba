import { S3BlobStore } from '../../src/adapters/s3/s3-blob-store';
import { loadConfig } from '../../src/composition/config';

const env = {
  STORAGE_DRIVER: 'minio',
  S3_BUCKET_NAME_PRIVATE: 'telltale-private',
  S3_ENDPOINT: 'http://minio:9000',
  S3_ACCESS_KEY: 'telltale',
  S3_SECRET_KEY: 'telltale-secret',
};

describe('S3_PUBLIC_ENDPOINT', () => {
  it('when set, then presigned download URLs use it while the store keeps S3_ENDPOINT', async () => {
    const settings = loadConfig({ ...env, S3_PUBLIC_ENDPOINT: 'http://localhost:9000' }).storage.s3;
    expect(settings).toMatchObject({ endpoint: 'http://minio:9000', publicEndpoint: 'http://localhost:9000' });
    const store = S3BlobStore.fromSettings(settings);
    const url = new URL(await store.signedUrl('reports/app/2026/01/15/abc.json.gz', 900));
    expect(url.origin).toBe('http://localhost:9000');
    expect(url.pathname).toBe('/telltale-private/reports/app/2026/01/15/abc.json.gz');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
    await store.close();
  });

  it('when unset, then presigned URLs use S3_ENDPOINT', async () => {
    const store = S3BlobStore.fromSettings(loadConfig(env).storage.s3);
    expect(new URL(await store.signedUrl('k', 60)).origin).toBe('http://minio:9000');
    await store.close();
  });

  it('when it is not an http(s) URL, then startup fails naming it', () => {
    expect(() => loadConfig({ ...env, S3_PUBLIC_ENDPOINT: 'localhost:9000' })).toThrow(/S3_PUBLIC_ENDPOINT/);
  });
});
