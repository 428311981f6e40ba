import request from 'supertest';
import { wilsonInterval } from '../../src/domain/rollout-rates';
import { BEACON_CELL, beaconOf, rolloutSetup, type RolloutSetup } from '../fixtures/beacons';
import { DEVICE_ID_RULE } from '../../src/domain/device-id';
import { asHeader, DEVICE_ID_SHAPES, newDeviceId, reportBody } from '../fixtures/reports';

const PASSWORD = 'correct horse battery staple';
const CELL = BEACON_CELL;
type Setup = RolloutSetup;
const setup = rolloutSetup;
const beacon = beaconOf;

const report = (s: Setup, device: string, body: object) =>
  request(s.h.app).post('/reports/ingest').set('Authorization', `Bearer ${s.key}`).set('X-Device-ID', device).send(body);

const rates = (s: Setup, query: Record<string, string> = {}) =>
  request(s.h.app).get('/rollouts/rates').set('Authorization', `Bearer ${s.token}`).query({ app: s.appId, ...query });

describe('GET /telemetry/beacon', () => {
  let s: Setup;
  beforeEach(async () => {
    s = await setup();
  });
  afterEach(() => s.h.close());

  test('GET /telemetry/beacon — the exact request of the faynoSync JS SDK gets 204 with no body and is counted', async () => {
    const res = await request(s.h.app)
      .get('/telemetry/beacon?owner=acme&app_name=my-app&version=1.4.2&channel=stable&platform=linux&arch=x64&is_latest=true')
      .set('X-Device-ID', 'a3f1c2d4-5b6e-4f70-8a9b-0c1d2e3f4a5b')
      .set('User-Agent', 'faynosync-js/1.0');
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect(res.headers['content-length'] ?? '0').toBe('0');
    expect(s.h.metrics.value('beacons_total', { outcome: 'accepted' })).toBe(1);
    await s.h.rollouts.buffer.flush();
    const [row] = await s.h.rollouts.rates.mergedCounts(s.appId, new Date(0), new Date('2100-01-01'));
    expect(row).toMatchObject({ cell: { version: '1.4.2', ...CELL }, active: expect.closeTo(1, 2) });
  });

  const unmatched = async () => {
    await s.h.rollouts.refusals.flush();
    return s.h.rollouts.refusalStore.unmatched(new Date(0), new Date('2100-01-01'));
  };

  test.each([
    ['nobody', 'my-app', { owner: 'nobody', version: '1.0.0' }],
    ['acme', 'other-app', { app_name: 'other-app', version: '1.0.0' }],
  ])('GET /telemetry/beacon — 204 for an unknown app (%s/%s), counted for the admin only: /metrics says accepted, as for a counted one', async (owner, appName, query) => {
    const res = await beacon(s, query);
    expect(res.status).toBe(204);
    expect(s.h.metrics.value('beacons_total', { outcome: 'accepted' })).toBe(1);
    expect(s.h.metrics.value('beacons_total', { outcome: 'unknown_app' })).toBe(0);
    expect(s.h.rollouts.buffer.size).toBe(0);
    expect(await unmatched()).toEqual([{ owner, appName, reason: 'unknown_app', count: 1 }]);
  });

  test.each([
    ['invalid_parameter', { version: 'not a version' }, newDeviceId()],
    ['invalid_device_id', { version: '1.0.0' }, 'x'.repeat(257)],
  ])('GET /telemetry/beacon — 204 and counted as %s when it is ignored', async (outcome, query, device) => {
    const res = await beacon(s, query as Record<string, string>, device);
    expect(res.status).toBe(204);
    expect(s.h.metrics.value('beacons_total', { outcome })).toBe(1);
    expect(s.h.rollouts.buffer.size).toBe(0);
  });

  test('GET /telemetry/beacon — 204 and counted as missing_device_id without X-Device-ID', async () => {
    const res = await request(s.h.app).get('/telemetry/beacon').query({ owner: 'acme', app_name: 'my-app', version: '1.0.0', ...CELL });
    expect(res.status).toBe(204);
    expect(s.h.metrics.value('beacons_total', { outcome: 'missing_device_id' })).toBe(1);
  });

  test('GET /telemetry/beacon — every device id faynoSync takes is counted, one device per id; past 256 bytes or blank it is not', async () => {
    const ids = Object.values(DEVICE_ID_SHAPES).map(asHeader);
    for (const id of [...ids, ...ids]) await beacon(s, { version: '1.0.0' }, id).expect(204);
    await beacon(s, { version: '1.0.0' }, asHeader(`${'é'.repeat(128)}x`)).expect(204);
    await beacon(s, { version: '1.0.0' }, asHeader(' \u00a0 ')).expect(204);
    expect(s.h.metrics.value('beacons_total', { outcome: 'accepted' })).toBe(2 * ids.length);
    expect(s.h.metrics.value('beacons_total', { outcome: 'invalid_device_id' })).toBe(1);
    expect(s.h.metrics.value('beacons_total', { outcome: 'missing_device_id' })).toBe(1);
    await s.h.rollouts.buffer.flush();
    const [row] = await s.h.rollouts.rates.mergedCounts(s.appId, new Date(0), new Date('2100-01-01'), { granularity: 'day' });
    expect(row!.active).toBeCloseTo(ids.length, 0);
  });

  test('GET /telemetry/beacon — 204 and reports_disabled when the app has reports off', async () => {
    await s.h.directory.setReportsEnabled(s.appId, false, new Date());
    await new Promise((resolve) => setTimeout(resolve, 5));
    s.h.clock.advance(60_000);
    await beacon(s, { version: '1.0.0' }).expect(204);
    expect(s.h.metrics.value('beacons_total', { outcome: 'accepted' })).toBe(1);
    expect(await unmatched()).toEqual([{ owner: 'acme', appName: 'my-app', reason: 'reports_disabled', count: 1 }]);
  });

  test('GET /telemetry/beacon — a report key identifies the app; owner and app_name must then match it or be absent', async () => {
    const auth = `Bearer ${s.key}`;
    await request(s.h.app).get('/telemetry/beacon').query({ version: '1.0.0', ...CELL }).set('X-Device-ID', newDeviceId()).set('Authorization', auth).expect(204);
    await beacon(s, { version: '1.0.0' }).set('Authorization', auth).expect(204);
    await beacon(s, { version: '1.0.0', app_name: 'other' }).set('Authorization', auth).expect(204);
    await beacon(s, { version: '1.0.0' }).set('Authorization', `Bearer rpk_${'0'.repeat(64)}`).expect(204);
    expect(s.h.metrics.value('beacons_total', { outcome: 'accepted' })).toBe(3);
    expect(s.h.metrics.value('beacons_total', { outcome: 'invalid_report_key' })).toBe(1);
    expect(await unmatched()).toEqual([{ owner: 'acme', appName: 'other', reason: 'app_mismatch', count: 1 }]);
    await s.h.rollouts.buffer.flush();
    const [row] = await s.h.rollouts.rates.mergedCounts(s.appId, new Date(0), new Date('2100-01-01'));
    expect(row!.active).toBeCloseTo(2, 0);
  });

  test('GET /telemetry/beacon — 429 with Retry-After over TELEMETRY_RATE_LIMIT_PER_IP; the refused beacons show in refused_beacons of their cell', async () => {
    const limited = await setup({ TELEMETRY_RATE_LIMIT_PER_IP: '3' });
    try {
      for (let i = 0; i < 3; i++) await beacon(limited, { version: '1.0.0' }).expect(204);
      const res = await beacon(limited, { version: '1.0.0' });
      expect(res.status).toBe(429);
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      await beacon(limited, { version: '1.0.0' }).expect(429);
      await beacon(limited, { version: '9.9.9' }).expect(429);
      expect(limited.h.metrics.value('beacons_total', { outcome: 'rate_limited' })).toBe(3);
      expect(limited.h.metrics.value('beacons_refused_total', { reason: 'ip_limit' })).toBe(3);
      await limited.h.rollouts.buffer.flush();
      await limited.h.rollouts.refusals.flush();
      const body = (await rates(limited).expect(200)).body;
      // 1.0.0 is a cell of the app today, so its refusals are its own; 9.9.9 is not (yet), so its refusal is the app's.
      expect(body.cells).toEqual([{ version: '1.0.0', suppressed: true, refused_beacons: 2 }]);
      expect(body.refused_beacons).toEqual({ total: 3, unattributed: 1, by_reason: { ip_limit: 3, cell_cap: 0, pending_cap: 0 } });
    } finally {
      await limited.h.close();
    }
  });

  test('GET /telemetry/beacon — when an IP was refused, then it stays refused with Retry-After until its window ends, and counts again after', async () => {
    const limited = await setup({ TELEMETRY_RATE_LIMIT_PER_IP: '2', TELEMETRY_RATE_LIMIT_WINDOW_S: '60' });
    try {
      for (let i = 0; i < 2; i++) await beacon(limited, { version: '1.0.0' }).expect(204);
      await beacon(limited, { version: '1.0.0' }).expect(429);
      limited.h.clock.advance(30_000);
      const again = await beacon(limited, { version: '1.0.0' });
      expect(again.status).toBe(429);
      expect(Number(again.headers['retry-after'])).toBe(30);
      limited.h.clock.advance(30_000);
      await beacon(limited, { version: '1.0.0' }).expect(204);
      expect(limited.h.metrics.value('beacons_total', { outcome: 'rate_limited' })).toBe(2);
      expect(limited.h.metrics.value('beacons_total', { outcome: 'accepted' })).toBe(3);
    } finally {
      await limited.h.close();
    }
  });

  test('GET /telemetry/beacon — 404 with TELEMETRY_ENABLED=false', async () => {
    const off = await setup({ TELEMETRY_ENABLED: 'false' });
    try {
      await beacon(off, { version: '1.0.0' }).expect(404);
      await request(off.h.app).post('/telemetry/beacons').send({ beacons: [] }).expect(404);
    } finally {
      await off.h.close();
    }
  });
});

