import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { PasswordHash, PasswordHasher } from '../../ports/password-hasher';

export interface ScryptCost {
  /** CPU/memory cost, a power of two. */
  N: number;
  r: number;
  p: number;
}

// OWASP's scrypt floor is N=2^17,r=8,p=1; 2^15 keeps a login near 50 ms on small machines while
// still costing 32 MiB per guess. The cost is stored with each hash, so raising it later only
// affects new hashes and old ones keep verifying.
export const DEFAULT_SCRYPT_COST: ScryptCost = { N: 2 ** 15, r: 8, p: 1 };
const KEY_LENGTH = 64;
const SALT_BYTES = 16;
// A stored hash is data: refuse costs that would let a tampered row burn memory or CPU.
const MAX_N = 2 ** 20;
const MAX_RP = 64;

function derive(password: string, salt: Buffer, cost: ScryptCost): Promise<Buffer> {
  const options: ScryptOptions = { N: cost.N, r: cost.r, p: cost.p, maxmem: 256 * cost.N * cost.r + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, KEY_LENGTH, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/** Hashes are stored as `scrypt$N$r$p$<base64 key>`, salts as base64. */
export class ScryptPasswordHasher implements PasswordHasher {
  constructor(private readonly cost: ScryptCost = DEFAULT_SCRYPT_COST) {}

  async hash(password: string): Promise<PasswordHash> {
    const salt = randomBytes(SALT_BYTES);
    const key = await derive(password, salt, this.cost);
    const { N, r, p } = this.cost;
    return { hash: `scrypt$${N}$${r}$${p}$${key.toString('base64')}`, salt: salt.toString('base64') };
  }

  async verify(password: string, hash: string, salt: string): Promise<boolean> {
    const parsed = parse(hash);
    if (parsed === null || salt === '') return false;
    const candidate = await derive(password, Buffer.from(salt, 'base64'), parsed.cost);
    return candidate.length === parsed.key.length && timingSafeEqual(candidate, parsed.key);
  }
}

function parse(hash: string): { cost: ScryptCost; key: Buffer } | null {
  const match = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9+/]+={0,2})$/.exec(hash);
  if (!match) return null;
  const [N, r, p] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (N < 2 || N > MAX_N || (N & (N - 1)) !== 0 || r < 1 || r > MAX_RP || p < 1 || p > MAX_RP) return null;
  const key = Buffer.from(match[4]!, 'base64');
  return key.length === KEY_LENGTH ? { cost: { N, r, p }, key } : null;
}
