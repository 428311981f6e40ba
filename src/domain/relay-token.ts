import { createHash, timingSafeEqual } from 'node:crypto';

// A relay token authenticates a server that sends beacons in batches (POST /telemetry/beacons) for
// one app: `rlt_<id>_<secret>`, the id (24 hex) naming its record, the secret 64 hex digits from
// crypto.randomBytes. Only SHA-256 of the whole token is stored: for a 256-bit random secret a slow
// hash adds nothing, and a lookup by id means one digest per request, never one per stored token.

export const RELAY_TOKEN_PREFIX = 'rlt_';
const TOKEN = /^rlt_([0-9a-f]{24})_[0-9a-f]{64}$/;

export const MAX_RELAY_TOKENS_PER_APP = 20;
export const RELAY_TOKEN_NAME_MAX_LENGTH = 100;

/** The token an admin is shown once; `id` is 12 random bytes in hex, `secret` 32. */
export const relayToken = (id: string, secret: string) => `${RELAY_TOKEN_PREFIX}${id}_${secret}`;

/** The record id a well-formed token names, or null: a malformed token costs a regex, no lookup or hash. */
export function relayTokenId(token: string): string | null {
  const match = TOKEN.exec(token);
  return match ? match[1]! : null;
}

/** Hex SHA-256 of the whole token, what the store keeps. */
export const relayTokenDigest = (token: string): string => createHash('sha256').update(token).digest('hex');

/** Whether `token` is the one `digest` was made from, compared in constant time. */
export function relayTokenMatches(token: string, digest: string): boolean {
  const presented = createHash('sha256').update(token).digest();
  const stored = Buffer.from(digest, 'hex');
  return stored.length === presented.length && timingSafeEqual(presented, stored);
}

/** How a listed token is recognised without its secret: `rlt_<id>_…` and its last four characters. */
export const relayTokenHint = (id: string, lastFour: string) => `${RELAY_TOKEN_PREFIX}${id}_…${lastFour}`;

/** A label is 1 to 100 characters with something other than spaces, kept as given but trimmed. */
export function relayTokenName(raw: string): string | null {
  const name = raw.trim();
  return name.length > 0 && name.length <= RELAY_TOKEN_NAME_MAX_LENGTH && !/[\u0000-\u001f\u007f]/.test(name) ? name : null;
}
