import { readFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { SQLITE_FILE_NAME } from '../../src/adapters/sqlite/sqlite-database';
import { SqliteReportRepository } from '../../src/adapters/sqlite/sqlite-report-repository';
import { harness, type Harness } from '../fixtures/harness';
import { gzipDetails, newDeviceId, reportBody } from '../fixtures/reports';

describe('POST /reports/ingest on the SQLite repository', () => {
  let h: Harness;
  let repo: SqliteReportRepository;

  beforeEach(async () => {
    h = await harness({ REPOSITORY_DRIVER: 'sqlite' });
    expect(h.repository).toBeInstanceOf(SqliteReportRepository);
    repo = h.repository as SqliteReportRepository;
  });
  afterEach(async () => {
    await h.close();
    rmSync(h.deps.config.dataDir, { recursive: true, force: true });
  });

  const send = (key: string, deviceId: string, body: object) =>
    request(h.app).post('/reports/ingest').set('Authorization', `Bearer ${key}`).set('X-Device-ID', deviceId).send(body);

  it('when minimal reports arrive, then each costs exactly one repository write', async () => {
    const { appId, key } = await h.createApp();
    const bodies = [reportBody(), reportBody(), reportBody({ event: { reason: 'disk_full' } }), reportBody()];
    for (const body of bodies) {
      const before = repo.writes;
      const res = await send(key, newDeviceId(), body);
      expect(res.status).toBe(202);
      expect(repo.writes - before).toBe(1);
    }
    const res = await send(key, newDeviceId(), reportBody());
    expect((await h.repository.findGroup(appId, res.body.group_hash))?.stats.count).toBe(4);
  });

  it('when details are rejected, then the report still costs exactly one write and counts the rejection', async () => {
    const { appId, key } = await h.createApp();
    const before = repo.writes;
    const res = await send(key, newDeviceId(), reportBody({ details: { encoding: 'zip', content_type: 'application/json', payload: 'AAAA' } }));
    expect(res.status).toBe(202);
    expect(res.body.stored_details).toBe(false);
    expect(repo.writes - before).toBe(1);
    expect((await h.repository.findGroup(appId, res.body.group_hash))?.stats).toMatchObject({ count: 1, detailsRejected: 1 });
  });

  it('when reports with and without details are stored, then no table holds a device id, a client IP, or the key outside report_keys', async () => {
    const { key } = await h.createApp();
    const devices = [newDeviceId(), newDeviceId(), newDeviceId()];
    const responses = [
      await send(key, devices[0]!, reportBody()),
      await send(key, devices[1]!, reportBody({ details: gzipDetails({ log: 'boom', device: 'elsewhere' }) })),
      await send(key, devices[2]!, reportBody({ event: { reason: 'disk_full' }, details: { encoding: 'zip', content_type: 'x', payload: '' } })),
    ];
    expect(responses.map((r) => r.status)).toEqual([202, 202, 202]);
    expect(responses[1]!.body.stored_details).toBe(true);

    const db = h.sqlite!;
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[];
    const dumps = Object.fromEntries(tables.map((t) => [t, JSON.stringify(db.prepare(`SELECT * FROM "${t}"`).all())]));
    expect(dumps.report_groups).toContain('checksum_mismatch');
    expect(dumps.report_blobs).toContain('application/json');
    const everything = Object.values(dumps).join('\n');
    for (const device of devices) expect(everything).not.toContain(device);
    expect(everything).not.toContain('127.0.0.1');
    expect(everything).not.toContain('::1');
    for (const [table, dump] of Object.entries(dumps)) {
      if (table !== 'report_keys') expect({ table, hasKey: dump.includes(key.slice(4)) }).toEqual({ table, hasKey: false });
    }

    db.pragma('wal_checkpoint(TRUNCATE)');
    for (const file of [SQLITE_FILE_NAME, `${SQLITE_FILE_NAME}-wal`].map((f) => join(h.deps.config.dataDir, f)).filter(existsSync)) {
      const raw = readFileSync(file).toString('latin1');
      for (const device of devices) expect(raw).not.toContain(device);
      expect(raw).not.toContain('127.0.0.1');
    }
  });
});
