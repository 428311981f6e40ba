import request from 'supertest';
import { ForbiddenError } from '../../src/domain/errors';
import type { AppIntegrity, IntegrityRequest } from '../../src/ports/app-integrity';
import { ALICE_TOKEN, BOB_TOKEN, logBatch, logEntry, logsHarness, newDeviceId, type LogsHarness } from '../fixtures/logs';

const JWT = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ';

const post = (h: LogsHarness, headers: Record<string, string>, body: unknown = logBatch()) => {
  const req = request(h.app).post('/api/v1/logs');
  for (const [name, value] of Object.entries(headers)) req.set(name, value);
  return req.send(body as object);
};

describe('POST /api/v1/logs — seed §11', () => {
  it('when a valid JWT is sent, then the batch is accepted as the user', async () => {
    const h = await logsHarness();
    const res = await post(h, { Authorization: `Bearer ${ALICE_TOKEN}` }, logBatch([logEntry(), logEntry({ level: 'info' })]));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ accepted: true, count: 2 });
    expect(h.records()).toHaveLength(2);
    expect(h.records()[0]).toMatchObject({ authMode: 'authenticated', userId: 'alice', deviceId: null });
  });

  it('when only X-Device-Id is sent, then the batch is accepted as that device', async () => {
    const h = await logsHarness();
    const deviceId = newDeviceId();
    const res = await post(h, { 'X-Device-Id': deviceId });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ accepted: true, count: 1 });
    expect(h.records()[0]).toMatchObject({ authMode: 'unauthenticated', userId: null, deviceId });
  });

  it('when neither a JWT nor a device id is sent, then 401 Device ID required and nothing is logged', async () => {
    const h = await logsHarness();
    const res = await post(h, {});
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: 'Device ID required', code: 'device_id_required' });
    expect(h.clientLog.lines).toHaveLength(0);
  });

  it('when an invalid or expired JWT comes without a device id, then 401 invalid or expired token; with a device id, it falls back to the device', async () => {
    const h = await logsHarness();
    const refused = await post(h, { Authorization: 'Bearer not-a-known-token' });
    expect(refused.status).toBe(401);
    expect(refused.body).toEqual({ error: 'invalid or expired token', code: 'invalid_token' });
    const fallback = await post(h, { Authorization: 'Bearer not-a-known-token', 'X-Device-Id': newDeviceId() });
    expect(fallback.status).toBe(200);
    expect(h.records()[0]).toMatchObject({ authMode: 'unauthenticated', userId: null });
  });

  it('when device.platform is a desktop or web platform, then it is accepted; LOGS_PLATFORMS replaces the list', async () => {
    const h = await logsHarness();
    for (const platform of ['windows', 'macos', 'linux', 'web', 'ios', 'android']) {
      expect((await post(h, { 'X-Device-Id': newDeviceId() }, logBatch(undefined, { device: { platform } }))).status).toBe(200);
    }
    expect((await post(h, { 'X-Device-Id': newDeviceId() }, logBatch(undefined, { device: { platform: 'symbian' } }))).status).toBe(422);
    const narrow = await logsHarness({ LOGS_PLATFORMS: 'tvos,ios' });
    expect((await post(narrow, { 'X-Device-Id': newDeviceId() }, logBatch(undefined, { device: { platform: 'tvos' } }))).status).toBe(200);
    expect((await post(narrow, { 'X-Device-Id': newDeviceId() }, logBatch(undefined, { device: { platform: 'windows' } }))).body.paths).toEqual(['device.platform (must be one of tvos, ios)']);
  });

  it('when the device id is not a UUID v4, then 400 Invalid device ID format', async () => {
    const h = await logsHarness();
    const res = await post(h, { 'X-Device-Id': 'device-123' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'Invalid device ID format', code: 'invalid_device_id' });
  });

  it('when a caller passes the per-minute limit, then 429 with the standard headers, Retry-After and scope logs', async () => {
    const h = await logsHarness({ LOGS_RATE_LIMIT_MAX_REQUESTS_PER_MINUTE: '2' });
    const headers = { 'X-Device-Id': newDeviceId() };
    expect((await post(h, headers)).status).toBe(200);
    const second = await post(h, headers);
    expect(second.status).toBe(200);
    expect(second.headers.ratelimit).toMatch(/r=0/);
    const third = await post(h, headers);
    expect(third.status).toBe(429);
    expect(third.body).toMatchObject({ code: 'rate_limited', scope: 'logs', error: expect.any(String) });
    expect(Number(third.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(third.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(third.headers['ratelimit-policy']).toMatch(/q=2; w=60/);
    expect(h.records()).toHaveLength(2);
    expect(h.metrics.value('rate_limit_rejections_total', { scope: 'logs' })).toBe(1);
  });

  it('when the body breaks the schema, then 422 lists the failing paths, each with its rule, and nothing is logged', async () => {
    const h = await logsHarness();
    const res = await post(h, { 'X-Device-Id': newDeviceId() }, { logs: [{ level: 'loud', message: 'm' }] });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: 'schema_violation' });
    expect(res.body.paths).toEqual(['logs.0.timestamp (required)', 'logs.0.level (must be one of debug, info, warn, error, fatal)']);
    expect(h.clientLog.lines).toHaveLength(0);
  });
});

