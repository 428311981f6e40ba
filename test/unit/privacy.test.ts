import { compileScrubber, FILTERED, looksLikeSecret, pseudonym } from '../../src/domain/privacy';

const DEFAULT_KEYS = ['password', 'passwd', 'secret', 'token', 'api_key', 'apikey', 'authorization', 'cookie', 'session', 'private_key'];
const scrub = compileScrubber(DEFAULT_KEYS);
const JWT = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';

describe('privacy filter', () => {
  it('when a key is on the list, in any case and nested anywhere, then its value is filtered', () => {
    const out = scrub({
      Password: 'hunter2',
      nested: { deeper: [{ API_KEY: 'k-1', ok: 'visible' }], Cookie: { a: 1 } },
      list: [[{ private_key: '-----BEGIN' }]],
    });
    expect(out).toEqual({
      Password: FILTERED,
      nested: { deeper: [{ API_KEY: FILTERED, ok: 'visible' }], Cookie: FILTERED },
      list: [[{ private_key: FILTERED }]],
    });
  });

  it('when a key contains a listed word, ignoring - and _, then its value is filtered too', () => {
    const out = scrub({ userPassword: 'a', 'X-Api-Key': 'b', refresh_token: 'c', privateKey: 'd', screen: 'Send' });
    expect(out).toEqual({ userPassword: FILTERED, 'X-Api-Key': FILTERED, refresh_token: FILTERED, privateKey: FILTERED, screen: 'Send' });
  });

  it('when a string holds a bearer token or a JWT under any key, then the whole string is filtered', () => {
    const out = scrub({ header: 'Bearer abcdefghijklmnop0123', url: `https://x.test/cb?t=${JWT}`, note: 'bearer of bad news', plain: 'hello' });
    expect(out).toEqual({ header: FILTERED, url: FILTERED, note: 'bearer of bad news', plain: 'hello' });
    expect(scrub(JWT)).toBe(FILTERED);
    expect(looksLikeSecret('eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.')).toBe(true);
  });

  it('when scrubbing, then the input is left untouched and the output shares no container with it', () => {
    const input = { password: 'x', inner: { token: 'y', list: [1, { secret: 'z' }] } };
    const snapshot = structuredClone(input);
    const out = scrub(input) as typeof input;
    expect(input).toEqual(snapshot);
    expect(out.inner).not.toBe(input.inner);
    expect(out.inner.list).not.toBe(input.inner.list);
  });

  it('when keys such as __proto__, constructor and prototype arrive, then they stay plain data and no prototype changes', () => {
    const input = JSON.parse('{"__proto__":{"polluted":true,"password":"p"},"constructor":{"prototype":{"polluted":true}},"prototype":1}');
    const out = scrub(input) as Record<string, unknown>;
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.hasOwn(out, '__proto__')).toBe(true);
    expect(Object.getOwnPropertyDescriptor(out, '__proto__')!.value).toEqual({ polluted: true, password: FILTERED });
    expect(JSON.parse(JSON.stringify(out))).toEqual(JSON.parse('{"__proto__":{"polluted":true,"password":"[Filtered]"},"constructor":{"prototype":{"polluted":true}},"prototype":1}'));
  });

  it('when the list is configured, then only its keys are filtered', () => {
    const custom = compileScrubber(['pin']);
    expect(custom({ PIN: '1234', password: 'kept' })).toEqual({ PIN: FILTERED, password: 'kept' });
    expect(compileScrubber([])({ password: 'kept', jwt: JWT })).toEqual({ password: 'kept', jwt: FILTERED });
  });

  it('when a list key holds regex characters, then they match literally', () => {
    expect(compileScrubber(['a.b'])({ 'a.b': 1, axb: 2 })).toEqual({ 'a.b': FILTERED, axb: 2 });
  });

  it('when primitives and nulls pass through, then they come back as they were', () => {
    expect(scrub({ n: 1, b: false, z: null, s: 'x' })).toEqual({ n: 1, b: false, z: null, s: 'x' });
    expect(scrub(42)).toBe(42);
    expect(scrub(null)).toBeNull();
  });

  it('when nesting is hostile or cyclic, then recursion stops with a filtered value', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(() => scrub(cyclic)).not.toThrow();
  });

  // How long this takes is measured by `npm run bench` (bench/logs.ts, docs/benchmarks.md), not here.
  it('when the input is large, then every secret is filtered', () => {
    const entries = Array.from({ length: 20_000 }, (_, i) => ({ id: i, screen: `S${i}`, password: `pw-${i}`, tags: ['a', 'b', `Bearer abcdefghijklmnopq${i}`] }));
    const out = scrub({ entries }) as { entries: typeof entries };
    expect(out.entries).toHaveLength(20_000);
    expect(JSON.stringify(out)).not.toMatch(/pw-\d|abcdefghijklmnopq\d/);
    expect(out.entries[19_999]).toEqual({ id: 19_999, screen: 'S19999', password: FILTERED, tags: ['a', 'b', FILTERED] });
  });
});

describe('secrets used as keys', () => {
  it('when a metadata key is itself a JWT or bearer token, then the key is renamed and the value kept', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl';
    const scrub = compileScrubber(['password']);
    const out = scrub({ metadata: { [jwt]: 'v1', [`Bearer ${'a'.repeat(20)}`]: 'v2', plain: 'v3' } }) as { metadata: Record<string, unknown> };
    expect(JSON.stringify(out)).not.toContain(jwt);
    expect(JSON.stringify(out)).not.toContain('a'.repeat(20));
    expect(Object.values(out.metadata).sort()).toEqual(['v1', 'v2', 'v3']);
  });
});

describe('pseudonym', () => {
  it('is stable, short and does not contain its input', () => {
    const id = '550e8400-e29b-41d4-a716-446655440000';
    expect(pseudonym(id)).toBe(pseudonym(id));
    expect(pseudonym(id)).not.toBe(pseudonym(`${id}x`));
    expect(pseudonym(id)).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(pseudonym(id)).not.toContain(id.slice(0, 8));
  });
});
