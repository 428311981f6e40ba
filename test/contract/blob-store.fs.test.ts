import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsBlobStore } from '../../src/adapters/fs/fs-blob-store';
import { ValidationError } from '../../src/domain/errors';
import { onSmallDisk } from '../fixtures/tmpfs';
import { blobStoreContract, contractUrlSigner } from './blob-store.contract';

const tempDataDir = () => mkdtempSync(join(tmpdir(), 'telltale-fs-blobs-'));

blobStoreContract('fs', async () => {
  const dataDir = tempDataDir();
  return { store: new FsBlobStore(dataDir, contractUrlSigner()), cleanup: async () => rmSync(dataDir, { recursive: true, force: true }) };
});

describe('FsBlobStore', () => {
  let dataDir: string;
  let store: FsBlobStore;
  beforeEach(() => {
    dataDir = tempDataDir();
    store = new FsBlobStore(dataDir, contractUrlSigner());
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('when a blob is put, then it is a file under DATA_DIR/blobs and no temp file is left', async () => {
    await store.put('reports/app-1/2026/01/15/abc-0123.json.gz', Buffer.from('x'), { contentType: 'application/json' });
    expect(existsSync(join(dataDir, 'blobs/reports/app-1/2026/01/15/abc-0123.json.gz'))).toBe(true);
    expect(readdirSync(join(dataDir, 'blobs/.tmp'))).toEqual([]);
  });

  it.each(['../escape', 'a/../../escape', '/etc/passwd', 'a//b', './a', 'a/.tmp/b', '.tmp/x', '', 'a\\..\\b', 'a/\0b', 'a/'])(
    'when the key is %j, then every operation refuses it',
    async (key) => {
      await expect(store.put(key, Buffer.from('x'), { contentType: 'text/plain' })).rejects.toThrow(ValidationError);
      await expect(store.get(key)).rejects.toThrow(ValidationError);
      await expect(store.delete([key])).rejects.toThrow(ValidationError);
      await expect(store.signedUrl(key, 60)).rejects.toThrow(ValidationError);
      expect(existsSync(join(dataDir, 'escape'))).toBe(false);
    },
  );

  it('when listing with a prefix that climbs out, then it refuses', async () => {
    await expect(store.list('../')).rejects.toThrow(ValidationError);
  });

  it('when the last blob of a day is deleted, then its empty directories go too but the root stays', async () => {
    await store.put('reports/app-1/2026/01/15/a.json.gz', Buffer.from('x'), { contentType: 'application/json' });
    await store.put('reports/app-1/2026/01/16/b.json.gz', Buffer.from('y'), { contentType: 'application/json' });
    await store.delete(['reports/app-1/2026/01/15/a.json.gz']);
    expect(existsSync(join(dataDir, 'blobs/reports/app-1/2026/01/15'))).toBe(false);
    expect(existsSync(join(dataDir, 'blobs/reports/app-1/2026/01/16/b.json.gz'))).toBe(true);
    await store.delete(['reports/app-1/2026/01/16/b.json.gz']);
    expect(readdirSync(join(dataDir, 'blobs')).filter((n) => n !== '.tmp')).toEqual([]);
  });

  it('when puts and deletes of one directory race, then every put lands', async () => {
    const keys = Array.from({ length: 40 }, (_, i) => `reports/app-1/2026/01/15/k${i}`);
    await Promise.all(keys.map((key, i) => (i % 2 ? store.delete([keys[i - 1]!]) : store.put(key, Buffer.from(key), { contentType: 'text/plain' }))));
    await Promise.all(keys.filter((_, i) => i % 2 === 0).map((key) => store.put(key, Buffer.from(key), { contentType: 'text/plain' })));
    expect(await store.list('reports/')).toHaveLength(20);
  });

  it('when a symlink inside the root points outside, then listing does not follow it', async () => {
    const outside = tempDataDir();
    try {
      await store.put('reports/a', Buffer.from('x'), { contentType: 'text/plain' });
      symlinkSync(outside, join(dataDir, 'blobs/reports/link'));
      expect(await store.list('reports/')).toEqual(['reports/a']);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });
});

describe('FsBlobStore — no temp file outlives its write', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = tempDataDir();
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('when the disk fills during a write (a 64 KiB tmpfs), then put rejects and no .part file is left', async () => {
    await onSmallDisk(dataDir, '64k', 'disk-full write', async () => {
      const store = new FsBlobStore(dataDir, contractUrlSigner());
      await store.ping();
      for (let i = 0; i < 5; i++) {
        await expect(store.put(`reports/a/big-${i}.json.gz`, Buffer.alloc(256 * 1024, 7), { contentType: 'application/json' })).rejects.toMatchObject({ code: 'ENOSPC' });
      }
      expect(readdirSync(join(dataDir, 'blobs/.tmp'))).toEqual([]);
      // Space is still there for a small object afterwards.
      await store.put('reports/a/small.json.gz', Buffer.from('ok'), { contentType: 'application/json' });
      await expect(store.get('reports/a/small.json.gz')).resolves.toEqual(Buffer.from('ok'));
    });
  });

  it('when the rename into place fails, then the temp file is removed', async () => {
    const store = new FsBlobStore(dataDir, contractUrlSigner());
    // A file where a directory of the key should be: mkdir of the target's parent fails.
    mkdirSync(join(dataDir, 'blobs/reports'), { recursive: true });
    writeFileSync(join(dataDir, 'blobs/reports/a'), 'not a directory');
    await expect(store.put('reports/a/b.json.gz', Buffer.from('x'), { contentType: 'application/json' })).rejects.toThrow();
    expect(readdirSync(join(dataDir, 'blobs/.tmp'))).toEqual([]);
  });

  it('clearLeftovers removes temp files older than a minute and keeps a write in flight', async () => {
    const store = new FsBlobStore(dataDir, contractUrlSigner());
    const tmp = join(dataDir, 'blobs/.tmp');
    mkdirSync(tmp, { recursive: true });
    const old = new Date(Date.now() - 5 * 60_000);
    for (const name of ['crash-1.part', 'crash-2.part']) {
      writeFileSync(join(tmp, name), 'partial details');
      utimesSync(join(tmp, name), old, old);
    }
    writeFileSync(join(tmp, 'in-flight.part'), 'being written');
    await expect(store.clearLeftovers(new Date())).resolves.toBe(2);
    expect(readdirSync(tmp)).toEqual(['in-flight.part']);
  });
});
