import { generateKeyPairSync } from 'node:crypto';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { harness, type Harness } from '../fixtures/harness';
import { claims, hmacToken, signedToken, TEST_JWT_SECRET, unsignedToken } from '../fixtures/tokens';

const ISSUER = 'https://telltale.test';
const AUDIENCE = 'telltale-api';

const nowOf = (h: Harness) => Math.floor(h.clock.now().getTime() / 1000);
const getUsers = (h: Harness, token: string) => request(h.app).get('/users').set('Authorization', `Bearer ${token}`);

async function expectRefused(h: Harness, token: string) {
  const res = await getUsers(h, token);
  expect(res.status).toBe(401);
  expect(res.body).toEqual({ error: 'a valid bearer token is required', code: 'invalid_token' });
}

describe('JWT verification with HS256 (JWT_SECRET, issuer and audience configured)', () => {
  let h: Harness;
  let adminId: string;
  const good = (extra: object = {}) => signedToken(claims(adminId, nowOf(h), { iss: ISSUER, aud: AUDIENCE, ...extra }), TEST_JWT_SECRET);

  beforeAll(async () => {
    h = await harness({ JWT_SECRET: TEST_JWT_SECRET, JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE });
    adminId = (await h.identity.createAdmin({ username: 'alice', password: 'correct horse' })).id;
  });

  it('GET /users — 200 with a well-formed token for an existing admin', async () => {
    expect((await getUsers(h, good())).status).toBe(200);
  });

  it('GET /users — 401 without a token, or with a token that is not a JWT', async () => {
    expect((await request(h.app).get('/users')).status).toBe(401);
    await expectRefused(h, 'not-a-jwt');
  });

  it('GET /users — 401 for alg: none', async () => {
    await expectRefused(h, unsignedToken(claims(adminId, nowOf(h), { iss: ISSUER, aud: AUDIENCE })));
  });

  it('GET /users — 401 when the token has expired (by the service clock)', async () => {
    await expectRefused(h, good({ iat: nowOf(h) - 7200, exp: nowOf(h) - 1 }));
    const token = good();
    h.clock.advance(3601 * 1000);
    try {
      await expectRefused(h, token);
    } finally {
      h.clock.advance(-3601 * 1000);
    }
  });

  it('GET /users — 401 for a token without an expiry', async () => {
    await expectRefused(h, signedToken({ sub: adminId, iat: nowOf(h), iss: ISSUER, aud: AUDIENCE }, TEST_JWT_SECRET));
  });

  it('GET /users — 401 for a wrong issuer', async () => {
    await expectRefused(h, good({ iss: 'https://evil.test' }));
  });

  it('GET /users — 401 for a wrong audience', async () => {
    await expectRefused(h, good({ aud: 'another-api' }));
  });

  it('GET /users — 401 for a bad signature: another secret, or a payload edited after signing', async () => {
    await expectRefused(h, signedToken(claims(adminId, nowOf(h), { iss: ISSUER, aud: AUDIENCE }), 'another-secret-0123456789abcdef0123456789'));
    const [header, , signature] = good().split('.');
    const forged = Buffer.from(JSON.stringify(claims('someone-else', nowOf(h), { iss: ISSUER, aud: AUDIENCE }))).toString('base64url');
    await expectRefused(h, `${header}.${forged}.${signature}`);
  });

  it('GET /users — 401 for an RS256 token when only HS256 is configured', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await expectRefused(h, signedToken(claims(adminId, nowOf(h), { iss: ISSUER, aud: AUDIENCE }), privateKey, 'RS256'));
  });

  it('GET /users — 401 for a token with a crit header, whatever it lists', async () => {
    const payload = claims(adminId, nowOf(h), { iss: ISSUER, aud: AUDIENCE });
    await expectRefused(h, jwt.sign(payload, TEST_JWT_SECRET, { algorithm: 'HS256', header: { alg: 'HS256', crit: ['x-unknown'], 'x-unknown': 1 } as jwt.JwtHeader }));
    await expectRefused(h, jwt.sign(payload, TEST_JWT_SECRET, { algorithm: 'HS256', header: { alg: 'HS256', crit: [] } as jwt.JwtHeader }));
  });

  it('GET /users — 401 when iat lies more than 60 s ahead of the service clock; 200 within the skew', async () => {
    await expectRefused(h, good({ iat: nowOf(h) + 61, exp: nowOf(h) + 3600 }));
    expect((await getUsers(h, good({ iat: nowOf(h) + 30, exp: nowOf(h) + 3600 }))).status).toBe(200);
  });

  it('GET /users — 401 when the lifetime exceeds JWT_MAX_TTL_SECONDS (30 days by default), with or without iat', async () => {
    const now = nowOf(h);
    await expectRefused(h, good({ iat: now, exp: now + 100 * 365 * 24 * 3600 }));
    await expectRefused(h, good({ iat: now, exp: now + 30 * 24 * 3600 + 1 }));
    await expectRefused(h, signedToken({ sub: adminId, exp: now + 31 * 24 * 3600, iss: ISSUER, aud: AUDIENCE }, TEST_JWT_SECRET));
    expect((await getUsers(h, good({ iat: now, exp: now + 30 * 24 * 3600 }))).status).toBe(200);
  });

  it('GET /users — 401 once the account the token names is deleted', async () => {
    const bob = await h.identity.createAdmin({ username: 'bob', password: 'correct horse' });
    const token = signedToken(claims(bob.id, nowOf(h), { iss: ISSUER, aud: AUDIENCE }), TEST_JWT_SECRET);
    expect((await getUsers(h, token)).status).toBe(200);
    await h.accounts.delete(bob.id);
    await expectRefused(h, token);
  });
});

