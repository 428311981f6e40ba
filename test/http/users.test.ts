import request from 'supertest';
import { harness, type Harness } from '../fixtures/harness';

async function signIn(h: Harness, username: string, password = 'correct horse', team?: string): Promise<string> {
  const res = await request(h.app).post('/auth/login').send({ username, password, ...(team === undefined ? {} : { team }) });
  expect(res.status).toBe(200);
  return res.body.token as string;
}

describe('/users (team users of the calling admin)', () => {
  let h: Harness;
  let alice: { id: string; token: string; appId: string };
  let bob: { id: string; token: string; appId: string };
  const as = (token: string) => ({
    post: (path: string, body: object) => request(h.app).post(path).set('Authorization', `Bearer ${token}`).send(body),
    get: (path: string) => request(h.app).get(path).set('Authorization', `Bearer ${token}`),
    patch: (path: string, body: object) => request(h.app).patch(path).set('Authorization', `Bearer ${token}`).send(body),
    delete: (path: string) => request(h.app).delete(path).set('Authorization', `Bearer ${token}`),
  });

  beforeEach(async () => {
    h = await harness();
    const makeAdmin = async (username: string) => {
      const admin = await h.identity.createAdmin({ username, password: 'correct horse' });
      const { appId } = await h.createApp(`${username}-app`, admin.id);
      return { id: admin.id, token: await signIn(h, username), appId };
    };
    alice = await makeAdmin('alice');
    bob = await makeAdmin('bob');
  });

  it('POST /users — 201 creates a team user under the caller, without exposing its password hash', async () => {
    const res = await as(alice.token).post('/users', {
      username: 'carol',
      password: 'carol password',
      permissions: { apps: { download: true, edit: true } },
      allowed_apps: [alice.appId],
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(String),
      username: 'carol',
      role: 'user',
      owner: alice.id,
      permissions: { apps: { create: false, edit: true, delete: false, download: true } },
      allowed_apps: [alice.appId],
      createdAt: h.clock.now().toISOString(),
      updatedAt: h.clock.now().toISOString(),
    });
    expect(JSON.stringify(res.body)).not.toMatch(/scrypt|salt|password/i);
    // A team user signs in with its team: the admin's username.
    expect((await request(h.app).post('/auth/login').send({ username: 'carol', password: 'carol password', team: 'alice' })).status).toBe(200);
    expect((await request(h.app).post('/auth/login').send({ username: 'carol', password: 'carol password' })).status).toBe(401);
  });

  it('POST /users — 400 names the first bad field, like every other JSON body of the API', async () => {
    const res = await as(alice.token).post('/users', { username: 'carol', password: 'carol password', permissions: { apps: { root: true } } });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'unknown field permissions.apps.root', code: 'unknown_field', details: { field: 'permissions.apps.root' } });
    const missing = await request(h.app).post('/auth/login').send({ username: 'alice' });
    expect(missing.body).toEqual({ error: 'missing field password', code: 'missing_field', details: { field: 'password' } });
  });

  it('POST /users — without permissions, a team user gets download only', async () => {
    const res = await as(alice.token).post('/users', { username: 'carol', password: 'carol password' });
    expect(res.body.permissions).toEqual({ apps: { create: false, edit: false, delete: false, download: true } });
    expect(res.body.allowed_apps).toEqual([]);
  });

  it('POST /users — 400 for another admin’s app in allowed_apps, an unknown app, a weak password or an unknown field', async () => {
    const base = { username: 'carol', password: 'carol password' };
    expect((await as(alice.token).post('/users', { ...base, allowed_apps: [bob.appId] })).body.code).toBe('unknown_app');
    expect((await as(alice.token).post('/users', { ...base, allowed_apps: ['no-such-app'] })).body.code).toBe('unknown_app');
    expect((await as(alice.token).post('/users', { ...base, password: 'short' })).body.code).toBe('invalid_password');
    expect((await as(alice.token).post('/users', { ...base, permissions: { apps: { root: true } } })).status).toBe(400);
    expect((await as(alice.token).post('/users', { ...base, role: 'admin' })).status).toBe(400);
    expect((await as(alice.token).get('/users')).body.items).toEqual([]);
  });

  it('POST /users — 409 only when the username is taken in the caller\'s own team; another team\'s user, or an admin, of that name tell nothing', async () => {
    expect((await as(bob.token).post('/users', { username: 'carol', password: 'bobs carol pass' })).status).toBe(201);
    // Named like another team's user, like an admin, like nobody: the same 201.
    for (const username of ['Carol', 'BOB', 'nobody-yet']) {
      const res = await as(alice.token).post('/users', { username, password: 'carol password' });
      expect(res.status).toBe(201);
      expect(Object.keys(res.body).sort()).toEqual(['allowed_apps', 'createdAt', 'id', 'owner', 'permissions', 'role', 'updatedAt', 'username']);
    }
    const clash = await as(alice.token).post('/users', { username: 'CAROL', password: 'carol password' });
    expect(clash.status).toBe(409);
    expect(clash.body).toEqual({ error: 'username already taken', code: 'username_taken' });
    const [aliceCarol] = (await as(alice.token).get('/users')).body.items.filter((u: { username: string }) => u.username === 'Carol');
    expect((await as(alice.token).patch(`/users/${aliceCarol.id}`, { username: 'bob' })).status).toBe(409);
    // Each signs in with its team; bob the admin without one.
    expect(await signIn(h, 'carol', 'bobs carol pass', 'bob')).toEqual(expect.any(String));
    expect(await signIn(h, 'carol', 'carol password', 'ALICE')).toEqual(expect.any(String));
    expect(await signIn(h, 'bob')).toEqual(expect.any(String));
  });

  it('GET/PATCH/DELETE /users/:id — an admin manages its own team users', async () => {
    const id = (await as(alice.token).post('/users', { username: 'carol', password: 'carol password' })).body.id as string;
    expect((await as(alice.token).get('/users')).body.items.map((u: { id: string }) => u.id)).toEqual([id]);
    expect((await as(alice.token).get(`/users/${id}`)).body.username).toBe('carol');

    h.clock.advance(1000);
    const patched = await as(alice.token).patch(`/users/${id}`, { permissions: { apps: { edit: true } }, allowed_apps: [alice.appId] });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      permissions: { apps: { create: false, edit: true, delete: false, download: true } },
      allowed_apps: [alice.appId],
      updatedAt: h.clock.now().toISOString(),
    });
    expect((await as(alice.token).patch(`/users/${id}`, {})).status).toBe(400);

    expect((await as(alice.token).delete(`/users/${id}`)).status).toBe(204);
    expect((await as(alice.token).get(`/users/${id}`)).status).toBe(404);
    expect(await h.accounts.findById(id)).toBeNull();
  });

  it('another admin’s team user is 404 on every route, and is left untouched', async () => {
    const carol = (await as(alice.token).post('/users', { username: 'carol', password: 'carol password', allowed_apps: [alice.appId] })).body;
    expect((await as(bob.token).get('/users')).body.items).toEqual([]);
    expect((await as(bob.token).get(`/users/${carol.id}`)).status).toBe(404);
    expect((await as(bob.token).patch(`/users/${carol.id}`, { password: 'taken over!' })).status).toBe(404);
    expect((await as(bob.token).delete(`/users/${carol.id}`)).status).toBe(404);
    expect(await h.accounts.findById(carol.id)).toMatchObject({ owner: alice.id, allowedApps: [alice.appId] });
  });

  it('an admin is not a team user: /users/:id with an admin’s id is 404', async () => {
    expect((await as(alice.token).get(`/users/${alice.id}`)).status).toBe(404);
    expect((await as(alice.token).delete(`/users/${bob.id}`)).status).toBe(404);
    expect(await h.accounts.findById(bob.id)).not.toBeNull();
  });

  it('a team user, whatever its permissions, gets 403 from every /users route; no token gets 401', async () => {
    await as(alice.token).post('/users', { username: 'carol', password: 'carol password', permissions: { apps: { create: true, edit: true, delete: true, download: true } } });
    const carol = await signIn(h, 'carol', 'carol password', 'alice');
    expect((await as(carol).get('/users')).status).toBe(403);
    expect((await as(carol).post('/users', { username: 'dave', password: 'dave password' })).body).toEqual({ error: 'only an admin may manage team users', code: 'admin_required' });
    expect((await as(carol).delete(`/users/${alice.id}`)).status).toBe(403);
    expect((await request(h.app).get('/users')).status).toBe(401);
  });
});
