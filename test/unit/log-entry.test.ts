import { SchemaViolationError } from '../../src/domain/errors';
import { compileLogBatchParser, enrich, enrichContext, LOG_STRING_LIMITS, LOG_TIMESTAMP_RANGE, METADATA_LIMITS, requireDeviceId } from '../../src/domain/log-entry';
import { compileScrubber, FILTERED } from '../../src/domain/privacy';
import { AuthenticationError, ValidationError } from '../../src/domain/errors';
import { logBatch, logEntry } from '../fixtures/logs';

const parse = compileLogBatchParser({ maxBatch: 100, maxMessageLength: 2000, maxStackLength: 5000 });

function violation(body: unknown): SchemaViolationError {
  try {
    parse(body);
  } catch (error) {
    if (error instanceof SchemaViolationError) return error;
    throw error;
  }
  throw new Error('expected a schema violation');
}

/** The failing paths without the rule each names, for tests about which paths fail. */
const failing = (body: unknown) => violation(body).paths.map((path) => path.replace(/ \(.*\)$/, ''));

/** Metadata nested `levels` containers deep, counting metadata itself as level 1. */
function nested(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: 'x' };
  for (let i = 1; i < levels; i++) value = { down: value };
  return value;
}

describe('client log batch schema (seed §4, defaults)', () => {
  it('when the seed example arrives, then it parses', () => {
    const body = {
      logs: [{ level: 'error', message: 'Transaction failed', timestamp: 1736956780000, traceId: 'tx_7f3a9b2c', context: { screen: 'SendScreen', action: 'submitTransaction', error: { code: 'X', stack: 'Error: …' }, metadata: { key: 'value' } } }],
      device: { platform: 'ios', osVersion: '17.2', model: 'iPhone 15 Pro', appVersion: '2.5.0' },
      sessionId: 'sess_xyz789',
    };
    expect(parse(body)).toEqual(body);
  });

  it.each([
    ['logs', 100, 101, (n: number) => logBatch(Array.from({ length: n }, () => logEntry()))],
    ['message', 2000, 2001, (n: number) => logBatch([logEntry({ message: 'm'.repeat(n) })])],
    ['stack', 5000, 5001, (n: number) => logBatch([logEntry({ context: { error: { stack: 's'.repeat(n) } } })])],
  ])('when %s is exactly at its limit (%i), then it passes; one over, then 422', (_name, at, over, make) => {
    expect(() => parse(make(at))).not.toThrow();
    expect(() => parse(make(over))).toThrow(SchemaViolationError);
  });

  it('when required fields are missing, then every failing path is listed', () => {
    expect(failing({ logs: [{ level: 'error' }] })).toEqual(expect.arrayContaining(['logs.0.message', 'logs.0.timestamp']));
    expect(failing({})).toEqual(['logs']);
    expect(failing({ logs: [] })).toEqual(['logs']);
  });

  it.each([
    ['the body', { ...logBatch(), extra: 1 }, 'extra'],
    ['an entry', logBatch([{ ...logEntry(), extra: 1 } as never]), 'logs.0.extra'],
    ['context', logBatch([logEntry({ context: { extra: 1 } as never })]), 'logs.0.context.extra'],
    ['context.error', logBatch([logEntry({ context: { error: { extra: 1 } as never } })]), 'logs.0.context.error.extra'],
    ['device', logBatch(undefined, { device: { extra: 1 } }), 'device.extra'],
  ])('when %s has an unknown property, then 422 names it', (_where, body, path) => {
    expect(failing(body)).toContain(path);
  });

  it('when a path fails, then it is listed with the rule it breaks', () => {
    const body = { logs: [{ ...logEntry({ level: 'trace' as never, message: '', timestamp: 1736956780 }), extra: 1 }], device: { platform: 'symbian' } };
    expect(violation(body).paths).toEqual([
      'logs.0.extra (unknown field)',
      'logs.0.level (must be one of debug, info, warn, error, fatal)',
      'logs.0.message (must be a string of 1 to 2000 characters)',
      'logs.0.timestamp (must be a whole number of milliseconds since 1970, from 2000-01-01 to 2100-01-01 UTC)',
      'device.platform (must be one of ios, android, windows, macos, linux, web)',
    ]);
    expect(violation({ logs: [{ level: 'error' }] }).paths).toEqual(['logs.0.message (required)', 'logs.0.timestamp (required)']);
    expect(violation({ logs: [] }).paths).toEqual(['logs (must be a list of 1 to 100 items)']);
  });

  it('when levels, platforms, timestamps or optional fields have the wrong value, then 422', () => {
    expect(failing(logBatch([logEntry({ level: 'trace' as never })]))).toEqual(['logs.0.level']);
    expect(failing(logBatch(undefined, { device: { platform: 'symbian' } }))).toEqual(['device.platform']);
    expect(failing(logBatch([logEntry({ timestamp: 1.5 })]))).toEqual(['logs.0.timestamp']);
    expect(failing(logBatch([logEntry({ message: '' })]))).toEqual(['logs.0.message']);
    expect(failing(logBatch(undefined, { sessionId: '' }))).toEqual(['sessionId']);
    expect(failing(logBatch(undefined, { sessionId: null }))).toEqual(['sessionId']);
    expect(failing(logBatch([logEntry({ traceId: null as never })]))).toEqual(['logs.0.traceId']);
  });

  it.each([
    ['logs.0.traceId', LOG_STRING_LIMITS.traceId, (v: string) => logBatch([logEntry({ traceId: v })])],
    ['logs.0.context.screen', LOG_STRING_LIMITS.screen, (v: string) => logBatch([logEntry({ context: { screen: v } })])],
    ['logs.0.context.action', LOG_STRING_LIMITS.action, (v: string) => logBatch([logEntry({ context: { action: v } })])],
    ['logs.0.context.error.code', LOG_STRING_LIMITS.errorCode, (v: string) => logBatch([logEntry({ context: { error: { code: v } } })])],
    ['device.osVersion', LOG_STRING_LIMITS.osVersion, (v: string) => logBatch(undefined, { device: { osVersion: v } })],
    ['device.model', LOG_STRING_LIMITS.model, (v: string) => logBatch(undefined, { device: { model: v } })],
    ['device.appVersion', LOG_STRING_LIMITS.appVersion, (v: string) => logBatch(undefined, { device: { appVersion: v } })],
    ['sessionId', LOG_STRING_LIMITS.sessionId, (v: string) => logBatch(undefined, { sessionId: v })],
  ])('when %s is exactly %i characters, then it passes; one more, then 422 names it', (path, at, make) => {
    expect(() => parse(make('x'.repeat(at)))).not.toThrow();
    expect(failing(make('x'.repeat(at + 1)))).toEqual([path]);
  });

  it('when a timestamp lies outside 2000-01-01..2100-01-01 UTC (in ms), then 422; the bounds themselves pass', () => {
    expect(LOG_TIMESTAMP_RANGE).toEqual({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2100, 0, 1) });
    for (const timestamp of [LOG_TIMESTAMP_RANGE.min, LOG_TIMESTAMP_RANGE.max]) expect(() => parse(logBatch([logEntry({ timestamp })]))).not.toThrow();
    for (const timestamp of [1e300, LOG_TIMESTAMP_RANGE.max + 1, LOG_TIMESTAMP_RANGE.min - 1, 1736956780, -1]) {
      expect(failing(logBatch([logEntry({ timestamp })]))).toEqual(['logs.0.timestamp']);
    }
  });

  it('when every level of the seed is used, then each parses', () => {
    expect(() => parse(logBatch(['debug', 'info', 'warn', 'error', 'fatal'].map((level) => logEntry({ level: level as never }))))).not.toThrow();
  });
});

