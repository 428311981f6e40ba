import request from 'supertest';
import { harness, type Harness } from '../fixtures/harness';
import { newDeviceId, reportBody } from '../fixtures/reports';

// A JSON answer is never sniffed as something else nor kept by a cache, whatever its status.

describe('headers of JSON answers', () => {
  let h: Harness;
  let key: string;
  beforeAll(async () => {
    h = await harness();
    ({ key } = await h.createApp());
  });

  const ingest = (authorization: string) =>
    request(h.app).post('/reports/ingest').set('Authorization', authorization).set('X-Device-ID', newDeviceId()).send(reportBody());

  it.each([
    ['POST /reports/ingest 202', () => ingest(`Bearer ${key}`), 202],
    ['POST /reports/ingest 401', () => ingest('Bearer rpk_unknown'), 401],
    ['GET /reports/ingest 405', () => request(h.app).get('/reports/ingest'), 405],
    ['POST /auth/login 400', () => request(h.app).post('/auth/login').send({ username: 'alice' }), 400],
    ['POST /auth/login 401', () => request(h.app).post('/auth/login').send({ username: 'nobody', password: 'wrong-password' }), 401],
    ['GET /apps 401', () => request(h.app).get('/apps'), 401],
    ['GET /healthz 200', () => request(h.app).get('/healthz'), 200],
    ['GET /readyz 200', () => request(h.app).get('/readyz'), 200],
    ['GET /openapi.json 200', () => request(h.app).get('/openapi.json'), 200],
    ['POST /api/v1/logs 422', () => request(h.app).post('/api/v1/logs').set('X-Device-Id', newDeviceId()).send({ logs: 'nope' }), 422],
    ['GET /no-such-route 404', () => request(h.app).get('/no-such-route'), 404],
  ])('%s — JSON with X-Content-Type-Options: nosniff and Cache-Control: no-store', async (_name, send, status) => {
    const res = await send();
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['cache-control']).toBe('no-store');
  });
});
