import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Redis } from 'ioredis';
import request from 'supertest';
import { dataDirFor, harness, type Harness } from '../fixtures/harness';
import { postReport } from '../fixtures/ingest';
import { DEVICE_ID_SHAPES, gzipDetails, newDeviceId, reportBody } from '../fixtures/reports';
import { s3TestEnv, testBucket } from '../fixtures/s3-bucket';
import { deviceNeedles } from '../fixtures/sketches';
import { deviceDigest } from '../../src/domain/hyperloglog';
import { describeWhenReachable, unreachableReason } from './service-probe';

const { REDIS_URL, S3_ENDPOINT } = process.env;
const describeBoth = describeWhenReachable(
  'S3 + Redis privacy scan (SQLite + S3 + Redis)',
  unreachableReason('REDIS_URL', REDIS_URL, 6379) ?? unreachableReason('S3_ENDPOINT', S3_ENDPOINT, 443),
);

const CLAIM_KEY = 'telltale-test:privacy-scan-claim';
const CLIENT_IPS = ['127.0.0.1', '::1', '::ffff:127.0.0.1'];

/**
 * A Redis logical database nobody else is using, so that every key in it was made by this run.
 * The shared server keeps its other databases untouched.
 */
async function claimEmptyDatabase(url: string, run: string): Promise<{ url: string; client: Redis }> {
  for (let db = 15; db >= 1; db--) {
    const target = new URL(url);
    target.pathname = `/${db}`;
    const client = new Redis(target.toString(), { lazyConnect: true, maxRetriesPerRequest: 1 });
    await client.connect();
    if ((await client.dbsize()) === 0 && (await client.set(CLAIM_KEY, run, 'EX', 600, 'NX')) === 'OK') return { url: target.toString(), client };
    await client.quit();
  }
  throw new Error('no empty Redis database among 1..15');
}

async function allRedisEntries(client: Redis): Promise<Array<{ key: string; value: string }>> {
  const entries: Array<{ key: string; value: string }> = [];
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      if (key === CLAIM_KEY) continue;
      const type = await client.type(key);
      const value = type === 'string' ? ((await client.get(key)) ?? '') : type === 'hash' ? JSON.stringify(await client.hgetall(key)) : `(${type})`;
      entries.push({ key, value });
    }
  } while (cursor !== '0');
  return entries;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

const text = (value: unknown) => JSON.stringify(value, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('latin1') : v));