describe('POST /api/v1/logs — rate-limit keys', () => {
  it('when two devices send, then each has its own budget', async () => {
    const h = await logsHarness({ LOGS_RATE_LIMIT_MAX_REQUESTS_PER_MINUTE: '1' });
    const a = { 'X-Device-Id': newDeviceId() };
    const b = { 'X-Device-Id': newDeviceId() };
    expect((await post(h, a)).status).toBe(200);
    expect((await post(h, b)).status).toBe(200);
    expect((await post(h, a)).status).toBe(429);
    expect((await post(h, b)).status).toBe(429);
  });

  it('when a signed-in user sends from two devices, then they share one budget, apart from other users', async () => {
    const h = await logsHarness({ LOGS_RATE_LIMIT_MAX_REQUESTS_PER_MINUTE: '2' });
    expect((await post(h, { Authorization: `Bearer ${ALICE_TOKEN}`, 'X-Device-Id': newDeviceId() })).status).toBe(200);
    expect((await post(h, { Authorization: `Bearer ${ALICE_TOKEN}`, 'X-Device-Id': newDeviceId() })).status).toBe(200);
    expect((await post(h, { Authorization: `Bearer ${ALICE_TOKEN}` })).status).toBe(429);
    expect((await post(h, { Authorization: `Bearer ${BOB_TOKEN}` })).status).toBe(200);
  });

  it('when a device id is reused by a signed-in user, then the device budget is not spent', async () => {
    const h = await logsHarness({ LOGS_RATE_LIMIT_MAX_REQUESTS_PER_MINUTE: '1' });
    const deviceId = newDeviceId();
    expect((await post(h, { Authorization: `Bearer ${ALICE_TOKEN}`, 'X-Device-Id': deviceId })).status).toBe(200);
    expect((await post(h, { 'X-Device-Id': deviceId })).status).toBe(200);
  });

  it('when the guard refuses a request, then no budget is spent', async () => {
    const h = await logsHarness({ LOGS_RATE_LIMIT_MAX_REQUESTS_PER_MINUTE: '1' });
    for (let i = 0; i < 3; i++) expect((await post(h, { 'X-Device-Id': 'bad' })).status).toBe(400);
    expect((await post(h, { 'X-Device-Id': newDeviceId() })).status).toBe(200);
  });
});

