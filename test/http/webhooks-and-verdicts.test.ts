import pino from 'pino';
import request from 'supertest';
import { ManualClock } from '../fixtures/clock';
import { createAppWithKey } from '../../src/app/app-management';
import { compose, randomHex, type Composition } from '../../src/composition/compose';
import { loadConfig } from '../../src/composition/config';
import { createApp } from '../../src/composition/create-app';
import { verifyWebhookSignature } from '../../src/domain/webhook-signature';
import { dataDirFor } from '../fixtures/harness';
import { FakeTokenVerifier, adminOf, teamUser } from '../fixtures/read-api';
import { newDeviceId, newReportKey, reportBody } from '../fixtures/reports';
import { FixedDailyCounts } from '../fixtures/rollout-counts';
import { startReceiver } from '../fixtures/webhook-receiver';

const HOUR = 3_600_000;
const START = new Date('2026-03-02T00:00:00.000Z');
const hour = (n: number) => new Date(START.getTime() + n * HOUR);

let c: Composition;
let app: ReturnType<typeof createApp>;
let verifier: FakeTokenVerifier;
let counts: FixedDailyCounts;
let clock: ManualClock;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let appId: string;
let reportKey: string;
let admin: string;

async function start(repositoryDriver: 'memory' | 'sqlite'): Promise<void> {
  receiver = await startReceiver([204]);
  verifier = new FakeTokenVerifier();
  counts = new FixedDailyCounts();
  clock = new ManualClock(hour(4));
  const config = loadConfig({ REPOSITORY_DRIVER: repositoryDriver, STORAGE_DRIVER: 'memory', DATA_DIR: dataDirFor(), WEBHOOK_ALLOW_PRIVATE: 'true', LOG_LEVEL: 'silent' });
  c = await compose(config, { clock, tokenVerifier: verifier, rolloutCounts: counts, logger: pino({ level: 'silent' }) });
  app = createApp(c.deps);
  const now = clock.now();
  const created = await createAppWithKey(c.directory, { id: randomHex(12), owner: 'owner-1', name: 'my-app', reports: true, createdAt: now, updatedAt: now }, newReportKey());
  appId = created.app.id;
  reportKey = created.key.key;
  admin = verifier.issue(adminOf('owner-1'));
}

beforeEach(() => start('memory'));

afterEach(async () => {
  await c.close();
  await receiver.close();
});

const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
const addWebhook = (events = ['rollout.verdict_changed', 'group.new', 'group.regressed']) =>
  request(app).post(`/apps/${appId}/webhooks`).set(auth(admin)).send({ url: receiver.url, events });

function badRelease(): void {
  for (let h = 0; h < 4; h++) {
    counts.add(appId, { version: '1.0.0' }, hour(h), { active: 2000, crash: 6 });
    counts.add(appId, { version: '1.1.0' }, hour(h), { active: 400, crash: 12 });
  }
}

