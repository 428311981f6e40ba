import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { compose, type Composition } from '../../src/composition/compose';
import { loadConfig } from '../../src/composition/config';
import { createApp } from '../../src/composition/create-app';
import { DiskFullWatch } from '../../src/adapters/fs/disk-full-watch';
import { FsBlobStore } from '../../src/adapters/fs/fs-blob-store';
import { DiskFullError } from '../../src/domain/errors';
import { contractUrlSigner } from '../contract/blob-store.contract';
import { addApp, eventually } from '../fixtures/faults';
import { postReport } from '../fixtures/ingest';
import { gzipDetails, reportBody } from '../fixtures/reports';
import request from 'supertest';

/** Writes `path` until the disk refuses more (ENOSPC); returns the bytes written. */
function fillDisk(path: string): number {
  const fd = openSync(path, 'w');
  const chunk = randomBytes(64 * 1024);
  let written = 0;
  try {
    for (;;) written += writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
  return written;
}

// DATA_DIR (database and blobs) on a 16 MiB tmpfs, filled by another file, then freed again.
describe('faults: the disk under DATA_DIR fills up', () => {
  let dataDir: string;
  let composition: Composition | undefined;
  let mounted = false;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'telltale-fault-disk-'));
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', dataDir], { stdio: 'ignore' });
      mounted = true;
    } catch {
      mounted = false;
    }
  });
  afterEach(async () => {
    await composition?.close();
    composition = undefined;
    if (mounted) execFileSync('umount', ['-l', dataDir]);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('when writes fail for want of space, then /readyz answers 503 "not ready: disk full" like ingest does; when space is freed, both recover without a restart', async () => {
    if (!mounted) {
      process.stdout.write('skipped: disk-full fault: cannot mount a tmpfs here (needs root)\n');
      return;
    }
    composition = await compose(loadConfig({ DATA_DIR: dataDir, REPORTS_RATE_LIMIT_PER_KEY_PER_MINUTE: '1000000', REPORTS_RATE_LIMIT_PER_GROUP_PER_MINUTE: '1000000' }), {
      logger: pino({ level: 'silent' }),
    });
    const app = createApp(composition.deps);
    const { appId, key } = await addApp(composition.directory);
    let n = 0;
    const send = () => postReport(app, key, reportBody({ event: { reason: `disk-${n++}` }, details: gzipDetails({ trace: randomBytes(2048).toString('hex') }) }));

    expect((await send()).status).toBe(202);
    const ready = await request(app).get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toEqual({ repository: 'ok', blob_store: 'ok', disk: 'ok' });

    const filler = join(dataDir, 'filler');
    fillDisk(filler);
    // The database may still have room in pages it holds; new groups use it up within a few reports.
    const statuses: number[] = [];
    for (let i = 0; i < 500 && !statuses.includes(503); i++) statuses.push((await send()).status);
    expect(statuses).toContain(503);
    const full = await request(app).get('/readyz');
    expect(full.status).toBe(503);
    expect(full.body).toMatchObject({ error: 'not ready: disk full', code: 'unavailable', status: 'unavailable', failing: ['disk'] });
    // The probe leaves nothing behind.
    expect(readdirSync(dataDir).filter((name) => name.startsWith('.disk-probe'))).toEqual([]);

    rmSync(filler);
    const back = await eventually(() => request(app).get('/readyz'), (res) => res.status === 200);
    expect(back.body.checks.disk).toBe('ok');
    const after = await send();
    expect(after.status).toBe(202);
    expect(after.body.stored_details).toBe(true);
    const groups = (await composition.repository.listGroups({ appIds: [appId] }, 1, 1000)).items;
    expect(groups.length).toBe(2 + statuses.filter((s) => s === 202).length);
  }, 60_000);

  it('DiskFullWatch — a failed write it is told of (ENOSPC from the fs blob store) is confirmed by a probe, which clears once space is freed; free space alone it does not take for a full disk', async () => {
    if (!mounted) {
      process.stdout.write('skipped: disk-full watch: cannot mount a tmpfs here (needs root)\n');
      return;
    }
    // lowSpaceBytes 0: only what it is told of makes it probe.
    const watch = new DiskFullWatch(dataDir, { lowSpaceBytes: 0 });
    const store = new FsBlobStore(dataDir, contractUrlSigner(), watch.observe);
    const filler = join(dataDir, 'filler');
    fillDisk(filler);
    await expect(watch.check()).resolves.toBeUndefined();
    await expect(store.put('reports/a/b.json.gz', randomBytes(256 * 1024), { contentType: 'application/gzip' })).rejects.toMatchObject({ code: 'ENOSPC' });
    await expect(watch.check()).rejects.toBeInstanceOf(DiskFullError);
    await expect(watch.check()).rejects.toThrow('disk full');
    watch.observe(new Error('not a disk error'));
    rmSync(filler);
    await expect(watch.check()).resolves.toBeUndefined();
    // Cleared: a later check does not probe again until told.
    fillDisk(filler);
    await expect(watch.check()).resolves.toBeUndefined();
    watch.observe(Object.assign(new Error('database or disk is full'), { name: 'SqliteError', code: 'SQLITE_FULL' }));
    await expect(watch.check()).rejects.toBeInstanceOf(DiskFullError);
  });
});