describe('JWT verification with RS256 (JWT_PUBLIC_KEY only)', () => {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  let h: Harness;
  let adminId: string;

  beforeAll(async () => {
    h = await harness({ JWT_PUBLIC_KEY: publicPem });
    adminId = (await h.identity.createAdmin({ username: 'carol', password: 'correct horse' })).id;
  });

  it('GET /users — 200 with a token the private key signed', async () => {
    expect((await getUsers(h, signedToken(claims(adminId, nowOf(h)), privateKey, 'RS256'))).status).toBe(200);
  });

  it('GET /users — 401 for an HS256 token signed with the public key as its secret (algorithm confusion)', async () => {
    await expectRefused(h, hmacToken(claims(adminId, nowOf(h)), publicPem));
  });

  it('GET /users — 401 for alg: none', async () => {
    await expectRefused(h, unsignedToken(claims(adminId, nowOf(h))));
  });

  it('POST /auth/login — 501 because there is no secret to sign with', async () => {
    const res = await request(h.app).post('/auth/login').send({ username: 'carol', password: 'correct horse' });
    expect(res.status).toBe(501);
    expect(res.body.code).toBe('login_disabled');
  });
});

describe('JWT verification with ES256 (JWT_PUBLIC_KEY is a P-256 key)', () => {
  it('GET /users — 200 with an ES256 token, 401 for an HS256 one made with the public key', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const h = await harness({ JWT_PUBLIC_KEY: publicPem });
    const admin = await h.identity.createAdmin({ username: 'dave', password: 'correct horse' });
    expect((await getUsers(h, signedToken(claims(admin.id, nowOf(h)), privateKey, 'ES256'))).status).toBe(200);
    await expectRefused(h, hmacToken(claims(admin.id, nowOf(h)), publicPem));
  });
});

describe('the embedded default without JWT_SECRET', () => {
  it('when the service restarts on the same DATA_DIR, then a token it issued still verifies', async () => {
    const first = await harness({ DATA_DIR: `${require('node:os').tmpdir()}/telltale-jwt-${process.pid}-${Date.now()}` });
    const admin = await first.identity.createAdmin({ username: 'erin', password: 'correct horse' });
    const token = (await request(first.app).post('/auth/login').send({ username: 'erin', password: 'correct horse' })).body.token as string;
    const second = await harness({ DATA_DIR: first.deps.config.dataDir });
    await second.accounts.create(admin);
    expect((await getUsers(second, token)).status).toBe(200);
  });
});

describe('JWT verification with both JWT_SECRET and JWT_PUBLIC_KEY', () => {
  it('GET /users — HS256 by the secret and RS256 by the key both pass; HS256 made with the public key does not', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const h = await harness({ JWT_SECRET: TEST_JWT_SECRET, JWT_PUBLIC_KEY: publicPem });
    const admin = await h.identity.createAdmin({ username: 'frank', password: 'correct horse' });
    expect((await getUsers(h, signedToken(claims(admin.id, nowOf(h)), TEST_JWT_SECRET))).status).toBe(200);
    expect((await getUsers(h, signedToken(claims(admin.id, nowOf(h)), privateKey, 'RS256'))).status).toBe(200);
    await expectRefused(h, hmacToken(claims(admin.id, nowOf(h)), publicPem));
  });
});

describe('compose with an unusable JWT_PUBLIC_KEY', () => {
  it('when the PEM is not an RSA or P-256 key, then startup fails naming JWT_PUBLIC_KEY', async () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    await expect(harness({ JWT_PUBLIC_KEY: pem })).rejects.toThrow(/^JWT_PUBLIC_KEY: /);
  });
});