describe('POST /telemetry/beacons', () => {
  let s: Setup;
  beforeEach(async () => {
    s = await setup();
  });
  afterEach(() => s.h.close());

  const post = (body: unknown, key = s.relay) => request(s.h.app).post('/telemetry/beacons').set('Authorization', `Bearer ${key}`).send(body as object);

  test('POST /telemetry/beacons — 202 with the accepted count and each rejected index with its reason', async () => {
    const now = s.h.clock.now().getTime();
    const res = await post({
      beacons: [
        { device_id: 'd-1', version: '2.0.0', ...CELL },
        { device_id: 'd-2', version: '2.0.0', ...CELL, from_version: '1.9.0', at: new Date(now - 3_600_000).toISOString() },
        { device_id: 'd-3', version: '2.0.0', ...CELL, at: new Date(now - 49 * 3_600_000).toISOString() },
        { device_id: 'd-4', version: 'x', ...CELL },
        { device_id: 'd-5', version: '2.0.0', ...CELL, first_run: true },
      ],
    });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ accepted: 3, rejected: [{ index: 2, error: 'at is more than 48 hours ago' }, { index: 3, error: expect.stringMatching(/^version must look like 1\.4\.2 or 1\.4\.2-beta\.1 /) }] });
    await s.h.rollouts.buffer.flush();
    const [row] = await s.h.rollouts.rates.mergedCounts(s.appId, new Date(0), new Date('2100-01-01'), { granularity: 'day' });
    expect(row).toMatchObject({ active: expect.closeTo(3, 2), arrivals: expect.closeTo(1, 2), firstRuns: expect.closeTo(1, 2) });
  });

  test('POST /telemetry/beacons — device_id as faynoSync takes it: trimmed, any text up to 256 bytes of UTF-8; the same id from a relay and a header is one device', async () => {
    const ids = Object.values(DEVICE_ID_SHAPES);
    const res = await post({
      beacons: [
        ...ids.map((device_id) => ({ device_id: ` ${device_id}\t`, version: '2.0.0', ...CELL })),
        { device_id: '   ', version: '2.0.0', ...CELL },
        { version: '2.0.0', ...CELL },
        { device_id: `${'é'.repeat(128)}x`, version: '2.0.0', ...CELL },
        { device_id: 42, version: '2.0.0', ...CELL },
      ],
    });
    expect(res.status).toBe(202);
    const n = ids.length;
    expect(res.body).toEqual({
      accepted: n,
      rejected: [
        { index: n, error: `missing device_id: ${DEVICE_ID_RULE}` },
        { index: n + 1, error: `missing device_id: ${DEVICE_ID_RULE}` },
        { index: n + 2, error: `invalid device_id: ${DEVICE_ID_RULE}` },
        { index: n + 3, error: `invalid device_id: ${DEVICE_ID_RULE}` },
      ],
    });
    expect(s.h.metrics.value('beacons_total', { outcome: 'missing_device_id' })).toBe(2);
    expect(s.h.metrics.value('beacons_total', { outcome: 'invalid_device_id' })).toBe(2);
    for (const id of ids) await beacon(s, { version: '2.0.0' }, asHeader(id)).expect(204);
    await s.h.rollouts.buffer.flush();
    const [row] = await s.h.rollouts.rates.mergedCounts(s.appId, new Date(0), new Date('2100-01-01'), { granularity: 'day' });
    expect(row!.active).toBeCloseTo(n, 0);
  });

  test('POST /telemetry/beacons — 401 without a valid relay token, 400 over 1,000 beacons', async () => {
    await post({ beacons: [{ device_id: 'd', version: '1.0.0', ...CELL }] }, 'rlt_nope').expect(401);
    const many = Array.from({ length: 1001 }, (_, i) => ({ device_id: `d${i}`, version: '1.0.0', ...CELL }));
    const res = await post({ beacons: many });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('too_many_beacons');
  });
});

