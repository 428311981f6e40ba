import request from 'supertest';
import { BEACON_CELL, rolloutSetup, type RolloutSetup } from '../fixtures/beacons';

const PASSWORD = 'correct horse battery staple';
const TOKEN_SHAPE = /^rlt_[0-9a-f]{24}_[0-9a-f]{64}$/;

/** acme's app my-app (from rolloutSetup), her second app, another admin's app, and a team user of acme with every permission. */
interface Setup extends RolloutSetup {
  otherAppId: string;
  strangerToken: string;
  strangerAppId: string;
  teamToken: string;
}

async function setup(): Promise<Setup> {
  const s = await rolloutSetup();
  const acme = (await s.h.identity.findAdmin('acme'))!;
  const { appId: otherAppId } = await s.h.createApp('other-app', acme.id);
  const stranger = await s.h.identity.createAdmin({ username: 'stranger', password: PASSWORD });
  const { appId: strangerAppId } = await s.h.createApp('my-app', stranger.id);
  await s.h.identity.createTeamUser(acme.id, {
    username: 'teammate',
    password: PASSWORD,
    permissions: { create: true, edit: true, delete: true, download: true },
    allowedApps: [s.appId, otherAppId],
  });
  return { ...s, otherAppId, strangerAppId, strangerToken: await s.h.identity.issueToken('stranger', 3600), teamToken: await s.h.identity.issueToken('teammate', 3600, 'acme') };
}

const as = (r: request.Test, jwt: string) => r.set('Authorization', `Bearer ${jwt}`);
const create = (s: Setup, body: object, appId = s.appId, jwt = s.token) => as(request(s.h.app).post(`/apps/${appId}/relay-tokens`), jwt).send(body);
const list = (s: Setup, appId = s.appId, jwt = s.token) => as(request(s.h.app).get(`/apps/${appId}/relay-tokens`), jwt);
const revoke = (s: Setup, id: string, appId = s.appId, jwt = s.token) => as(request(s.h.app).delete(`/apps/${appId}/relay-tokens/${id}`), jwt);

const batch = (s: Setup, credential: string | null, devices = ['d-1', 'd-2']) => {
  const req = request(s.h.app).post('/telemetry/beacons');
  if (credential !== null) req.set('Authorization', `Bearer ${credential}`);
  return req.send({ beacons: devices.map((device_id) => ({ device_id, version: '2.0.0', ...BEACON_CELL })) });
};

async function activeDevices(s: Setup, appId: string): Promise<number> {
  await s.h.rollouts.buffer.flush();
  const rows = await s.h.rollouts.rates.mergedCounts(appId, new Date(0), new Date('2100-01-01'), { granularity: 'day' });
  return Math.round(rows.reduce((sum, r) => sum + r.active, 0));
}

