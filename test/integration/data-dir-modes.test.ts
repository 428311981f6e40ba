import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { compose } from '../../src/composition/compose';
import { loadConfig } from '../../src/composition/config';

// The embedded default on a real DATA_DIR: the database, its WAL, the secrets and the blob tree.

/** Every path under `dir` (itself included) with its permission bits as octal text, `d` or `f` first. */
function modes(dir: string): Record<string, string> {
  const text = (path: string) => {
    const info = statSync(path);
    return (info.isDirectory() ? 'd' : 'f') + (info.mode & 0o777).toString(8);
  };
  const out: Record<string, string> = { '.': text(dir) };
  const walk = (at: string, prefix: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      out[prefix + entry.name] = text(path);
      if (entry.isDirectory()) walk(path, `${prefix}${entry.name}/`);
    }
  };
  walk(dir, '');
  return out;
}

async function startAndWrite(dataDir: string) {
  const composition = await compose(loadConfig({ DATA_DIR: dataDir, REPOSITORY_DRIVER: 'sqlite', STORAGE_DRIVER: 'fs' }), { logger: pino({ level: 'silent' }) });
  const now = new Date();
  await composition.directory.createApp({ id: `app-${now.getTime()}`, owner: 'o', name: `n-${now.getTime()}`, reports: true, createdAt: now, updatedAt: now });
  await composition.blobStore.put('reports/app-1/2030/01/01/abc.json.gz', Buffer.from('details'), { contentType: 'application/json' });
  return composition;
}

describe('DATA_DIR is private to the service user', () => {
  let dataDir: string;
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('when the service starts on a new DATA_DIR and writes, then every folder is 0700 and every file 0600 (telltale.db, -wal, -shm, secrets, blobs)', async () => {
    dataDir = join(mkdtempSync(join(tmpdir(), 'telltale-modes-')), 'data');
    const composition = await startAndWrite(dataDir);
    const seen = modes(dataDir);
    await composition.close();
    expect(Object.keys(seen)).toEqual(expect.arrayContaining(['telltale.db', 'telltale.db-wal', 'telltale.db-shm', 'url-signing.secret', 'jwt.secret', 'blobs/reports/app-1/2030/01/01/abc.json.gz']));
    for (const [path, mode] of Object.entries(seen)) expect([path, mode]).toEqual([path, mode.startsWith('d') ? 'd700' : 'f600']);
  });

  it('when DATA_DIR was left with looser modes (0755 folders, 0644 files), then start-up tightens every one of them', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'telltale-modes-'));
    const first = await startAndWrite(dataDir);
    await first.close();
    mkdirSync(join(dataDir, 'blobs/reports/old'), { recursive: true });
    writeFileSync(join(dataDir, 'blobs/reports/old/blob.gz'), 'old details');
    for (const [path, mode] of Object.entries(modes(dataDir))) chmodSync(join(dataDir, path), mode.startsWith('d') ? 0o755 : 0o644);
    writeFileSync(join(dataDir, 'telltale.db-shm'), '');
    chmodSync(join(dataDir, 'telltale.db-shm'), 0o644);
    expect(Object.values(modes(dataDir))).toEqual(expect.arrayContaining(['d755', 'f644']));

    const again = await compose(loadConfig({ DATA_DIR: dataDir, REPOSITORY_DRIVER: 'sqlite', STORAGE_DRIVER: 'fs' }), { logger: pino({ level: 'silent' }) });
    const seen = modes(dataDir);
    await again.close();
    for (const [path, mode] of Object.entries(seen)) expect([path, mode]).toEqual([path, mode.startsWith('d') ? 'd700' : 'f600']);
  });
});