describe('POST /api/v1/logs — limits at their boundaries', () => {
  const env = { LOGS_MAX_BATCH: '3', LOGS_MAX_MESSAGE_LENGTH: '20', LOGS_MAX_STACK_LENGTH: '30', LOGS_MAX_BODY_BYTES: '2048' };
  const device = () => ({ 'X-Device-Id': newDeviceId() });

  it.each([
    ['LOGS_MAX_BATCH', (n: number) => logBatch(Array.from({ length: n }, () => logEntry())), 3, 'logs (must be a list of 1 to 3 items)'],
    ['LOGS_MAX_MESSAGE_LENGTH', (n: number) => logBatch([logEntry({ message: 'm'.repeat(n) })]), 20, 'logs.0.message (must be a string of 1 to 20 characters)'],
    ['LOGS_MAX_STACK_LENGTH', (n: number) => logBatch([logEntry({ context: { error: { stack: 's'.repeat(n) } } })]), 30, 'logs.0.context.error.stack (must be a string of at most 30 characters)'],
  ])('when %s is met exactly, then 200; one over, then 422 naming the path and its bound', async (_name, make, limit, path) => {
    const h = await logsHarness(env);
    expect((await post(h, device(), make(limit))).status).toBe(200);
    const over = await post(h, device(), make(limit + 1));
    expect(over.status).toBe(422);
    expect(over.body.paths).toEqual([path]);
  });

  it('when the body is exactly LOGS_MAX_BODY_BYTES, then 200; one byte more, then 413', async () => {
    const h = await logsHarness(env);
    const sized = (bytes: number) => {
      const padded = (pad: string) => JSON.stringify(logBatch([logEntry({ context: { metadata: { pad } } })]));
      return padded('x'.repeat(bytes - Buffer.byteLength(padded(''))));
    };
    const send = (body: string) => request(h.app).post('/api/v1/logs').set(device()).set('Content-Type', 'application/json').send(body);
    expect(Buffer.byteLength(sized(2048))).toBe(2048);
    expect((await send(sized(2048))).status).toBe(200);
    const over = await send(sized(2049));
    expect(over.status).toBe(413);
    expect(over.body).toMatchObject({ code: 'payload_too_large' });
  });

  it('when metadata is 8 deep, 200 keys, 2000-char strings, then 200; one beyond each, then 422', async () => {
    const h = await logsHarness();
    const withMetadata = (metadata: Record<string, unknown>) => logBatch([logEntry({ context: { metadata } })]);
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 1; i < 8; i++) deep = { d: deep };
    const keys = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));
    expect((await post(h, device(), withMetadata(deep))).status).toBe(200);
    expect((await post(h, device(), withMetadata({ d: deep }))).status).toBe(422);
    expect((await post(h, device(), withMetadata(keys(200)))).status).toBe(200);
    expect((await post(h, device(), withMetadata(keys(201)))).status).toBe(422);
    expect((await post(h, device(), withMetadata({ s: 'x'.repeat(2000) }))).status).toBe(200);
    expect((await post(h, device(), withMetadata({ s: 'x'.repeat(2001) }))).status).toBe(422);
  });

  it('when the body is not JSON, then 415 or 400 and nothing is logged', async () => {
    const h = await logsHarness();
    expect((await request(h.app).post('/api/v1/logs').set(device()).set('Content-Type', 'text/plain').send('hi')).status).toBe(415);
    expect((await request(h.app).post('/api/v1/logs').set(device()).set('Content-Type', 'application/json').send('{nope')).status).toBe(400);
    expect(h.clientLog.lines).toHaveLength(0);
  });
});