describeBoth('privacy: what Telltale stores holds no device id, client IP or report key', () => {
  const bucket = testBucket('privacy');
  const dataDir = dataDirFor();
  const run = `${process.pid}-${Date.now()}`;
  let redis: { url: string; client: Redis };
  let h: Harness;
  let server: Server | null = null;

  beforeAll(async () => {
    await bucket.create();
    redis = await claimEmptyDatabase(REDIS_URL!, run);
    h = await harness({ ...s3TestEnv(bucket.name), REPOSITORY_DRIVER: 'sqlite', DATA_DIR: dataDir, REDIS_URL: redis.url, ROLLOUT_FLUSH_INTERVAL_MS: '600000' });
    // Redis expires sketches by their bucket: the clock must be today's.
    h.clock.set(new Date());
  });
  afterAll(async () => {
    server?.close();
    await h?.close();
    if (redis) {
      const keys = await redis.client.keys('*');
      if (keys.length > 0) await redis.client.del(...keys);
      await redis.client.quit();
    }
    await bucket.remove();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('when reports with details arrive from known devices over IPv4 and IPv6, then no SQLite row, bucket object, Redis key or data file holds a device id or client IP, and the report key is only in report_keys', async () => {
    expect(h.sqlite).not.toBeNull();
    expect(h.blobStore.driver).toBe('s3');
    expect(h.redis?.status).toBe('ready');
    const tenants = [await h.createApp('my-app', 'owner-a'), await h.createApp('other-app', 'owner-b')];
    // UUIDs and the other shapes faynoSync takes (ASCII ones: postReport sends headers as-is).
    const { 'text with spaces and non-ASCII': _nonAscii, ...asciiShapes } = DEVICE_ID_SHAPES;
    const devices = [...Array.from({ length: 4 }, () => newDeviceId()), ...Object.values(asciiShapes)];
    const statuses: number[] = [];
    for (const [t, tenant] of tenants.entries()) {
      const name = t === 0 ? 'my-app' : 'other-app';
      for (const [i, device] of devices.entries()) {
        const body = reportBody({ application: { name }, event: { reason: `reason-${i % 3}` }, details: gzipDetails({ stack: `Error: boom\n  at frame${i}` }) });
        statuses.push((await postReport(h.app, tenant.key, body, device)).status);
        // The repeat trips the per-device limit, so the limiter has device keys to look at.
        statuses.push((await postReport(h.app, tenant.key, body, device)).status);
      }
    }

    // The same over IPv6 loopback, where the machine has it.
    server = await new Promise<Server | null>((resolve) => {
      const s = h.app.listen(0, '::1', () => resolve(s));
      s.once('error', () => resolve(null));
    });
    if (server) {
      const { port } = server.address() as AddressInfo;
      for (const device of devices.slice(0, 3)) {
        const res = await fetch(`http://[::1]:${port}/reports/ingest`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${tenants[0]!.key}`, 'X-Device-ID': device },
          body: JSON.stringify(reportBody({ event: { reason: 'over-ipv6' }, details: gzipDetails({ stack: 'v6' }) })),
        });
        statuses.push(res.status);
      }
    }
    // Update-check beacons of the same devices, counted in Redis HyperLogLogs.
    for (const device of devices) {
      const res = await request(h.app)
        .get('/telemetry/beacon?app_name=my-app&version=1.4.2&channel=stable&platform=linux&arch=x64&from_version=1.4.1')
        .set('Authorization', `Bearer ${tenants[0]!.key}`)
        .set('X-Device-ID', device);
      statuses.push(res.status);
    }
    await h.rollouts.buffer.flush();
    const dayKey = await h.rollouts.dayKeys.keyFor(h.clock.now().toISOString().slice(0, 10), Buffer.alloc(32));
    const digests = tenants.flatMap((t) => devices.map((d) => deviceDigest(dayKey, t.appId, d)));
    expect(statuses.filter((s) => s === 204).length).toBe(devices.length);
    expect(statuses.filter((s) => s === 202).length).toBe(devices.length * 2 + (server ? 3 : 0));
    expect(statuses.filter((s) => s === 429).length).toBe(devices.length * 2);

    const needles = deviceNeedles(devices, digests);
    const keyNeedles = tenants.flatMap((t) => [t.key, t.key.slice(4)]);
    const leaks = (where: string, haystack: string, reportKeysAllowed = false) =>
      [...needles, ...CLIENT_IPS, ...(reportKeysAllowed ? [] : keyNeedles)].filter((needle) => haystack.includes(needle)).map((needle) => `${where}: ${needle}`);
    const found: string[] = [];

    const db = h.sqlite!;
    const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as Array<{ name: string }>;
    let rows = 0;
    for (const { name } of tables) {
      for (const row of db.prepare(`SELECT * FROM "${name}"`).all()) {
        rows++;
        found.push(...leaks(`sqlite ${name}`, text(row), name === 'report_keys'));
      }
    }
    const keyRows = db.prepare('SELECT key FROM report_keys').all() as Array<{ key: string }>;
    expect(keyRows.map((r) => r.key).sort()).toEqual(tenants.map((t) => t.key).sort());

    const objectKeys = await bucket.store.list('');
    for (const key of objectKeys) {
      const body = (await bucket.store.get(key))!;
      found.push(...leaks(`object key`, key), ...leaks(`object ${key}`, body.toString('latin1')), ...leaks(`object ${key} inflated`, gunzipSync(body).toString('utf8')));
    }

    const entries = await allRedisEntries(redis.client);
    expect(entries.filter((e) => e.key.startsWith('tt:hll:') && e.value.startsWith('HYLL')).length).toBeGreaterThanOrEqual(4);
    for (const { key, value } of entries) found.push(...leaks('redis key', key), ...leaks(`redis ${key}`, value));

    // The raw files too: a value deleted or overwritten can live on in the WAL or free pages.
    const files = filesUnder(dataDir);
    for (const file of files) {
      const bytes = readFileSync(file).toString('latin1');
      found.push(...leaks(`file ${file}`, bytes, true));
    }

    expect(found).toEqual([]);
    // Not vacuous: everything that should be there is.
    expect(objectKeys.length).toBe(devices.length * 2 + (server ? 3 : 0));
    expect(entries.filter((e) => /^tt:rl:\{[0-9a-f]+\}:device:/.test(e.key)).length).toBeGreaterThanOrEqual(devices.length * 2);
    expect(entries.filter((e) => /^tt:rl:\{[0-9a-f]+\}:key:/.test(e.key)).length).toBe(2);
    process.stdout.write(
      `privacy-scan: ${rows} SQLite rows in ${tables.length} tables, ${objectKeys.length} objects, ${entries.length} Redis keys, ${files.length} data files; ${server ? 'IPv4 and IPv6' : 'IPv4 only (no ::1 here)'}; no leak\n`,
    );
  }, 180_000);
});
