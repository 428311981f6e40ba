import request from 'supertest';
import { PromMetrics } from '../../src/adapters/prometheus/prom-metrics';
import { createMetricsApp } from '../../src/composition/create-app';
import type { Metrics } from '../../src/ports/metrics';
import { BEACON_CELL, beaconOf, rolloutSetup, type RolloutSetup } from '../fixtures/beacons';
import { newDeviceId, reportBody } from '../fixtures/reports';

const CELL = BEACON_CELL;
type Setup = RolloutSetup;
const setup = (env: Record<string, string> = {}, metrics?: Metrics) => rolloutSetup({ ROLLOUT_MIN_DEVICES: '1', ...env }, metrics);
const beacon = beaconOf;

async function rates(s: Setup, query: Record<string, string> = {}) {
  await s.h.rollouts.buffer.flush();
  await s.h.rollouts.refusals.flush();
  return (await request(s.h.app).get('/rollouts/rates').set('Authorization', `Bearer ${s.token}`).query({ app: s.appId, ...query }).expect(200)).body;
}

describe('Bounded cells: ROLLOUT_MAX_CELLS_PER_APP_PER_DAY', () => {
  let s: Setup;
  beforeEach(async () => {
    s = await setup({ ROLLOUT_MAX_CELLS_PER_APP_PER_DAY: '3' });
  });
  afterEach(() => s.h.close());

  test('when beacons name more cells in a day than the cap, then the first cells count, the others are refused as cell_cap for the app, and known cells keep counting', async () => {
    for (const version of ['1.0.0', '1.0.1', '1.0.2', '1.0.3', '1.0.4']) await beacon(s, { version }).expect(204);
    await beacon(s, { version: '1.0.1' }).expect(204);
    const body = await rates(s);
    expect(body.cells.map((c: { version: string }) => c.version)).toEqual(['1.0.0', '1.0.1', '1.0.2']);
    expect(body.cells[1]).toMatchObject({ active_device_days: 2, refused_beacons: 0 });
    expect(body.refused_beacons).toEqual({ total: 2, unattributed: 2, by_reason: { ip_limit: 0, cell_cap: 2, pending_cap: 0 } });
    expect(s.h.metrics.value('beacons_refused_total', { reason: 'cell_cap' })).toBe(2);
    expect(s.h.metrics.value('beacons_total', { outcome: 'accepted' })).toBe(6);
  });

  test('when the next UTC day starts, then the app has room for new cells again', async () => {
    for (const version of ['1.0.0', '1.0.1', '1.0.2', '1.0.3']) await beacon(s, { version }).expect(204);
    s.h.clock.advance(86_400_000);
    s.token = await s.h.identity.issueToken('acme', 3600);
    await beacon(s, { version: '1.0.3' }).expect(204);
    const body = await rates(s, { from: new Date(s.h.clock.now().getTime() - 3_600_000).toISOString() });
    expect(body.cells.map((c: { version: string }) => c.version)).toEqual(['1.0.3']);
  });

  test('when a report names a cell over the cap, then the report is still counted (202, in its group) and only its device is refused', async () => {
    for (const version of ['1.0.0', '1.0.1', '1.0.2']) await beacon(s, { version }).expect(204);
    const body = reportBody({ application: { version: '2.0.0' }, system: { platform: 'linux', arch: 'x64' }, event: { type: 'crash', reason: 'sigsegv' } });
    const accepted = await request(s.h.app).post('/reports/ingest').set('Authorization', `Bearer ${s.key}`).set('X-Device-ID', newDeviceId()).send(body).expect(202);
    const group = await s.h.repository.findGroup(s.appId, accepted.body.group_hash);
    expect(group).toMatchObject({ application: { version: '2.0.0' }, stats: { count: 1 } });
    const answer = await rates(s);
    expect(answer.cells.map((c: { version: string }) => c.version)).toEqual(['1.0.0', '1.0.1', '1.0.2']);
    expect(answer.refused_beacons.by_reason.cell_cap).toBe(1);
  });

  test("when a relay's batch names more new cells than the cap, then those over it are rejected by index, saying why", async () => {
    const beacons = Array.from({ length: 5 }, (_, i) => ({ device_id: `d${i}`, version: `3.0.${i}`, ...CELL, first_run: true }));
    const res = await request(s.h.app).post('/telemetry/beacons').set('Authorization', `Bearer ${s.relay}`).send({ beacons }).expect(202);
    expect(res.body.accepted).toBe(3);
    expect(res.body.rejected).toEqual([3, 4].map((index) => ({ index, error: expect.stringContaining('ROLLOUT_MAX_CELLS_PER_APP_PER_DAY') })));
    expect(s.h.metrics.value('beacons_total', { outcome: 'accepted' })).toBe(5);
    expect(s.h.metrics.value('beacons_refused_total', { reason: 'cell_cap' })).toBe(2);
  });
});

describe('/metrics does not tell a guessed owner/app apart', () => {
  test('when one beacon names the real app and one a guessed name, then /metrics shows the same single outcome for both', async () => {
    const metrics = new PromMetrics({ defaultMetrics: false });
    const s = await setup({}, metrics);
    try {
      await beacon(s, { version: '1.0.0' }).expect(204);
      const scraper = createMetricsApp(s.h.deps)!;
      const afterReal = (await request(scraper).get('/metrics')).text;
      await beacon(s, { version: '1.0.0', owner: 'acme', app_name: 'guessed-app' }).expect(204);
      await beacon(s, { version: '1.0.0', owner: 'guessed-owner' }).expect(204);
      const afterGuesses = (await request(scraper).get('/metrics')).text;
      const beaconLines = (text: string) => text.split('\n').filter((line) => line.startsWith('telltale_beacons'));
      expect(beaconLines(afterReal)).toEqual(['telltale_beacons_total{outcome="accepted"} 1']);
      expect(beaconLines(afterGuesses)).toEqual(['telltale_beacons_total{outcome="accepted"} 3']);
    } finally {
      await s.h.close();
    }
  });
});

describe('Per-address limits and IPv6', () => {
  test('when beacons come from two addresses of one IPv6 /64, then they share one limit; another /64 has its own', async () => {
    const s = await setup({ TRUST_PROXY: 'true', TELEMETRY_RATE_LIMIT_PER_IP: '2' });
    try {
      const from = (address: string) => beacon(s, { version: '1.0.0' }).set('X-Forwarded-For', address);
      await from('2001:db8:1:2::1').expect(204);
      await from('2001:db8:1:2:ffff::9').expect(204);
      await from('2001:db8:1:2::3').expect(429);
      await from('2001:db8:1:3::1').expect(204);
    } finally {
      await s.h.close();
    }
  });
});
