import { MemoryRateLimiter } from '../../src/adapters/memory/memory-rate-limiter';
import { ManualClock } from '../../src/adapters/memory/system-clock';
import { checkDeviceId, DEVICE_ID_RULE, deviceIdFromHeader } from '../../src/domain/device-id';
import { deviceDigest, deviceDigester } from '../../src/domain/hyperloglog';
import { ingestTwicePerDevice, keyHostileDeviceIds } from '../fixtures/device-id-dedup';
import { asHeader, DEVICE_ID_SHAPES } from '../fixtures/reports';

describe('device ids', () => {
  it('the rule names its bounds', () => {
    expect(DEVICE_ID_RULE).toBe('a device id is 1 to 256 bytes of UTF-8 after trimming whitespace');
  });

  it.each(Object.entries(DEVICE_ID_SHAPES))('when the id is %s, then it is taken as is, from JSON or from a header carrying its UTF-8 bytes', (_shape, id) => {
    expect(checkDeviceId(id)).toEqual({ ok: true, id });
    expect(deviceIdFromHeader(asHeader(id))).toEqual({ ok: true, id });
  });

  it('when the id has surrounding whitespace, then it is trimmed; when nothing else is left, it is missing', () => {
    expect(checkDeviceId('\t a b \u00a0')).toEqual({ ok: true, id: 'a b' });
    expect(deviceIdFromHeader(asHeader('\u3000a b\u00a0'))).toEqual({ ok: true, id: 'a b' });
    for (const blank of ['', ' ', '\t\u00a0\u3000']) {
      expect(checkDeviceId(blank)).toEqual({ ok: false, code: 'missing_device_id' });
      expect(deviceIdFromHeader(asHeader(blank))).toEqual({ ok: false, code: 'missing_device_id' });
    }
    expect(deviceIdFromHeader(undefined)).toEqual({ ok: false, code: 'missing_device_id' });
    expect(checkDeviceId(undefined)).toEqual({ ok: false, code: 'missing_device_id' });
    expect(checkDeviceId(null)).toEqual({ ok: false, code: 'missing_device_id' });
  });

  it('when the id is longer than 256 bytes of UTF-8, then it is invalid, whatever its length in characters', () => {
    for (const [id, ok] of [
      ['x'.repeat(256), true],
      ['x'.repeat(257), false],
      ['é'.repeat(128), true],
      [`${'é'.repeat(128)}x`, false],
      ['東'.repeat(85), true],
      ['東'.repeat(86), false],
      [`${'x'.repeat(256)}   `, true],
    ] as const) {
      expect(checkDeviceId(id).ok).toBe(ok);
      expect(deviceIdFromHeader(asHeader(id)).ok).toBe(ok);
    }
    expect(checkDeviceId(42)).toEqual({ ok: false, code: 'invalid_device_id' });
  });

  it('when a header is not UTF-8, then its bytes are read as Latin-1, as fetch() sends U+0080..U+00FF', () => {
    expect(deviceIdFromHeader('jos\u00e9')).toEqual({ ok: true, id: 'josé' });
    expect(deviceIdFromHeader(asHeader('josé'))).toEqual({ ok: true, id: 'josé' });
    expect(deviceIdFromHeader('\u00ff'.repeat(129))).toEqual({ ok: false, code: 'invalid_device_id' });
  });

  it('when ids with braces, spaces, non-ASCII or 256 bytes report twice through the memory limiter, then each repeat hits its own dedup', async () => {
    const ids = keyHostileDeviceIds();
    const { first, repeat } = await ingestTwicePerDevice(new MemoryRateLimiter(new ManualClock()), ids);
    expect(first).toEqual(ids.map(() => 'accepted'));
    expect(repeat).toEqual(ids.map(() => 'limited:device'));
  });

  it('the sketch digest of any id is the HMAC of its UTF-8 bytes, in the fast digester too, and distinct ids stay distinct', () => {
    const key = Buffer.alloc(32, 7);
    const digest = deviceDigester(key);
    const ids = keyHostileDeviceIds();
    const seen = new Set<string>();
    for (const id of ids) {
      expect(digest('app-1', id).equals(deviceDigest(key, 'app-1', id))).toBe(true);
      seen.add(digest('app-1', id).toString('hex'));
    }
    expect(seen.size).toBe(ids.length);
  });
});
