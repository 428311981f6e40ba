import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { deviceDigest } from '../../src/domain/hyperloglog';
import { dataDirFor, harness } from '../fixtures/harness';
import { postReport } from '../fixtures/ingest';
import { newDeviceId, reportBody } from '../fixtures/reports';
import { deviceNeedles } from '../fixtures/sketches';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('privacy of device sketches (embedded default: SQLite)', () => {
  const dataDir = dataDirFor();
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('when beacons and reports are counted, then no SQLite row or data file holds a device id or a per-device digest, only registers', async () => {
    const h = await harness({ REPOSITORY_DRIVER: 'sqlite', DATA_DIR: dataDir, ROLLOUT_FLUSH_INTERVAL_MS: '600000' }, { logLevel: 'warn' });
    const { appId, key } = await h.createApp('my-app');
    const devices = Array.from({ length: 30 }, () => newDeviceId());
    for (const [i, device] of devices.entries()) {
      const res = await request(h.app)
        .get('/telemetry/beacon')
        .query({ version: `1.0.${i % 3}`, channel: 'stable', platform: 'linux', arch: 'x64', from_version: '0.9.0', first_run: '1' })
        .set('Authorization', `Bearer ${key}`)
        .set('X-Device-ID', device);
      expect(res.status).toBe(204);
      if (i % 5 === 0) expect((await postReport(h.app, key, reportBody({ event: { type: 'crash', reason: 'boom' } }), device)).status).toBe(202);
    }
    const day = h.clock.now().toISOString().slice(0, 10);
    const dayKey = await h.rollouts.dayKeys.keyFor(day, Buffer.alloc(32));
    const digests = devices.map((d) => deviceDigest(dayKey, appId, d));
    await h.close();

    const Database = require('better-sqlite3');
    const db = new Database(join(dataDir, 'telltale.db'), { readonly: true });
    const needles = deviceNeedles(devices, digests);
    const found: string[] = [];
    const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as Array<{ name: string }>;
    let sketches = 0;
    for (const { name } of tables) {
      for (const row of db.prepare(`SELECT * FROM "${name}"`).all() as Array<Record<string, unknown>>) {
        if (name === 'device_sketches') sketches++;
        const text = JSON.stringify(row, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('latin1') : v));
        found.push(...needles.filter((n) => text.includes(n)).map((n) => `sqlite ${name}: ${n}`));
      }
    }
    db.close();
    for (const file of filesUnder(dataDir)) {
      const bytes = readFileSync(file).toString('latin1');
      found.push(...needles.filter((n) => bytes.includes(n)).map((n) => `file ${file}: ${n}`));
    }
    expect(found).toEqual([]);
    // Not vacuous: 3 versions × (active, arrivals, first runs) + the crash cell's active and affected, by hour and day.
    expect(sketches).toBeGreaterThanOrEqual(3 * 3 * 2);
  });
});
