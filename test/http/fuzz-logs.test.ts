import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import request from 'supertest';
import { loadConfig } from '../../src/composition/config';
import { ALICE_TOKEN, logsHarness, type LogsHarness } from '../fixtures/logs';

// Property-based fuzzing of POST /api/v1/logs. FUZZ_RUNS sets the number of cases
// (200 in `npm test`, so that it finishes well within its timeout on a busy machine; 20,000 in
// `npm run test:reliability`).
const RUNS = Number(process.env.FUZZ_RUNS ?? 200);
const MAX_BODY_BYTES = 65_536;

/** A body together with the secret strings planted in it, none of which may be written out. */
interface Planted {
  body: string | Buffer;
  secrets: string[];
}

const hex = (bytes: number) => fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) => Buffer.from(b).toString('hex'));
const b64url = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max }).map((b) => Buffer.from(b).toString('base64url'));

/** The configured scrub keys as clients spell them: any case, with affixes and separators. */
const sensitiveKey = fc
  .tuple(
    fc.constantFrom(...loadConfig({}).logs.scrubKeys),
    fc.constantFrom('', 'user', 'X-', 'my_', 'db.'),
    fc.constantFrom('', 'Value', '_2', '-Header'),
    fc.constantFrom<(s: string) => string>((s) => s, (s) => s.toUpperCase(), (s) => s[0]!.toUpperCase() + s.slice(1)),
  )
  .map(([key, prefix, suffix, casing]) => `${prefix}${casing(key)}${suffix}`);

/** A value whose text is secret in itself, wherever it appears: a JWT, or a bearer credential. */
const selfEvidentSecret = fc.oneof(
  fc.tuple(b64url(8, 40), b64url(8, 80), b64url(16, 43)).map(([h, p, s]) => {
    const jwt = `eyJ${h}.${p}.${s}`;
    return { text: jwt, secret: jwt };
  }),
  fc.tuple(fc.constantFrom('Bearer ', 'bearer ', 'BEARER\t'), b64url(16, 48), fc.constantFrom('', 'request failed: ', 'GET /x with ')).map(([scheme, token, before]) => ({
    text: `${before}${scheme}${token}`,
    secret: token,
  })),
);

/** A plain marker: secret only because it sits under a sensitive key. */
const marker = hex(10).map((h) => `zzsecret${h}`);

interface Slot {
  text: string;
  secrets: string[];
}

/** A string field: harmless text, or text carrying a self-evident secret. */
const stringSlot: fc.Arbitrary<Slot> = fc.oneof(
  fc.string({ minLength: 1, maxLength: 40 }).map((text) => ({ text, secrets: [] })),
  selfEvidentSecret.map(({ text, secret }) => ({ text, secrets: [secret] })),
);

/** Metadata mixing harmless keys, sensitive keys holding markers (as strings, objects or arrays), and secret strings. */
const metadata = fc
  .array(
    fc.oneof(
      fc.tuple(fc.constantFrom('screenName', 'retries', 'build', 'flags'), fc.jsonValue({ maxDepth: 2 })).map(([k, v]) => ({ key: k, value: v as unknown, secrets: [] as string[] })),
      fc.tuple(sensitiveKey, marker, fc.constantFrom('plain', 'object', 'array')).map(([k, m, shape]) => ({
        key: k,
        value: shape === 'plain' ? m : shape === 'object' ? { inner: m, note: 'x' } : ['a', m],
        secrets: [m],
      })),
      fc.tuple(fc.constantFrom('lastError', 'url', 'note'), stringSlot).map(([k, s]) => ({ key: k, value: s.text as unknown, secrets: s.secrets })),
      fc.tuple(fc.constantFrom('nested', 'request'), sensitiveKey, marker).map(([outer, k, m]) => ({ key: outer, value: { ok: 1, [k]: m } as unknown, secrets: [m] })),
    ),
    { maxLength: 6 },
  )
  .map((fields) => ({
    value: Object.fromEntries(fields.map((f, i) => [`${f.key}${i}`, f.value])),
    secrets: fields.flatMap((f) => f.secrets),
  }));

const level = fc.constantFrom('debug', 'info', 'warn', 'error', 'fatal');