describe('metadata bounds', () => {
  const withMetadata = (metadata: Record<string, unknown>) => logBatch([logEntry({ context: { metadata } })]);

  it('when metadata is exactly 8 deep, then it passes; 9 deep, then 422', () => {
    expect(METADATA_LIMITS.maxDepth).toBe(8);
    expect(() => parse(withMetadata(nested(8)))).not.toThrow();
    expect(violation(withMetadata(nested(9))).paths[0]).toMatch(/^logs\.0\.context\.metadata(\.down)+ \(deeper than 8\)$/);
  });

  it('when metadata holds exactly 200 keys in all, then it passes; 201, then 422', () => {
    const flat = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));
    expect(() => parse(withMetadata(flat(200)))).not.toThrow();
    expect(violation(withMetadata(flat(201))).paths).toEqual(['logs.0.context.metadata (more than 200 keys)']);
    const spread = { a: flat(100), b: flat(98) };
    expect(() => parse(withMetadata(spread))).not.toThrow();
    expect(() => parse(withMetadata({ ...spread, c: 1 }))).toThrow(SchemaViolationError);
    expect(() => parse(withMetadata({ list: Array.from({ length: 200 }, () => 1) }))).toThrow(SchemaViolationError);
  });

  it('when a metadata string is exactly 2000 characters, then it passes; 2001, then 422', () => {
    expect(() => parse(withMetadata({ deep: { s: 'x'.repeat(2000) } }))).not.toThrow();
    expect(violation(withMetadata({ deep: { s: 'x'.repeat(2001) } })).paths).toEqual(['logs.0.context.metadata.deep.s (string longer than 2000)']);
    expect(() => parse(withMetadata({ list: ['x'.repeat(2001)] }))).toThrow(SchemaViolationError);
  });

  it('when several entries break bounds, then each is listed', () => {
    const body = logBatch([logEntry({ context: { metadata: nested(9) } }), logEntry(), logEntry({ context: { metadata: { s: 'x'.repeat(2001) } } })]);
    const paths = violation(body).paths;
    expect(paths).toHaveLength(2);
    expect(paths[1]).toBe('logs.2.context.metadata.s (string longer than 2000)');
  });

  it('when metadata uses __proto__ and constructor keys, then they are data and nothing is polluted', () => {
    const body = JSON.parse('{"logs":[{"level":"info","message":"m","timestamp":1736956780000,"context":{"metadata":{"__proto__":{"isAdmin":true},"constructor":{"prototype":{"isAdmin":true}}}}}]}');
    const parsed = parse(body);
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    expect(Object.keys(parsed.logs[0]!.context!.metadata!)).toEqual(['__proto__', 'constructor']);
  });
});

