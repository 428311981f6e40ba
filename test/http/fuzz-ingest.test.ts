import fc from 'fast-check';
import request from 'supertest';
import { harness, type Harness } from '../fixtures/harness';
import { gzipDetails, reportBody } from '../fixtures/reports';

// Property-based fuzzing of POST /reports/ingest. FUZZ_RUNS sets the number of cases
// (200 in `npm test`, so that it finishes well within its timeout on a busy machine; 20,000 in
// `npm run test:reliability`).
const RUNS = Number(process.env.FUZZ_RUNS ?? 200);

const valid = () => reportBody({ details: gzipDetails({ stack: 'x' }) }) as unknown as Record<string, unknown>;

/** Near-valid: one field of a valid report replaced, removed, or joined by an odd key. */
const nearValid = fc
  .tuple(
    fc.constantFrom('application.name', 'application.version', 'application.channel', 'system.platform', 'system.arch', 'event.type', 'event.reason', 'details.encoding', 'details.content_type', 'details.payload', 'details', 'event', 'application'),
    fc.oneof(fc.jsonValue(), fc.constant(undefined), fc.string({ unit: 'binary' }), fc.constant('a|b'), fc.constant('x'.repeat(300))),
  )
  .map(([path, value]) => {
    const body = valid();
    const parts = path.split('.');
    let target = body as Record<string, unknown>;
    for (const p of parts.slice(0, -1)) target = target[p] as Record<string, unknown>;
    if (value === undefined) delete target[parts.at(-1)!];
    else target[parts.at(-1)!] = value;
    return JSON.stringify(body);
  });

const protoKeys = fc.constantFrom('__proto__', 'constructor', 'prototype').map(
  (k) => `{"${k}":{"polluted":true},"application":{"name":"my-app","version":"1.0","channel":"stable","${k}":{"x":1}},"system":{"platform":"linux","arch":"amd64"},"event":{"type":"crash","reason":"r"}}`,
);

const deep = fc.integer({ min: 100, max: 20_000 }).map((depth) => `{"application":${'['.repeat(depth)}${']'.repeat(depth)}}`);
const wide = fc.integer({ min: 1000, max: 20_000 }).map((n) => JSON.stringify({ ...valid(), extra: Array.from({ length: n }, (_, i) => i) }));

const body = fc.oneof(
  fc.jsonValue().map((v) => JSON.stringify(v)),
  nearValid,
  protoKeys,
  deep,
  wide,
  fc.uint8Array({ maxLength: 512 }).map((bytes) => Buffer.from(bytes)),
  fc.constant(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])), // {"\xff\xfe":1}: invalid UTF-8
  fc.string(),
);

const contentType = fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'application/vnd.api+json', '', 'multipart/form-data; boundary=x');

describe('POST /reports/ingest under fuzzing', () => {
  let h: Harness;
  let appId: string;
  let key: string;

  beforeAll(async () => {
    h = await harness({ REPORTS_MAX_BODY_BYTES: '65536', REPORTS_RATE_LIMIT_PER_KEY_PER_MINUTE: '100000000', REPORTS_RATE_LIMIT_PER_GROUP_PER_MINUTE: '100000000', REPORTS_RATE_LIMIT_PER_DEVICE_GROUP_PER_HOUR: '100000000' });
    ({ appId, key } = await h.createApp('my-app'));
  });

  const totalCount = async () => (await h.repository.listGroups({ appIds: [appId] }, 1, 100)).items.reduce((sum, g) => sum + g.stats.count, 0);

  it(`never answers 5xx, always answers errors as {error, code} JSON, and a rejected report never changes a count (${RUNS} cases)`, async () => {
    await fc.assert(
      fc.asyncProperty(body, contentType, fc.option(fc.uuid(), { nil: undefined }), fc.boolean(), async (payload, type, device, goodKey) => {
        const before = await totalCount();
        const req = request(h.app).post('/reports/ingest').set('Authorization', goodKey ? `Bearer ${key}` : 'Bearer rpk_bad');
        if (device) req.set('X-Device-ID', device);
        if (type) req.set('Content-Type', type);
        const res = await req.send(payload as never);
        expect(res.status).toBeLessThan(500);
        const after = await totalCount();
        if (res.status === 202) {
          expect(after).toBe(before + 1);
        } else {
          expect(after).toBe(before);
          expect(res.headers['content-type']).toMatch(/^application\/json/);
          expect(typeof res.body.error).toBe('string');
          expect(typeof res.body.code).toBe('string');
        }
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { numRuns: RUNS },
    );
  }, 300_000);
});
