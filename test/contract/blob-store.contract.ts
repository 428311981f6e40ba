import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { localUrlSigner, verifyBlobSignature, type LocalUrlSigner } from '../../src/domain/signed-url';
import type { BlobStore } from '../../src/ports/blob-store';

/** The secret local stores under contract sign with, so the suite can check their signatures. */
export const CONTRACT_URL_SECRET = 'blob-store-contract-secret';

export function contractUrlSigner(): LocalUrlSigner {
  return localUrlSigner(CONTRACT_URL_SECRET, 'http://telltale.test', () => Math.floor(Date.now() / 1000));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const nowSeconds = () => Math.floor(Date.now() / 1000);

async function putAll(store: BlobStore, keys: string[], concurrency = 50): Promise<void> {
  for (let i = 0; i < keys.length; i += concurrency) {
    await Promise.all(keys.slice(i, i + concurrency).map((key) => store.put(key, Buffer.from(key), { contentType: 'text/plain' })));
  }
}

/**
 * fetchSignedUrls: the store presigns URLs a server answers (S3), so the suite GETs them.
 * Otherwise the URL points at the service's download route and the suite checks its signature
 * with verifyBlobSignature and CONTRACT_URL_SECRET (make must sign with contractUrlSigner()).
 */
export function blobStoreContract(
  adapterName: string,
  make: () => Promise<{ store: BlobStore; cleanup(): Promise<void> }>,
  opts?: { fetchSignedUrls?: boolean },
): void {
  describe(`BlobStore contract: ${adapterName}`, () => {
    let store: BlobStore;
    let cleanup: () => Promise<void>;
    const run = `contract-${randomBytes(6).toString('hex')}`;
    beforeEach(async () => {
      ({ store, cleanup } = await make());
    });
    afterEach(async () => {
      await cleanup();
    });

    it('when binary bytes are put, then get returns exactly those bytes', async () => {
      const body = Buffer.concat([randomBytes(4096), Buffer.from([0, 255, 0, 13, 10])]);
      await store.put(`${run}/bin/a.bin`, body, { contentType: 'application/octet-stream' });
      expect(await store.get(`${run}/bin/a.bin`)).toEqual(body);
    });

    it('when gzip details are put with contentEncoding gzip, then get returns the compressed bytes unchanged', async () => {
      const body = gzipSync(Buffer.from(JSON.stringify({ stack: 'x'.repeat(1000) })));
      await store.put(`${run}/reports/app/2026/01/15/g-1.json.gz`, body, { contentType: 'application/json', contentEncoding: 'gzip' });
      expect(await store.get(`${run}/reports/app/2026/01/15/g-1.json.gz`)).toEqual(body);
    });

    it('when a key is put twice, then the second body wins', async () => {
      await store.put(`${run}/twice`, Buffer.from('one'), { contentType: 'text/plain' });
      await store.put(`${run}/twice`, Buffer.from('two'), { contentType: 'text/plain' });
      expect((await store.get(`${run}/twice`))?.toString()).toBe('two');
    });

    it('when a key is missing, then get returns null', async () => {
      expect(await store.get(`${run}/missing/nothing.json.gz`)).toBeNull();
    });

    it('when keys are deleted, then they are gone and missing keys are not an error', async () => {
      await putAll(store, [`${run}/del/a`, `${run}/del/b`, `${run}/del/c`]);
      await store.delete([`${run}/del/a`, `${run}/del/c`, `${run}/del/never-existed`]);
      expect(await store.get(`${run}/del/a`)).toBeNull();
      expect(await store.get(`${run}/del/c`)).toBeNull();
      expect((await store.get(`${run}/del/b`))?.toString()).toBe(`${run}/del/b`);
      await expect(store.delete([])).resolves.toBeUndefined();
    });

    it('when more than 1000 keys are deleted in one call, then all of them are gone', async () => {
      const keys = Array.from({ length: 1003 }, (_, i) => `${run}/bulk/${String(i).padStart(4, '0')}`);
      await putAll(store, keys);
      expect(await store.list(`${run}/bulk/`)).toHaveLength(1003);
      await store.delete(keys);
      expect(await store.list(`${run}/bulk/`)).toEqual([]);
    }, 120_000);

    it('when listing a prefix, then only keys under that prefix come back, sorted', async () => {
      const keys = [`${run}/list/b/2`, `${run}/list/a/1`, `${run}/list/a/10`, `${run}/list/ab`, `${run}/listed/x`, `${run}/other/a`];
      await putAll(store, keys);
      expect(await store.list(`${run}/list/`)).toEqual([`${run}/list/a/1`, `${run}/list/a/10`, `${run}/list/ab`, `${run}/list/b/2`]);
      expect(await store.list(`${run}/list/a`)).toEqual([`${run}/list/a/1`, `${run}/list/a/10`, `${run}/list/ab`]);
      expect(await store.list(`${run}/list`)).toEqual([`${run}/list/a/1`, `${run}/list/a/10`, `${run}/list/ab`, `${run}/list/b/2`, `${run}/listed/x`]);
      expect(await store.list(`${run}/nothing-here/`)).toEqual([]);
    });

    it('when pinged, then it resolves', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });

    if (opts?.fetchSignedUrls) {
      it('when the signed URL is fetched, then it answers 200 with the bytes', async () => {
        const body = randomBytes(2048);
        await store.put(`${run}/signed/ok.bin`, body, { contentType: 'application/octet-stream' });
        const res = await fetch(await store.signedUrl(`${run}/signed/ok.bin`, 900));
        expect(res.status).toBe(200);
        expect(Buffer.from(await res.arrayBuffer())).toEqual(body);
      });

      it('when the signature is tampered with, then the server answers 403', async () => {
        await store.put(`${run}/signed/tampered.bin`, randomBytes(16), { contentType: 'application/octet-stream' });
        const url = new URL(await store.signedUrl(`${run}/signed/tampered.bin`, 900));
        const signature = url.searchParams.get('X-Amz-Signature')!;
        url.searchParams.set('X-Amz-Signature', `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`);
        expect((await fetch(url)).status).toBe(403);
      });

      it('when the URL has expired, then the server answers 403', async () => {
        await store.put(`${run}/signed/expired.bin`, randomBytes(16), { contentType: 'application/octet-stream' });
        const url = await store.signedUrl(`${run}/signed/expired.bin`, 1);
        await sleep(2_500);
        expect((await fetch(url)).status).toBe(403);
      });
    } else {
      it('when a URL is signed, then it names the key and a valid signature that expires after the TTL', async () => {
        const key = `${run}/signed/ok.json.gz`;
        const before = nowSeconds();
        const url = new URL(await store.signedUrl(key, 900));
        const expires = Number(url.searchParams.get('expires'));
        const signature = url.searchParams.get('signature')!;
        expect(url.searchParams.get('key')).toBe(key);
        expect(expires).toBeGreaterThanOrEqual(before + 900);
        expect(expires).toBeLessThanOrEqual(nowSeconds() + 900);
        expect(verifyBlobSignature(CONTRACT_URL_SECRET, key, expires, signature, nowSeconds())).toBe('valid');
      });

      it('when the signature, key or expiry is tampered with, then it is invalid', async () => {
        const key = `${run}/signed/tampered.json.gz`;
        const url = new URL(await store.signedUrl(key, 900));
        const expires = Number(url.searchParams.get('expires'));
        const signature = url.searchParams.get('signature')!;
        const flipped = `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`;
        expect(verifyBlobSignature(CONTRACT_URL_SECRET, key, expires, flipped, nowSeconds())).toBe('invalid');
        expect(verifyBlobSignature(CONTRACT_URL_SECRET, `${key}x`, expires, signature, nowSeconds())).toBe('invalid');
        expect(verifyBlobSignature(CONTRACT_URL_SECRET, key, expires + 3600, signature, nowSeconds())).toBe('invalid');
      });

      it('when the URL has expired, then its signature reads as expired', async () => {
        const key = `${run}/signed/expired.json.gz`;
        const url = new URL(await store.signedUrl(key, 1));
        const expires = Number(url.searchParams.get('expires'));
        expect(verifyBlobSignature(CONTRACT_URL_SECRET, key, expires, url.searchParams.get('signature')!, expires)).toBe('expired');
      });
    }
  });
}
