import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import http from 'node:http';
import { ADMIN, spawnServer, type SpawnedServer } from '../fixtures/spawned-server';
import { NGINX_BIN, nginxConfigFromDoc, onLoopback, send, startNginx, startRecordingUpstream, type RecordingUpstream, type RunningNginx } from '../fixtures/nginx';
import { asHeader, DEVICE_ID_SHAPES, reportBody } from '../fixtures/reports';
import { describeWhenReachable } from './service-probe';

const describeNginx = describeWhenReachable('nginx beside faynoSync', existsSync(NGINX_BIN) ? null : `${NGINX_BIN} is not installed (apt-get install nginx)`);

const APPS = 'updates.example.com';
const DASHBOARD = 'telltale.example.com';
const CELL = 'channel=stable&platform=windows&arch=amd64';
const SDK_HEADERS = { 'User-Agent': 'faynosync-js/1.0', Accept: 'application/json' };

/** Polls until `check` passes (or its last failure after the timeout). */
async function eventually(check: () => Promise<void> | void, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

describeNginx('nginx from docs/deploy-with-faynosync.md in front of Telltale and faynoSync', () => {
  let telltale: SpawnedServer;
  let faynosync: RecordingUpstream;
  let nginx: RunningNginx;
  let token: string;
  let app: { id: string; report_key: string };

  const api = async (path: string, init: { method?: string; body?: unknown } = {}) => {
    const res = await send(nginx.port, {
      host: DASHBOARD,
      method: init.method,
      path,
      headers: { Authorization: `Bearer ${token}`, ...(init.body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    return { status: res.status, json: JSON.parse(res.body || 'null') };
  };
  const recorded = (path: string) => faynosync.requests.filter((r) => r.url.split('?')[0] === path);

  beforeAll(async () => {
    telltale = await spawnServer({
      // As the doc says for nginx on the same machine.
      TRUST_PROXY: 'loopback',
      SERVER_MAX_CONNECTIONS_PER_IP: '0',
      ROLLOUT_MIN_DEVICES: '1',
      ROLLOUT_FLUSH_INTERVAL_MS: '100',
      LOGS_RATE_LIMIT_PER_IP_PER_MINUTE: '2',
    });
    faynosync = await startRecordingUpstream();
    const config = nginxConfigFromDoc();
    nginx = await startNginx((listen) => onLoopback(config, { listen, telltale: telltale.port, faynosync: faynosync.port }));
    const login = await send(nginx.port, { host: DASHBOARD, method: 'POST', path: '/auth/login', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(ADMIN) });
    expect(login.status).toBe(200);
    token = JSON.parse(login.body).token;
    const created = await api('/apps', { method: 'POST', body: { name: 'desktop' } });
    expect(created.status).toBe(201);
    app = created.json;
  }, 120_000);

  afterAll(async () => {
    await nginx?.stop();
    await faynosync?.close();
    await telltale?.stop();
  });

  it.each([
    ['the SDK update check', 'GET', `/checkVersion?app_name=desktop&version=1.4.2&${CELL}&owner=${ADMIN.username}&updater=manual`],
    ['a Squirrel.Mac feed check', 'GET', `/checkVersion?app_name=desktop&version=1.4.2&${CELL}&owner=${ADMIN.username}&updater=squirrel_darwin`],
    ['the Squirrel.Windows RELEASES feed', 'GET', `/update/${ADMIN.username}/My%20App/stable/windows/amd64/1.4.2/RELEASES?id=MyApp&localVersion=1.4.2&arch=amd64`],
    ["faynoSync's telemetry statistics", 'GET', '/telemetry?range=week&app_name=desktop'],
    ['a download', 'GET', '/download?key=secondapp%2Fstable%2Fwindows%2Famd64%2FMyApp-1.4.3.exe'],
    ['a sign-in with a body', 'POST', '/login'],
  ])('when %s arrives, then faynoSync gets it untouched, with the client address added', async (_what, method, path) => {
    const before = faynosync.requests.length;
    const body = method === 'POST' ? JSON.stringify({ username: 'admin', password: 'p@ss wörd' }) : undefined;
    const device = `{${randomUUID()}}`;
    const headers = { ...SDK_HEADERS, 'X-Device-ID': device, 'X-Custom': 'kept as is', ...(body ? { 'Content-Type': 'application/json' } : {}) };
    const res = await send(nginx.port, { host: APPS, method, path, headers, body, from: '127.0.0.2' });
    expect(res.status).toBe(200);
    expect(faynosync.requests.length).toBe(before + 1);
    const got = faynosync.requests[before]!;
    expect({ method: got.method, url: got.url }).toEqual({ method, url: path });
    expect(got.headers).toMatchObject({
      host: APPS,
      'x-device-id': device,
      'x-custom': 'kept as is',
      'user-agent': 'faynosync-js/1.0',
      accept: 'application/json',
      'x-real-ip': '127.0.0.2',
      'x-forwarded-for': '127.0.0.2',
      'x-forwarded-proto': 'http',
    });
    expect(got.body.toString('utf8')).toBe(body ?? '');
    if (path.includes('/RELEASES')) expect(res.body).toContain('.nupkg');
  });

  it('when reports come with any device id faynoSync takes, then Telltale answers 202 and counts them, and faynoSync never sees them', async () => {
    const before = faynosync.requests.length;
    const ids = Object.values(DEVICE_ID_SHAPES);
    for (const id of ids) {
      const res = await send(nginx.port, {
        host: APPS,
        method: 'POST',
        path: '/reports/ingest',
        headers: { ...SDK_HEADERS, Authorization: `Bearer ${app.report_key}`, 'X-Device-ID': asHeader(id), 'Content-Type': 'application/json' },
        body: JSON.stringify(reportBody({ application: { name: 'desktop' }, event: { type: 'crash', reason: 'sigsegv' } })),
      });
      expect(res.status).toBe(202);
      expect(JSON.parse(res.body)).toMatchObject({ status: 'accepted', stored_details: false });
    }
    const tooLong = await send(nginx.port, {
      host: APPS,
      method: 'POST',
      path: '/reports/ingest',
      headers: { Authorization: `Bearer ${app.report_key}`, 'X-Device-ID': 'x'.repeat(257), 'Content-Type': 'application/json' },
      body: JSON.stringify(reportBody({ application: { name: 'desktop' } })),
    });
    expect(tooLong.status).toBe(400);
    expect(JSON.parse(tooLong.body).error).toContain('1 to 256 bytes of UTF-8');

    const groups = await api(`/reports/groups?app=${app.id}`);
    expect(groups.status).toBe(200);
    expect(groups.json.items).toEqual([expect.objectContaining({ event: { type: 'crash', reason: 'sigsegv' }, stats: expect.objectContaining({ count: ids.length }) })]);
    expect(faynosync.requests.length).toBe(before);
  });

  it('when the SDK beacons, then Telltale answers 204 and counts each device, and faynoSync gets each beacon exactly once, as sent', async () => {
    const devices = [...Object.values(DEVICE_ID_SHAPES).map(asHeader), ...Array.from({ length: 5 }, () => randomUUID())];
    const query = (i: number) => `app_name=desktop&version=2.0.0&${CELL}&owner=${ADMIN.username}&is_latest=${i % 2 === 0}`;
    // One keep-alive connection: nginx reads its next request only after the previous one's copy is done.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (const [i, device] of devices.entries()) {
        const res = await send(nginx.port, { host: APPS, path: `/telemetry/beacon?${query(i)}`, headers: { 'User-Agent': 'faynosync-js/1.0', 'X-Device-ID': device }, agent });
        expect(res.status).toBe(204);
      }
      const last = await send(nginx.port, { host: APPS, path: '/checkVersion?after=beacons', agent });
      expect(last.status).toBe(200);
    } finally {
      agent.destroy();
    }
    const copies = recorded('/telemetry/beacon');
    expect(copies.map((r) => r.headers['x-device-id'])).toEqual(devices);
    expect(copies.map((r) => r.url)).toEqual(devices.map((_d, i) => `/telemetry/beacon?${query(i)}`));
    for (const copy of copies) expect(copy).toMatchObject({ method: 'GET', headers: { host: APPS, 'user-agent': 'faynosync-js/1.0', 'x-forwarded-for': '127.0.0.2' } });

    await eventually(async () => {
      const rates = await api(`/rollouts/rates?app=${app.id}&version=2.0.0`);
      expect(rates.status).toBe(200);
      // HyperLogLog: exact at this size but for a register collision (±1).
      expect(Math.abs(rates.json.cells[0].active_device_days - devices.length)).toBeLessThanOrEqual(1);
    });
  });

  it('when faynoSync is down, then a beacon is still answered 204 by Telltale', async () => {
    const down = await startRecordingUpstream();
    const alone = await startNginx((listen) => onLoopback(nginxConfigFromDoc(), { listen, telltale: telltale.port, faynosync: down.port }));
    await down.close();
    try {
      const res = await send(alone.port, {
        host: APPS,
        path: `/telemetry/beacon?app_name=desktop&version=2.0.1&${CELL}&owner=${ADMIN.username}&is_latest=true`,
        headers: { 'X-Device-ID': randomUUID() },
      });
      expect(res.status).toBe(204);
      expect((await send(alone.port, { host: APPS, path: '/checkVersion' })).status).toBe(502);
    } finally {
      await alone.stop();
    }
  });

  it('when one address goes over a per-address limit, then only that client is refused: Telltale sees the client, not nginx', async () => {
    const batch = (from: string) =>
      send(nginx.port, {
        host: APPS,
        method: 'POST',
        path: '/api/v1/logs',
        from,
        headers: { 'Content-Type': 'application/json', 'X-Device-Id': randomUUID() },
        body: JSON.stringify({ logs: [{ level: 'error', message: 'Update failed', timestamp: Date.now() }] }),
      });
    expect((await batch('127.0.0.2')).status).toBe(200);
    expect((await batch('127.0.0.2')).status).toBe(200);
    const refused = await batch('127.0.0.2');
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.body)).toMatchObject({ scope: 'logs_ip' });
    expect((await batch('127.0.0.3')).status).toBe(200);
    expect(recorded('/api/v1/logs')).toEqual([]);
  });
});
