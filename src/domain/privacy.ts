import { createHash } from 'node:crypto';

export const FILTERED = '[Filtered]';

/** Copies a value with its secrets replaced by FILTERED; the input is never changed. */
export type Scrubber = (value: unknown) => unknown;

// A bearer credential (RFC 6750 b64token) or a JWT anywhere in a string filters the whole string:
// cutting out only the token would keep whatever the client put around it, such as a signed URL.
// The 16-character floor keeps prose such as "bearer of bad news" readable.
const BEARER = /\bbearer\s+[A-Za-z0-9\-._~+/]{16,}=*/i;
const JWT = /eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/;

// Nesting beyond this is hostile or cyclic; the schema already bounds client metadata far below it.
const MAX_DEPTH = 64;

/**
 * A stable stand-in for an identifier that must not be stored as such (a device id or IP in a
 * rate-limit key): equal inputs give equal outputs, and the input can't be read back.
 */
export function pseudonym(value: string): string {
  return createHash('sha256').update(value).digest('base64url').slice(0, 22);
}

export function looksLikeSecret(text: string): boolean {
  return JWT.test(text) || BEARER.test(text);
}

/**
 * Keys match case-insensitively anywhere in the key, ignoring '-' and '_', so `password` also
 * catches `userPassword` and `api_key` catches `X-Api-Key`. The list compiles into one regex:
 * testing a key allocates nothing, unlike lower-casing it.
 */
export function compileScrubber(keys: readonly string[]): Scrubber {
  const sensitiveKey = keyPattern(keys);

  const scrub = (value: unknown, depth: number): unknown => {
    if (typeof value === 'string') return looksLikeSecret(value) ? FILTERED : value;
    if (value === null || typeof value !== 'object') return value;
    if (depth >= MAX_DEPTH) return FILTERED;
    if (Array.isArray(value)) {
      const out = new Array<unknown>(value.length);
      for (let i = 0; i < value.length; i++) out[i] = scrub(value[i], depth + 1);
      return out;
    }
    const out: Record<string, unknown> = {};
    let filteredKeys = 0;
    for (const key in value) {
      if (!Object.hasOwn(value, key)) continue;
      const inner = (value as Record<string, unknown>)[key];
      // A key can be a secret too (a token used as a map key); it is renamed, numbered so that
      // two such keys don't overwrite each other.
      const name = looksLikeSecret(key) ? `${FILTERED}${filteredKeys++ === 0 ? '' : filteredKeys}` : key;
      put(out, name, sensitiveKey !== null && sensitiveKey.test(key) ? FILTERED : scrub(inner, depth + 1));
    }
    return out;
  };

  return (value) => scrub(value, 0);
}

/** `__proto__` from JSON.parse is an own data property; plain assignment would set the prototype instead. */
function put(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

function keyPattern(keys: readonly string[]): RegExp | null {
  const parts = keys
    .map((key) => key.replace(/[-_]/g, ''))
    .filter((key) => key.length > 0)
    .map((key) => [...key].map((c) => c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[-_]?'));
  return parts.length === 0 ? null : new RegExp(parts.join('|'), 'i');
}