describe('POST /api/v1/logs — records', () => {
  it('when entries carry secrets in context, metadata, message, session or device, then none reaches the log output', async () => {
    const h = await logsHarness();
    const secrets = ['hunter2', 'sk_live_123', 'abc.def.ghi-cookie', 'priv-key-material', 'session-cookie-value', JWT];
    const body = logBatch(
      [
        logEntry({
          message: `login failed with Bearer ${'q'.repeat(20)}`,
          context: {
            screen: 'Login',
            error: { code: 'E', stack: `Error at fetch(${JWT})` },
            metadata: { password: 'hunter2', nested: [{ API_KEY: 'sk_live_123' }], headers: { Cookie: 'abc.def.ghi-cookie', Authorization: `Bearer ${JWT}` }, private_key: 'priv-key-material', userSession: 'session-cookie-value' },
          },
        }),
        logEntry({ traceId: JWT, level: 'warn', message: 'ok' }),
      ],
      { sessionId: JWT, device: { model: JWT } },
    );
    const res = await post(h, { 'X-Device-Id': newDeviceId() }, body);
    expect(res.status).toBe(200);
    const output = h.clientLog.text;
    expect(output).toContain('[Filtered]');
    for (const secret of [...secrets, 'q'.repeat(20)]) expect(output).not.toContain(secret);
    expect(h.log.text).not.toContain('hunter2');
    expect(h.records()[0]).toMatchObject({ msg: '[CLIENT] [Filtered]', context: { screen: 'Login', error: { code: 'E', stack: '[Filtered]' } } });
  });

  it('when entries arrive at each level, then each is written at the same pino level with [CLIENT] and counted', async () => {
    const h = await logsHarness();
    const levels = ['debug', 'info', 'warn', 'error', 'fatal'] as const;
    const res = await post(h, { 'X-Device-Id': newDeviceId() }, logBatch([...levels.map((level) => logEntry({ level, message: `at ${level}` })), logEntry({ level: 'error' })]));
    expect(res.status).toBe(200);
    const written = h.records().map((r) => [r.level, r.msg]);
    expect(written).toEqual([
      [20, '[CLIENT] at debug'],
      [30, '[CLIENT] at info'],
      [40, '[CLIENT] at warn'],
      [50, '[CLIENT] at error'],
      [60, '[CLIENT] at fatal'],
      [50, '[CLIENT] Transaction failed'],
    ]);
    expect(h.metrics.value('client_log_entries_total', { level: 'error' })).toBe(2);
    expect(h.metrics.value('client_log_entries_total', { level: 'fatal' })).toBe(1);
  });

  it('when every record is written, then it carries source, both timestamps and the request fields', async () => {
    const h = await logsHarness({ LOGS_SOURCE: 'rumble-mobile' });
    await post(h, { 'X-Device-Id': newDeviceId() }, logBatch([logEntry()], { sessionId: 'sess_1', device: { platform: 'android', appVersion: '2.5.0' } }));
    expect(h.records()[0]).toMatchObject({
      source: 'rumble-mobile',
      sessionId: 'sess_1',
      clientTimestamp: 1736956780000,
      serverTimestamp: h.clock.now().getTime(),
      context: {},
      device: { platform: 'android', appVersion: '2.5.0' },
    });
  });

  it('when X-Trace-Id is sent, then it is echoed and used for entries without their own', async () => {
    const h = await logsHarness();
    const res = await post(h, { 'X-Device-Id': newDeviceId(), 'X-Trace-Id': 'app-7f3a9b2c' }, logBatch([logEntry(), logEntry({ traceId: 'tx_own' })]));
    expect(res.headers['x-trace-id']).toBe('app-7f3a9b2c');
    expect(h.records().map((r) => r.traceId)).toEqual(['app-7f3a9b2c', 'tx_own']);
  });

  it('when X-Trace-Id looks like a JWT, then a generated trace id replaces it, so the token reaches no record', async () => {
    const h = await logsHarness();
    const shortJwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXZhbHVl';
    const res = await post(h, { 'X-Device-Id': newDeviceId(), 'X-Trace-Id': shortJwt });
    expect(res.status).toBe(200);
    expect(res.headers['x-trace-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(h.records()[0]!.traceId).toBe(res.headers['x-trace-id']);
    expect(h.clientLog.text).not.toContain(shortJwt);
  });

  it('when no usable X-Trace-Id is sent, then one is generated, returned, and used, also on refusals', async () => {
    const h = await logsHarness();
    const res = await post(h, { 'X-Device-Id': newDeviceId() });
    expect(res.headers['x-trace-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(h.records()[0]!.traceId).toBe(res.headers['x-trace-id']);
    const refused = await post(h, { 'X-Trace-Id': 'x'.repeat(129) });
    expect(refused.status).toBe(401);
    expect(refused.headers['x-trace-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

class RecordingIntegrity implements AppIntegrity {
  readonly seen: IntegrityRequest[] = [];
  async validate(request: IntegrityRequest): Promise<void> {
    this.seen.push(request);
    if (request.headers['x-attestation'] !== 'genuine') throw new ForbiddenError('app integrity check failed', 'app_integrity_failed');
  }
}

describe('POST /api/v1/logs — app integrity and switches', () => {
  it('when integrity is enabled, then it checks unauthenticated traffic only', async () => {
    const integrity = new RecordingIntegrity();
    const h = await logsHarness({ LOGS_APP_INTEGRITY_ENABLED: 'true' }, { appIntegrity: integrity });
    expect((await post(h, { 'X-Device-Id': newDeviceId() })).status).toBe(403);
    expect((await post(h, { 'X-Device-Id': newDeviceId(), 'X-Attestation': 'genuine' })).status).toBe(200);
    expect((await post(h, { Authorization: `Bearer ${ALICE_TOKEN}` })).status).toBe(200);
    expect(integrity.seen).toHaveLength(2);
  });

  it('when integrity is disabled (the default), then the port is never called', async () => {
    const integrity = new RecordingIntegrity();
    const h = await logsHarness({}, { appIntegrity: integrity });
    expect((await post(h, { 'X-Device-Id': newDeviceId() })).status).toBe(200);
    expect(integrity.seen).toHaveLength(0);
  });

  it('when LOGS_ENABLED=false, then the route does not exist: 404', async () => {
    const h = await logsHarness({ LOGS_ENABLED: 'false' });
    const res = await post(h, { 'X-Device-Id': newDeviceId() });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ code: 'route_not_found' });
  });
});
