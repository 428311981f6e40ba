import request from 'supertest';
import { harness, type Harness } from '../fixtures/harness';

describe('errors raised by Express itself', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness();
  });
  afterAll(() => h.close());

  it.each(['/reports/groups/%E0%A4%A', '/users/%ZZ', '/apps/%C0'])(
    'GET %s — 400 {error, code} when a path parameter is malformed percent-encoding, never a logged 500',
    async (path) => {
      const res = await request(h.app).get(path);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: expect.any(String), code: 'bad_request' });
      expect(h.log.lines.some((line) => line.includes('unhandled error'))).toBe(false);
    },
  );
});
