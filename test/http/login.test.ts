import request from 'supertest';
import { harness, type Harness } from '../fixtures/harness';

const login = (h: Harness, body: object, ip?: string) => {
  const req = request(h.app).post('/auth/login');
  if (ip) req.set('X-Forwarded-For', ip);
  return req.send(body);
};

describe('POST /auth/login', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness({ AUTH_LOGIN_RATE_LIMIT_PER_MINUTE: '3', TRUST_PROXY: 'true' });
    await h.identity.createAdmin({ username: 'Alice', password: 'correct horse' });
  });

  it('200 with a token that authenticates, for the right password and the username in any case', async () => {
    const res = await login(h, { username: 'alice', password: 'correct horse' });
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toEqual({ token: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/) });
    expect((await request(h.app).get('/users').set('Authorization', `Bearer ${res.body.token}`)).status).toBe(200);
  });

  it('401 invalid credentials for a wrong password and for an unknown user, with the same body', async () => {
    const wrong = await login(h, { username: 'alice', password: 'wrong horse' });
    const unknown = await login(h, { username: 'mallory', password: 'correct horse' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual({ error: 'invalid credentials', code: 'invalid_credentials' });
    expect(unknown.body).toEqual(wrong.body);
  });

  it('429 with Retry-After once a username+IP has used its attempts, and again allowed after the window', async () => {
    for (let i = 0; i < 3; i++) expect((await login(h, { username: 'alice', password: `guess-${i}-xx` }, '203.0.113.7')).status).toBe(401);
    const limited = await login(h, { username: 'alice', password: 'correct horse' }, '203.0.113.7');
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ code: 'rate_limited', scope: 'login' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);

    expect((await login(h, { username: 'alice', password: 'correct horse' }, '198.51.100.9')).status).toBe(200);
    h.clock.advance(61_000);
    expect((await login(h, { username: 'alice', password: 'correct horse' }, '203.0.113.7')).status).toBe(200);
  });

  it('400 for a body that is not {username, password}', async () => {
    expect((await login(h, { username: 'alice' })).status).toBe(400);
    expect((await login(h, { username: 'alice', password: 'correct horse', admin: true })).status).toBe(400);
    expect((await login(h, { username: 'alice', password: 'x'.repeat(1025) })).status).toBe(400);
  });
});