describe('relay tokens: /apps/:id/relay-tokens', () => {
  let s: Setup;
  beforeEach(async () => {
    s = await setup();
  });
  afterEach(() => s.h.close());

  test('POST /apps/:id/relay-tokens — 201 with the token once; GET lists id, name, hint and created_at, oldest first, never the token', async () => {
    s.h.clock.advance(1_000);
    const created = await create(s, { name: ' eu-relay-1 ' });
    expect(created.status).toBe(201);
    const { token, ...record } = created.body;
    expect(token).toMatch(TOKEN_SHAPE);
    expect(record).toEqual({ id: token.slice(4, 28), app_id: s.appId, name: 'eu-relay-1', hint: `rlt_${token.slice(4, 28)}_…${token.slice(-4)}`, created_at: s.h.clock.now().toISOString() });
    const listed = await list(s).expect(200);
    // rolloutSetup's own token, a second older, comes first.
    expect(listed.body.items).toHaveLength(2);
    expect(listed.body.items[1]).toEqual(record);
    expect(JSON.stringify(listed.body)).not.toContain(token.slice(-64));
    expect(s.h.log.text).not.toContain(token.slice(-64));
  });

  test('POST /telemetry/beacons — a relay token counts the batch for its own app only', async () => {
    const own = (await create(s, { name: 'relay' }).expect(201)).body.token;
    const other = (await create(s, { name: 'relay' }, s.otherAppId).expect(201)).body.token;
    expect(await batch(s, own, ['a-1', 'a-2', 'a-3']).expect(202)).toHaveProperty('body', { accepted: 3, rejected: [] });
    expect(await batch(s, other, ['b-1']).expect(202)).toHaveProperty('body', { accepted: 1, rejected: [] });
    expect(await activeDevices(s, s.appId)).toBe(3);
    expect(await activeDevices(s, s.otherAppId)).toBe(1);
  });

  test('POST /telemetry/beacons — 401 for the report key, saying a relay token is needed and how to make one', async () => {
    const res = await batch(s, s.key).expect(401);
    expect(res.body.code).toBe('relay_token_required');
    expect(res.body.error).toContain('the report key is not accepted here: a relay token is required');
    expect(res.body.error).toContain('POST /apps/{id}/relay-tokens');
    expect(res.body.error).toContain('telltale relays create --app <app_id> --name <label>');
    expect((await batch(s, null).expect(401)).body.code).toBe('relay_token_required');
    expect((await batch(s, s.token).expect(401)).body.code).toBe('relay_token_required');
    expect(await activeDevices(s, s.appId)).toBe(0);
  });

  test('POST /telemetry/beacons — 401 invalid_relay_token for an unknown token, a forged secret under a real id, and a revoked token', async () => {
    const created = (await create(s, { name: 'relay' }).expect(201)).body;
    const unknown = `rlt_${'0'.repeat(24)}_${'0'.repeat(64)}`;
    const forged = `${created.token.slice(0, 29)}${'0'.repeat(64)}`;
    for (const credential of [unknown, forged, `${created.token}0`]) {
      const res = await batch(s, credential).expect(401);
      expect({ credential, code: res.body.code }).toEqual({ credential, code: 'invalid_relay_token' });
      expect(res.body.error).toContain('POST /apps/{id}/relay-tokens');
    }
    await batch(s, created.token).expect(202);
    await revoke(s, created.id).expect(204);
    expect((await batch(s, created.token).expect(401)).body.code).toBe('invalid_relay_token');
    expect(await activeDevices(s, s.appId)).toBe(2);
  });

  test('POST /telemetry/beacons — a bad token is refused before the body is read: 401, not 413 or 400', async () => {
    const big = 'x'.repeat(600 * 1024);
    const res = await request(s.h.app).post('/telemetry/beacons').set('Authorization', `Bearer rlt_${'0'.repeat(24)}_${'0'.repeat(64)}`).set('Content-Type', 'application/json').send(big);
    expect(res.status).toBe(401);
    await request(s.h.app).post('/telemetry/beacons').set('Authorization', `Bearer ${s.relay}`).set('Content-Type', 'application/json').send(big).expect(413);
  });

  test('POST /telemetry/beacons — 403 when the token’s app has reports off', async () => {
    await as(request(s.h.app).patch(`/apps/${s.appId}`), s.token).send({ reports: false }).expect(200);
    expect((await batch(s, s.relay).expect(403)).body.code).toBe('reports_disabled');
  });

  test('DELETE /apps/:id/relay-tokens/:tokenId — 204, then 404 relay_token_not_found; a token is revoked only through its own app', async () => {
    const created = (await create(s, { name: 'relay' }).expect(201)).body;
    expect((await revoke(s, created.id, s.otherAppId).expect(404)).body.code).toBe('relay_token_not_found');
    await batch(s, created.token).expect(202);
    const res = await revoke(s, created.id).expect(204);
    expect(res.text).toBe('');
    expect((await revoke(s, created.id).expect(404)).body.code).toBe('relay_token_not_found');
    expect((await list(s).expect(200)).body.items.map((t: { id: string }) => t.id)).not.toContain(created.id);
  });

  test('tenant isolation — another admin’s app is 404 on every route; a team user is 403 admin_required even with apps.edit; no JWT is 401', async () => {
    const created = (await create(s, { name: 'relay' }).expect(201)).body;
    for (const res of [await create(s, { name: 'x' }, s.strangerAppId), await list(s, s.strangerAppId), await revoke(s, created.id, s.strangerAppId)]) {
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('app_not_found');
    }
    for (const res of [await create(s, { name: 'x' }, s.appId, s.strangerToken), await list(s, s.appId, s.strangerToken), await revoke(s, created.id, s.appId, s.strangerToken)]) {
      expect(res.status).toBe(404);
    }
    for (const appId of [s.appId, s.strangerAppId, 'no-such-app']) {
      for (const res of [await create(s, { name: 'x' }, appId, s.teamToken), await list(s, appId, s.teamToken), await revoke(s, created.id, appId, s.teamToken)]) {
        expect({ appId, status: res.status, code: res.body.code }).toEqual({ appId, status: 403, code: 'admin_required' });
      }
    }
    await request(s.h.app).get(`/apps/${s.appId}/relay-tokens`).expect(401);
    await request(s.h.app).post(`/apps/${s.appId}/relay-tokens`).send({ name: 'x' }).expect(401);
    // Still there, still working.
    await batch(s, created.token).expect(202);
  });

  test('POST /apps/:id/relay-tokens — 400 for a missing, blank, too long or extra field, and past 20 tokens an app', async () => {
    for (const body of [{}, { name: '' }, { name: '   ' }, { name: 'x'.repeat(101) }, { name: 'a\u0000b' }, { name: 42 }, { name: 'ok', extra: true }]) {
      const res = await create(s, body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
    }
    expect((await create(s, { name: '   ' })).body).toMatchObject({ code: 'invalid_value', details: { field: 'name' } });
    for (let i = 2; i <= 20; i++) await create(s, { name: `relay-${i}` }).expect(201);
    const over = await create(s, { name: 'relay-21' }).expect(400);
    expect(over.body).toMatchObject({ code: 'too_many_relay_tokens', error: 'an app has at most 20 relay tokens; revoke one first' });
  });

  test('DELETE /apps/:id — the app’s relay tokens go with it', async () => {
    await create(s, { name: 'relay' }).expect(201);
    await as(request(s.h.app).delete(`/apps/${s.appId}`), s.token).expect(200);
    expect((await batch(s, s.relay).expect(401)).body.code).toBe('invalid_relay_token');
    expect(await s.h.relayTokens.tokensOf(s.appId)).toEqual([]);
  });
});