const entry = fc
  .record({ level, message: stringSlot, screen: fc.option(stringSlot, { nil: undefined }), stack: fc.option(stringSlot, { nil: undefined }), traceId: fc.option(stringSlot, { nil: undefined }), metadata: fc.option(metadata, { nil: undefined }) })
  .map(({ level: lvl, message, screen, stack, traceId, metadata: meta }) => {
    const context: Record<string, unknown> = {};
    if (screen) context.screen = screen.text;
    if (stack) context.error = { code: 'E1', stack: stack.text };
    if (meta) context.metadata = meta.value;
    return {
      value: { level: lvl, message: message.text, timestamp: 1736956780000, ...(traceId ? { traceId: traceId.text } : {}), ...(Object.keys(context).length ? { context } : {}) },
      secrets: [...message.secrets, ...(screen?.secrets ?? []), ...(stack?.secrets ?? []), ...(traceId?.secrets ?? []), ...(meta?.secrets ?? [])],
    };
  });

/** A valid batch, often carrying secrets; the secrets it carries go with it. */
const validBatch = fc
  .record({ entries: fc.array(entry, { minLength: 1, maxLength: 5 }), sessionId: fc.option(stringSlot, { nil: undefined }), model: fc.option(stringSlot, { nil: undefined }) })
  .map(({ entries, sessionId, model }) => ({
    value: {
      logs: entries.map((e) => e.value),
      ...(sessionId ? { sessionId: sessionId.text } : {}),
      ...(model ? { device: { platform: 'android', model: model.text } } : {}),
    } as Record<string, unknown>,
    secrets: [...entries.flatMap((e) => e.secrets), ...(sessionId?.secrets ?? []), ...(model?.secrets ?? [])],
  }));

const planted = (value: unknown, secrets: string[]): Planted => ({ body: JSON.stringify(value), secrets });

/** Near-valid: a valid batch with one field replaced, removed, or joined by an odd key; its secrets still count. */
const nearValid = fc
  .tuple(
    validBatch,
    fc.constantFrom('logs', 'logs.0', 'logs.0.level', 'logs.0.message', 'logs.0.timestamp', 'logs.0.traceId', 'logs.0.context', 'logs.0.extra', 'sessionId', 'device', 'device.platform', 'extra'),
    fc.oneof(fc.jsonValue(), fc.constant(undefined), fc.constant(null), fc.string({ unit: 'binary' }), fc.constant(''), fc.constant('x'.repeat(3000)), fc.constant(1.5), fc.constant(-1)),
  )
  .map(([batch, path, value]) => {
    const parts = path.split('.');
    let target = batch.value as Record<string, unknown>;
    for (const p of parts.slice(0, -1)) {
      if (typeof target[p] !== 'object' || target[p] === null) target[p] = {};
      target = target[p] as Record<string, unknown>;
    }
    if (value === undefined) delete target[parts.at(-1)!];
    else target[parts.at(-1)!] = value;
    return planted(batch.value, batch.secrets);
  });

const protoKeys = fc.tuple(fc.constantFrom('__proto__', 'constructor', 'prototype'), fc.constantFrom('top', 'entry', 'context', 'metadata', 'device')).map(([k, where]) => {
  const poison = `"${k}":{"polluted":true,"toString":1}`;
  const metadataBody = where === 'metadata' ? `{${poison},"ok":1}` : '{"ok":1}';
  const context = where === 'context' ? `{${poison},"metadata":${metadataBody}}` : `{"metadata":${metadataBody}}`;
  const item = `{${where === 'entry' ? `${poison},` : ''}"level":"error","message":"m","timestamp":1,"context":${context}}`;
  const device = where === 'device' ? `,"device":{${poison}}` : '';
  return { body: `{${where === 'top' ? `${poison},` : ''}"logs":[${item}]${device}}`, secrets: [] } as Planted;
});

const deep = fc.tuple(fc.integer({ min: 9, max: 20_000 }), fc.constantFrom('[', '{"d":')).map(([depth, open]) => {
  const close = open === '[' ? ']' : '}';
  return { body: `{"logs":[{"level":"error","message":"m","timestamp":1,"context":{"metadata":{"x":${open.repeat(depth)}1${close.repeat(depth)}}}}]}`, secrets: [] } as Planted;
});

const huge = fc.oneof(
  fc.integer({ min: 101, max: 3000 }).map((n) => planted({ logs: Array.from({ length: n }, () => ({ level: 'info', message: 'm', timestamp: 1 })) }, [])),
  fc.integer({ min: 200, max: 20_000 }).map((n) => planted({ logs: [{ level: 'info', message: 'm', timestamp: 1, context: { metadata: Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i])) } }] }, [])),
  fc.integer({ min: 2001, max: MAX_BODY_BYTES * 2 }).map((n) => planted({ logs: [{ level: 'info', message: 'm'.repeat(n), timestamp: 1 }] }, [])),
);