describe('webhooks API', () => {
  it('POST /apps/:id/webhooks — 201 with the secret once; GET lists it without the secret; DELETE removes it', async () => {
    const created = await addWebhook(['group.new']);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ app_id: appId, url: receiver.url, events: ['group.new'], secret: expect.stringMatching(/^whsec_[0-9a-f]{64}$/) });
    const list = await request(app).get(`/apps/${appId}/webhooks`).set(auth(admin));
    expect(list.body.items).toEqual([{ id: created.body.id, app_id: appId, url: receiver.url, events: ['group.new'], created_at: hour(4).toISOString() }]);
    expect((await request(app).delete(`/apps/${appId}/webhooks/${created.body.id}`).set(auth(admin))).body).toEqual({ id: created.body.id, deleted: true });
    expect((await request(app).delete(`/apps/${appId}/webhooks/${created.body.id}`).set(auth(admin))).status).toBe(404);
  });

  it('POST /apps/:id/webhooks — 400 on an unknown event or a non-http URL, 404 for another tenant, 403 without apps.edit', async () => {
    expect((await request(app).post(`/apps/${appId}/webhooks`).set(auth(admin)).send({ url: receiver.url, events: ['group.deleted'] })).status).toBe(400);
    expect((await request(app).post(`/apps/${appId}/webhooks`).set(auth(admin)).send({ url: 'ftp://x/', events: ['group.new'] })).status).toBe(400);
    expect((await request(app).post(`/apps/${appId}/webhooks`).set(auth(admin)).send({ url: 'https://u:p@x/', events: ['group.new'] })).status).toBe(400);
    const other = verifier.issue(adminOf('owner-2'));
    expect((await request(app).post(`/apps/${appId}/webhooks`).set(auth(other)).send({ url: receiver.url, events: ['group.new'] })).status).toBe(404);
    expect((await request(app).get(`/apps/${appId}/webhooks`).set(auth(other))).status).toBe(404);
    const reader = verifier.issue(teamUser('owner-1', 'reader', [appId], { download: true }));
    expect((await request(app).get(`/apps/${appId}/webhooks`).set(auth(reader))).status).toBe(403);
    expect((await request(app).get(`/apps/${appId}/webhooks`)).status).toBe(401);
  });

  it('when a report creates a group and later reopens it, then group.new and group.regressed are delivered, signed, and listed as deliveries', async () => {
    const { body: hook } = await addWebhook();
    const ingest = () => request(app).post('/reports/ingest').set('Authorization', `Bearer ${reportKey}`).set('X-Device-ID', newDeviceId()).send(reportBody());
    const first = await ingest();
    expect(first.status).toBe(202);
    await ingest();
    await c.repository.updateTriage(appId, first.body.group_hash, { status: 'resolved', at: clock.now(), by: 'admin' });
    await ingest();
    await c.verdicts.delivery.runOnce();

    expect(receiver.received.map((r) => JSON.parse(r.body).type)).toEqual(['group.new', 'group.regressed']);
    for (const r of receiver.received) expect(verifyWebhookSignature(hook.secret, String(r.headers['x-telltale-signature']), r.body, clock.now().getTime() / 1000)).toBe(true);
    expect(JSON.parse(receiver.received[0]!.body).data).toMatchObject({ group_hash: first.body.group_hash, event: { type: 'update_failure' } });

    const deliveries = await request(app).get(`/apps/${appId}/webhooks/${hook.id}/deliveries`).set(auth(admin));
    expect(deliveries.body.items).toHaveLength(2);
    expect(deliveries.body.items[0]).toMatchObject({ webhook_id: hook.id, attempt: 1, status: 'delivered', response_status: 204, error: null, next_attempt_at: null });
  });

  it('when the repository is SQLite, then group.new and group.regressed are written by the ingest statement itself, and a hand reopen is no regression', async () => {
    await c.close();
    await receiver.close();
    await start('sqlite');
    const outboxRows = () => c.sqlite!.prepare('SELECT type, payload FROM outbox_events ORDER BY seq').all() as Array<{ type: string; payload: string }>;
    const { body: hook } = await addWebhook();
    const ingest = () => request(app).post('/reports/ingest').set('Authorization', `Bearer ${reportKey}`).set('X-Device-ID', newDeviceId()).send(reportBody());
    const first = await ingest();
    await ingest();
    expect(outboxRows().map((r) => r.type)).toEqual(['group.new']);
    expect(JSON.parse(outboxRows()[0]!.payload)).toEqual({
      group_hash: first.body.group_hash,
      application: reportBody().application,
      system: reportBody().system,
      event: reportBody().event,
      at: clock.now().toISOString(),
    });
    await c.repository.updateTriage(appId, first.body.group_hash, { status: 'resolved', at: clock.now(), by: 'admin' });
    await c.repository.updateTriage(appId, first.body.group_hash, { status: 'open', at: clock.now(), by: 'admin' });
    expect(outboxRows().map((r) => r.type)).toEqual(['group.new']);
    await c.repository.updateTriage(appId, first.body.group_hash, { status: 'resolved', at: clock.now(), by: 'admin' });
    await ingest();
    expect(outboxRows().map((r) => r.type)).toEqual(['group.new', 'group.regressed']);

    await c.verdicts.delivery.runOnce();
    expect(receiver.received.map((r) => JSON.parse(r.body).type)).toEqual(['group.new', 'group.regressed']);
    for (const r of receiver.received) expect(verifyWebhookSignature(hook.secret, String(r.headers['x-telltale-signature']), r.body, clock.now().getTime() / 1000)).toBe(true);
  });
});