describe('guard rules', () => {
  it('when the device id is missing, then 401 Device ID required; malformed, then 400 Invalid device ID format', () => {
    expect(() => requireDeviceId(undefined)).toThrow(new AuthenticationError('Device ID required'));
    expect(() => requireDeviceId('  ')).toThrow(AuthenticationError);
    expect(() => requireDeviceId('not-a-uuid')).toThrow(new ValidationError('Invalid device ID format'));
    // v1 UUID: the seed's regex wants version 4 and the RFC variant.
    expect(() => requireDeviceId('550e8400-e29b-11d4-a716-446655440000')).toThrow(ValidationError);
    expect(requireDeviceId('550E8400-E29B-41D4-A716-446655440000')).toBe('550E8400-E29B-41D4-A716-446655440000');
  });
});

describe('enrich (seed §7)', () => {
  const scrub = compileScrubber(['password', 'token']);
  const base = {
    caller: { authMode: 'unauthenticated' as const, userId: null, deviceId: '550e8400-e29b-41d4-a716-446655440000' },
    source: 'rumble-mobile',
    requestTraceId: 'req-trace',
    serverTimestamp: 1768478400000,
    scrub,
  };

  it('when an entry has its own trace id and context, then the record carries them, scrubbed, with the batch fields', () => {
    const batch = parse(logBatch([logEntry({ traceId: 'tx_1', context: { screen: 'S', metadata: { password: 'p', n: 1 } } })], { sessionId: 'sess_1', device: { platform: 'ios' } }));
    const record = enrich(batch.logs[0]!, enrichContext(batch, base));
    expect(record).toEqual({
      source: 'rumble-mobile',
      authMode: 'unauthenticated',
      userId: null,
      deviceId: '550e8400-e29b-41d4-a716-446655440000',
      sessionId: 'sess_1',
      traceId: 'tx_1',
      clientTimestamp: 1736956780000,
      serverTimestamp: 1768478400000,
      context: { screen: 'S', metadata: { password: FILTERED, n: 1 } },
      device: { platform: 'ios' },
    });
    expect(batch.logs[0]!.context!.metadata!.password).toBe('p');
  });

  it('when an entry has no trace id, context, session or device, then the request trace id and empty objects fill in', () => {
    const batch = parse(logBatch());
    const record = enrich(batch.logs[0]!, enrichContext(batch, base));
    expect(record).toMatchObject({ traceId: 'req-trace', sessionId: null, context: {}, device: {} });
  });
});
