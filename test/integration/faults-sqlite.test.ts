import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import request from 'supertest';
import { compose, type Composition } from '../../src/composition/compose';
import { loadConfig } from '../../src/composition/config';
import { createApp } from '../../src/composition/create-app';
import { SQLITE_FILE_NAME } from '../../src/adapters/sqlite/sqlite-database';
import { newDeviceId, newReportKey, reportBody } from '../fixtures/reports';

// As root, chmod can't make the database read-only, so the outage is another process holding
// SQLite's write lock: every write waits out busy_timeout, then fails with SQLITE_BUSY.
describe('faults: the SQLite repository becomes unavailable', () => {
  let dataDir: string;
  let composition: Composition;

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'telltale-fault-'));
    composition = await compose(loadConfig({ DATA_DIR: dataDir, STORAGE_DRIVER: 'memory' }), { logger: pino({ level: 'silent' }) });
  });
  afterEach(async () => {
    await composition.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('when the database is locked by another writer, then ingest answers 503 with Retry-After, and recovers without a restart', async () => {
    const app = createApp(composition.deps);
    const now = new Date();
    await composition.directory.createApp({ id: 'app-1', owner: 'o', name: 'my-app', reports: true, createdAt: now, updatedAt: now });
    const key = newReportKey();
    await composition.directory.setReportKey('app-1', key, now);
    const send = (reason: string) =>
      request(app).post('/reports/ingest').set('Authorization', `Bearer ${key}`).set('X-Device-ID', newDeviceId()).send(reportBody({ event: { reason } }));

    expect((await send('before')).status).toBe(202);

    const other = new Database(join(dataDir, SQLITE_FILE_NAME));
    other.exec('BEGIN EXCLUSIVE');
    const down = await send('during');
    expect(down.status).toBe(503);
    expect(down.headers['retry-after']).toBe('5');
    expect(down.body).toEqual({ error: 'report repository unavailable', code: 'unavailable' });
    other.exec('ROLLBACK');
    other.close();

    expect((await send('after')).status).toBe(202);
    const page = await composition.repository.listGroups({ appIds: ['app-1'] }, 1, 10);
    expect(page.items.map((g) => g.event.reason).sort()).toEqual(['after', 'before']);
  }, 120_000);
});