describe('rollout health API', () => {
  it('GET /rollouts/health — role, verdict, reasons in words, baseline, metrics, limits and cells in the documented shape', async () => {
    badRelease();
    const res = await request(app).get('/rollouts/health').query({ app: 'my-app', version: '1.1.0' }).set(auth(admin));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ app_id: appId, version: '1.1.0', role: 'rollout', verdict: 'halt', baseline_version: '1.0.0', superseded_by: null, data_through: hour(4).toISOString() });
    expect(res.body.reasons).toContain('crash_rate_above_baseline');
    expect(res.body.explanation).toContain("crash rate above 1.0.0's");
    expect(Object.keys(res.body.metrics.crash).sort()).toEqual(['baseline', 'e_value', 'e_value_healthy', 'ratio', 'release', 'status']);
    expect(res.body.metrics.update_failure).toMatchObject({ status: 'no_data', release: { rate: null }, e_value: null });
    expect(res.body.limits[0]).toMatchObject({ scope: 'overall', limit: 0.0109 });
    const [cell] = res.body.cells;
    expect(cell).toMatchObject({ channel: 'stable', platform: 'android', arch: 'arm64' });
    expect(Object.keys(cell.metrics.crash.release).sort()).toEqual(['affected', 'exposure', 'high', 'low', 'rate']);
    const baseline = await request(app).get('/rollouts/health').query({ app: 'my-app', version: '1.0.0' }).set(auth(admin));
    expect(baseline.body).toMatchObject({ role: 'baseline', verdict: null, reasons: [] });
    expect((await request(app).get('/rollouts/health').query({ app: 'my-app', version: '4.4.4' }).set(auth(admin))).status).toBe(404);
  });

  it('POST /rollouts/evaluate then resume — verdict_changed is delivered once, the halt holds, resume records who and why, and GET /rollouts/history lists it all', async () => {
    await addWebhook(['rollout.verdict_changed']);
    badRelease();
    const evaluated = await request(app).post('/rollouts/evaluate').set(auth(admin)).send({ app: appId });
    expect(evaluated.status).toBe(200);
    expect(evaluated.body.items.map((h: { version: string; role: string; verdict: string }) => [h.version, h.role, h.verdict])).toEqual([
      ['1.0.0', 'baseline', null],
      ['1.1.0', 'rollout', 'halt'],
    ]);
    await c.verdicts.evaluator.evaluateAll();
    await c.verdicts.delivery.runOnce();
    const changes = receiver.received.map((r) => JSON.parse(r.body).data).map((d) => [d.version, d.from, d.to, d.payload_version]);
    // The baseline is not judged: no webhook for it.
    expect(changes).toEqual([['1.1.0', null, 'halt', 2]]);

    const reader = verifier.issue(teamUser('owner-1', 'reader', [appId], { download: true }));
    expect((await request(app).post('/rollouts/resume').set(auth(reader)).send({ app: appId, version: '1.1.0', note: 'x' })).status).toBe(403);
    clock.advance(60_000);
    const resumed = await request(app).post('/rollouts/resume').set(auth(admin)).send({ app: appId, version: '1.1.0', note: 'fixed by a config push' });
    expect(resumed.status).toBe(200);
    expect(resumed.body).toMatchObject({ verdict: 'watch', resumed: { by: 'admin-owner-1', note: 'fixed by a config push', at: clock.now().toISOString() } });
    expect(resumed.body.explanation.join(' ')).toMatch(/evidence restarted at \d\d:\d\d UTC after a resume by admin-owner-1/);
    expect((await request(app).post('/rollouts/resume').set(auth(admin)).send({ app: appId, version: '7.7.7', note: 'x' })).status).toBe(404);

    const history = await request(app).get('/rollouts/history').query({ app: 'my-app', version: '1.1.0' }).set(auth(reader));
    expect(history.status).toBe(200);
    expect(history.body.items.map((h: { kind: string; from: string | null; to: string | null; by: string | null }) => [h.kind, h.from, h.to, h.by])).toEqual([
      ['verdict', null, 'halt', null],
      ['resume', 'halt', null, 'admin-owner-1'],
      ['verdict', 'halt', 'watch', null],
    ]);
    expect(history.body.items[1].note).toBe('fixed by a config push');
  });

  it('GET /apps — each app with the worst verdict among its current rollouts, naming the version', async () => {
    const before = await request(app).get('/apps').set(auth(admin));
    expect(before.body.items.find((a: { id: string }) => a.id === appId)).toMatchObject({ name: 'my-app', rollout: null });
    badRelease();
    await c.verdicts.evaluator.evaluateAll();
    const after = await request(app).get('/apps').set(auth(admin));
    expect(after.body.items.find((a: { id: string }) => a.id === appId).rollout).toEqual({ version: '1.1.0', verdict: 'halt' });
  });

  it('GET /rollouts/health and /rollouts/history — 404 for another tenant\'s app, 400 without a version, 403 without apps.download', async () => {
    const other = verifier.issue(adminOf('owner-2'));
    const nobody = verifier.issue(teamUser('owner-1', 'nobody', [appId], {}));
    for (const path of ['/rollouts/health', '/rollouts/history']) {
      expect((await request(app).get(path).query({ app: appId, version: '1' }).set(auth(other))).status).toBe(404);
      expect((await request(app).get(path).query({ app: appId }).set(auth(admin))).status).toBe(400);
      expect((await request(app).get(path).query({ app: appId, version: '1' }).set(auth(nobody))).status).toBe(403);
    }
  });

  it('PATCH /apps/:id/rollout-settings — merges, validates the whole, and a per-app baseline is used', async () => {
    const patched = await request(app).patch(`/apps/${appId}/rollout-settings`).set(auth(admin)).send({ alpha: 0.05, baseline: '0.9.0', crash_rate_limit: 0.02 });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ theta0: 1.25, alpha: 0.05, alpha_healthy: 0.001, crash_rate_limit: 0.02, crash_rate_limit_platform: 0.08, baseline: '0.9.0', metrics: ['crash', 'update_failure', 'install_failure'] });
    expect((await request(app).patch(`/apps/${appId}/rollout-settings`).set(auth(admin)).send({ grid_max: 1.1 })).status).toBe(400);
    expect((await request(app).patch(`/apps/${appId}/rollout-settings`).set(auth(admin)).send({ bogus: 1 })).status).toBe(400);
    badRelease();
    const res = await request(app).get('/rollouts/health').query({ app: appId, version: '1.1.0' }).set(auth(admin));
    expect(res.body.baseline_version).toBe('0.9.0');
    expect((await request(app).delete(`/apps/${appId}/rollout-settings`).set(auth(admin))).body).toMatchObject({ alpha: 0.01, baseline: null });
  });
});