const invalidUtf8 = validBatch.map((batch) => {
  const text = JSON.stringify(batch.value);
  const at = text.indexOf('"message":"') + 11;
  const body = Buffer.concat([Buffer.from(text.slice(0, at)), Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80]), Buffer.from(text.slice(at))]);
  return { body, secrets: batch.secrets } as Planted;
});

const payload: fc.Arbitrary<Planted> = fc.oneof(
  { arbitrary: validBatch.map((b) => planted(b.value, b.secrets)), weight: 6 },
  { arbitrary: nearValid, weight: 3 },
  fc.jsonValue().map((v) => planted(v, [])),
  protoKeys,
  deep,
  huge,
  invalidUtf8,
  fc.uint8Array({ maxLength: 512 }).map((bytes) => ({ body: Buffer.from(bytes), secrets: [] }) as Planted),
  fc.string().map((s) => ({ body: s, secrets: [] }) as Planted),
);

const contentType = fc.oneof(
  { arbitrary: fc.constant('application/json'), weight: 6 },
  fc.constantFrom(
  'application/json; charset=utf-8',
  'application/vnd.api+json',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/jsonx',
  '',
  ),
);

const caller = fc.oneof(
  { arbitrary: fc.constant({ authorization: undefined, deviceId: 'uuid' }), weight: 3 },
  { arbitrary: fc.constant({ authorization: `Bearer ${ALICE_TOKEN}`, deviceId: undefined }), weight: 2 },
  fc.record({
    authorization: fc.constantFrom(undefined, `Bearer ${ALICE_TOKEN}`, 'Bearer not-a-token', 'Basic YTpi', 'Bearer'),
    deviceId: fc.constantFrom(undefined, 'uuid', 'device-123', '', '00000000-0000-1000-8000-000000000000'),
  }),
);

const prototypeNames = () => [Object.prototype, Array.prototype, Function.prototype, String.prototype].map((p) => Object.getOwnPropertyNames(p).sort().join(','));

describe('POST /api/v1/logs under fuzzing', () => {
  let h: LogsHarness;

  beforeAll(async () => {
    h = await logsHarness({ LOGS_RATE_LIMIT_MAX_REQUESTS_PER_MINUTE: '100000000', LOGS_MAX_BODY_BYTES: String(MAX_BODY_BYTES) });
  });

  it(`never answers 5xx, answers errors as {error, code} JSON, writes exactly the accepted entries, never writes a planted secret, and leaves prototypes alone (${RUNS} cases)`, async () => {
    const prototypes = prototypeNames();
    let accepted = 0;
    let secretsAccepted = 0;
    await fc.assert(
      fc.asyncProperty(payload, contentType, caller, async ({ body, secrets }, type, who) => {
        const sinkBefore = h.clientLog.lines.length;
        const logBefore = h.log.lines.length;
        const req = request(h.app).post('/api/v1/logs');
        if (who.authorization !== undefined) req.set('Authorization', who.authorization);
        if (who.deviceId !== undefined) req.set('X-Device-Id', who.deviceId === 'uuid' ? randomUUID() : who.deviceId);
        if (type) req.set('Content-Type', type);
        const res = await req.send(body as never);

        expect(res.status).toBeLessThan(500);
        const written = h.clientLog.lines.slice(sinkBefore);
        if (res.status === 200) {
          accepted++;
          secretsAccepted += secrets.length;
          expect(res.body).toEqual({ accepted: true, count: written.length });
          expect(written.length).toBeGreaterThan(0);
        } else {
          expect(written).toEqual([]);
          expect(res.headers['content-type']).toMatch(/^application\/json/);
          expect(typeof res.body.error).toBe('string');
          expect(typeof res.body.code).toBe('string');
        }
        const output = [...written, ...h.log.lines.slice(logBefore)].join('\n');
        for (const secret of secrets) expect(output).not.toContain(secret);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        expect(prototypeNames()).toEqual(prototypes);
      }),
      { numRuns: RUNS },
    );
    expect((await request(h.app).get('/healthz')).status).toBe(200);
    // A run that accepted almost nothing would prove little about the sink.
    process.stdout.write(`fuzz-logs: ${RUNS} cases, ${accepted} accepted, ${secretsAccepted} planted secrets in accepted batches, none written\n`);
    expect(accepted).toBeGreaterThan(RUNS / 10);
  }, 300_000);
});