describe('GET /rollouts/rates', () => {
  let s: Setup;
  beforeEach(async () => {
    s = await setup();
  });
  afterEach(() => s.h.close());

  async function rollout(): Promise<void> {
    const old = Array.from({ length: 60 }, (_, i) => `old-${i}`);
    const fresh = Array.from({ length: 40 }, (_, i) => `new-${i}`);
    for (const d of old) await beacon(s, { version: '1.4.1' }, d).expect(204);
    for (const d of fresh) await beacon(s, { version: '1.4.2', from_version: '1.4.1' }, d).expect(204);
    for (const d of fresh.slice(0, 4)) await report(s, d, reportBody({ application: { version: '1.4.2' }, system: { platform: 'linux', arch: 'x64' }, event: { type: 'crash', reason: 'sigsegv' } })).expect(202);
    await report(s, fresh[5]!, reportBody({ application: { version: '1.4.2' }, system: { platform: 'linux', arch: 'x64' }, event: { type: 'startup_failure', reason: 'missing_dll' } })).expect(202);
    // An update failure of a 1.4.1 device on its way to 1.4.2 counts against 1.4.2.
    await report(s, old[0]!, reportBody({ application: { version: '1.4.1' }, system: { platform: 'linux', arch: 'x64' }, event: { type: 'update_failure', reason: 'checksum_mismatch', target_version: '1.4.2' } as never })).expect(202);
    for (let i = 0; i < 5; i++) await beacon(s, { version: '1.4.3' }, `canary-${i}`).expect(204);
    await s.h.rollouts.buffer.flush();
  }

  test('GET /rollouts/rates — beacons and crash reports become rates per version with Wilson intervals; small cells are suppressed', async () => {
    await rollout();
    const res = await rates(s);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ app_id: s.appId, granularity: 'day', group_by: ['version'] });
    const [v141, v142, v143] = res.body.cells;
    expect(v143).toEqual({ version: '1.4.3', suppressed: true, refused_beacons: 0 });
    expect(res.body.refused_beacons).toEqual({ total: 0, unattributed: 0, by_reason: { ip_limit: 0, cell_cap: 0, pending_cap: 0 } });
    // Sketch counts below 100 are exact to ±1 (the daily key is random): rates are checked on the counts shown.
    expect(Math.abs(v141.active_device_days - 60)).toBeLessThanOrEqual(1);
    expect(v141).toMatchObject({ version: '1.4.1', suppressed: false, affected: { update_failure: 1, crash: 0 } });
    const active = v142.active_device_days as number;
    expect(Math.abs(active - 40)).toBeLessThanOrEqual(1);
    expect(v142).toMatchObject({
      version: '1.4.2',
      share: expect.closeTo(40 / 100, 1),
      affected: { crash: 4, startup_failure: 1, update_failure: 0, install_failure: 0, rollback_failure: 0 },
    });
    expect(v142.rates.crash).toEqual(wilsonInterval(4, active));
    const union = wilsonInterval(5, active);
    expect(v142.rates.crash_free.rate).toBeCloseTo(1 - union.rate, 12);
    expect(v142.rates.crash_free.low).toBeCloseTo(1 - union.high, 12);
    const arrivals = v142.rates.update_failure;
    expect(arrivals.rate).toBeGreaterThan(1 / 42);
    expect(arrivals.rate).toBeLessThan(1 / 39);
  });

  test('GET /rollouts/rates — group_by, filters and hourly granularity', async () => {
    await rollout();
    const byPlatform = await rates(s, { group_by: 'platform,version', version: '1.4.2', granularity: 'hour' });
    expect(byPlatform.status).toBe(200);
    expect(byPlatform.body.cells).toHaveLength(1);
    expect(byPlatform.body.cells[0]).toMatchObject({ platform: 'linux', version: '1.4.2', active_device_days: expect.closeTo(40, -0.5) });
  });

  test.each([
    ['an unknown parameter', { colour: 'red' }, 'colour'],
    ['an invalid granularity', { granularity: 'week' }, 'granularity'],
    ['an unknown group_by dimension', { group_by: 'reason' }, 'group_by'],
    ['an invalid from', { from: 'yesterday' }, 'from'],
  ])('GET /rollouts/rates — 400 naming the parameter for %s', async (_what, query, field) => {
    const res = await rates(s, query);
    expect(res.status).toBe(400);
    expect(res.body.error).toContain(field);
  });

  test('GET /rollouts/rates — 400 naming a repeated parameter', async () => {
    const res = await request(s.h.app).get(`/rollouts/rates?app=${s.appId}&version=1.0.0&version=2.0.0`).set('Authorization', `Bearer ${s.token}`);
    expect(res.status).toBe(400);
    expect(res.body.error).toContain('version');
  });

  test("GET /rollouts/rates — 404 for another tenant's app, 401 without a token", async () => {
    await s.h.identity.createAdmin({ username: 'other-admin', password: PASSWORD });
    const other = await s.h.identity.issueToken('other-admin', 3600);
    const res = await request(s.h.app).get('/rollouts/rates').set('Authorization', `Bearer ${other}`).query({ app: s.appId });
    expect(res.status).toBe(404);
    await request(s.h.app).get('/rollouts/rates').query({ app: s.appId }).expect(401);
  });

  test('RolloutCounts — hourly counts per cell and hour, for the verdict evaluator', async () => {
    await rollout();
    const hour = new Date(Math.floor(s.h.clock.now().getTime() / 3_600_000) * 3_600_000);
    const rows = await s.h.rollouts.rates.hourlyCounts(s.appId, hour, new Date(hour.getTime() + 3_600_000), { version: '1.4.2' });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ hour, cell: { version: '1.4.2', ...CELL }, active: expect.closeTo(40, -0.5), crashUnion: expect.closeTo(5, 0), arrivals: expect.closeTo(40, -0.5), updateFailedTo: expect.closeTo(1, 0) });
  });
});
