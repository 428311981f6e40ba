// Upgrades keep data: a DATA_DIR written by release 0.1.0 (test/fixtures/upgrade/0.1.0, made by
// scripts/make-upgrade-fixture.ts) opens on today's code with everything there.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import pino from 'pino';
import request from 'supertest';
import { ManualClock } from '../../src/adapters/memory/system-clock';
import { compose, type Composition } from '../../src/composition/compose';
import { loadConfig } from '../../src/composition/config';
import { createApp } from '../../src/composition/create-app';

const FIXTURE = join(__dirname, '../fixtures/upgrade/0.1.0');
const answers = require(join(FIXTURE, 'answers.json')) as FixtureAnswers;

interface FixtureAnswers {
  fixture_end: string;
  admin: { username: string; password: string };
  team_user: { username: string; password: string; id: string };
  app: { id: string; name: string; report_key: string };
  webhook: { id: string; url: string; secret: string };
  groups: { withDetails: string; resolved: string; muted: string };
  blob: { id: string; key: string; details: string };
  responses: Record<string, unknown>;
}

/** A copy of the fixture's DATA_DIR, so the committed bytes never change. */
function copyOfFixture(): { dataDir: string; remove(): void } {
  const dataDir = mkdtempSync(join(tmpdir(), 'telltale-upgrade-'));
  cpSync(join(FIXTURE, 'data-dir'), dataDir, { recursive: true });
  return { dataDir, remove: () => rmSync(dataDir, { recursive: true, force: true }) };
}

/** The whole service on the copy, as `npm start` composes it, on a clock at the fixture's close. */
async function openService(dataDir: string): Promise<{ c: Composition; app: ReturnType<typeof createApp>; clock: ManualClock }> {
  const clock = new ManualClock(new Date(answers.fixture_end));
  const config = loadConfig({ DATA_DIR: dataDir, REPOSITORY_DRIVER: 'sqlite', STORAGE_DRIVER: 'fs', ROLLOUT_FLUSH_INTERVAL_MS: '600000', LOG_LEVEL: 'silent' });
  const c = await compose(config, { clock, logger: pino({ level: 'silent' }) });
  return { c, app: createApp(c.deps), clock };
}

async function signIn(app: ReturnType<typeof createApp>, who: { username: string; password: string }): Promise<string> {
  const res = await request(app).post('/auth/login').send({ username: who.username, password: who.password });
  expect(res.status).toBe(200);
  return res.body.token as string;
}

describe('upgrading a DATA_DIR written by 0.1.0', () => {
  let copy: ReturnType<typeof copyOfFixture>;
  let service: Awaited<ReturnType<typeof openService>>;
  beforeAll(async () => {
    copy = copyOfFixture();
    service = await openService(copy.dataDir);
  });
  afterAll(async () => {
    await service?.c.close();
    copy?.remove();
  });

  it('when opened, then alice and bob sign in with their 0.1.0 passwords', async () => {
    expect(await signIn(service.app, answers.admin)).toMatch(/^ey/);
    const bob = await signIn(service.app, answers.team_user);
    const groups = await request(service.app).get(`/reports/groups?app=${answers.app.id}`).set('Authorization', `Bearer ${bob}`);
    expect(groups.status).toBe(200);
    expect(groups.body.total).toBe(7);
  });

  it('when every read 0.1.0 answered is asked again, then the answers are the same: apps, keys, users, groups, blobs, webhooks, settings, rates, verdicts', async () => {
    const token = await signIn(service.app, answers.admin);
    const paths = Object.keys(answers.responses);
    expect(paths.length).toBeGreaterThanOrEqual(16);
    for (const path of paths) {
      const res = await request(service.app).get(path).set('Authorization', `Bearer ${token}`);
      expect({ path, status: res.status, body: res.body }).toEqual({ path, status: 200, body: answers.responses[path] });
    }
  });

  it('when the stored details are downloaded through their signed URL, then they are the bytes 0.1.0 stored', async () => {
    const token = await signIn(service.app, answers.admin);
    const blobs = await request(service.app).get(`/reports/groups/${answers.groups.withDetails}/blobs?app=${answers.app.id}`).set('Authorization', `Bearer ${token}`);
    const [blob] = blobs.body.items;
    expect(blob.id).toBe(answers.blob.id);
    const url = new URL(blob.url);
    const res = await request(service.app).get(`${url.pathname}${url.search}`).buffer(true).parse((r, done) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c)).on('end', () => done(null, Buffer.concat(chunks)));
    });
    expect(res.status).toBe(200);
    expect(gunzipSync(res.body as Buffer).toString('utf8')).toBe(answers.blob.details);
  });

  it('when the 0.1.0 report key sends a report to the resolved group, then it is counted and the group regresses, with its webhook event', async () => {
    const res = await request(service.app)
      .post('/reports/ingest')
      .set('Authorization', `Bearer ${answers.app.report_key}`)
      .set('X-Device-ID', 'after-upgrade-1')
      .send({
        application: { name: 'desktop', version: '1.0.0', channel: 'stable' },
        system: { platform: 'android', arch: 'arm64' },
        event: { type: 'update_failure', reason: 'checksum_mismatch' },
      });
    expect(res.status).toBe(202);
    expect(res.body.group_hash).toBe(answers.groups.resolved);
    const group = await service.c.repository.findGroup(answers.app.id, answers.groups.resolved);
    expect(group).toMatchObject({ status: 'open', stats: { count: 3 }, resolvedBy: expect.any(String) });
    await service.c.verdicts.delivery.runOnce();
    const token = await signIn(service.app, answers.admin);
    const deliveries = await request(service.app).get(`/apps/${answers.app.id}/webhooks/${answers.webhook.id}/deliveries?limit=50`).set('Authorization', `Bearer ${token}`);
    // The pending 0.1.0 delivery was retried (its receiver is gone) and the regression went out once.
    expect(deliveries.body.items.filter((d: { attempt: number }) => d.attempt === 2)).toHaveLength(1);
    expect(deliveries.body.items).toHaveLength(11);
  });

  it('when the evaluator runs again an hour later, then the resumed release keeps its resume, its baseline and its settings', async () => {
    service.clock.advance(60 * 60_000);
    const health = await service.c.verdicts.evaluator.evaluateRelease(answers.app.id, '1.1.0');
    const recorded = answers.responses[`/rollouts/health?app=${answers.app.id}&version=1.1.0`] as { resumed: unknown };
    expect(health).toMatchObject({ version: '1.1.0', verdict: 'watch', baseline_version: '1.0.0', resumed: recorded.resumed });
  });
});
