import { createHash, createHmac, hash } from 'node:crypto';

export const HLL_PRECISION = 14;
export const HLL_REGISTERS = 1 << HLL_PRECISION; // m = 16384
/** Bits of the digest that feed the rank: q = 64 − p, as Redis, so a register fits Redis's 6-bit dense encoding. */
export const HLL_RANK_BITS = 64 - HLL_PRECISION; // q = 50
export const HLL_MAX_RANK = HLL_RANK_BITS + 1; // 51

/** One sketch: m registers of one byte each, a register holding the largest rank seen at its index. */
export type Registers = Uint8Array;

export function emptyRegisters(): Registers {
  return new Uint8Array(HLL_REGISTERS);
}

/**
 * The element added to every device sketch: HMAC-SHA256(K_day, app_id ‖ 0x00 ‖ device_id).
 * The 0x00 separator keeps ("ab","c") and ("a","bc") apart; neither the id nor this digest is ever stored.
 */
export function deviceDigest(dayKey: Uint8Array | string, appId: string, deviceId: string): Buffer {
  return createHmac('sha256', dayKey).update(appId, 'utf8').update(Buffer.of(0)).update(deviceId, 'utf8').digest();
}

/**
 * deviceDigest for one day's key, with the key's padding done once (RFC 2104:
 * H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ m))) and two one-shot hashes per device, so the hot path creates
 * no Hmac object per beacon. Equal to deviceDigest for every input.
 */
export function deviceDigester(dayKey: Uint8Array | string): (appId: string, deviceId: string) => Buffer {
  const BLOCK = 64;
  let key = typeof dayKey === 'string' ? Buffer.from(dayKey, 'utf8') : Buffer.from(dayKey);
  if (key.length > BLOCK) key = createHash('sha256').update(key).digest();
  const inner = Buffer.alloc(BLOCK, 0x36);
  const outer = Buffer.alloc(BLOCK + 32, 0);
  outer.fill(0x5c, 0, BLOCK);
  for (let i = 0; i < key.length; i++) {
    inner[i] ^= key[i]!;
    outer[i] ^= key[i]!;
  }
  let scratch = Buffer.alloc(BLOCK + 512);
  inner.copy(scratch);
  return (appId, deviceId) => {
    const needed = BLOCK + Buffer.byteLength(appId, 'utf8') + 1 + Buffer.byteLength(deviceId, 'utf8');
    if (needed > scratch.length) {
      scratch = Buffer.alloc(needed);
      inner.copy(scratch);
    }
    let n = BLOCK + scratch.write(appId, BLOCK, 'utf8');
    scratch[n++] = 0;
    n += scratch.write(deviceId, n, 'utf8');
    hash('sha256', scratch.subarray(0, n), 'buffer').copy(outer, BLOCK);
    return hash('sha256', outer, 'buffer');
  };
}

/** The register index (first 14 bits) and rank (leading zeros of the next 50 bits + 1, capped at 51) of a digest. */
export function indexAndRank(digest: Uint8Array): { index: number; rank: number } {
  if (digest.length < 8) throw new Error('a HyperLogLog element needs at least 8 bytes of digest');
  const index = (digest[0]! << 6) | (digest[1]! >> 2);
  // The 50 bits after the index: 2 bits of byte 1, then bytes 2..7 (48 bits).
  const hi = ((digest[1]! & 0x03) << 16) | (digest[2]! << 8) | digest[3]!; // 18 bits
  const lo = ((digest[4]! << 24) | (digest[5]! << 16) | (digest[6]! << 8) | digest[7]!) >>> 0; // 32 bits
  let rank: number;
  if (hi !== 0) rank = Math.clz32(hi) - 14 + 1;
  else if (lo !== 0) rank = 18 + Math.clz32(lo) + 1;
  else rank = HLL_MAX_RANK;
  return { index, rank };
}

/** Adds one element (already a uniform digest) in place; returns whether a register changed. */
export function addDigest(registers: Registers, digest: Uint8Array): boolean {
  const { index, rank } = indexAndRank(digest);
  if (rank <= registers[index]!) return false;
  registers[index] = rank;
  return true;
}

/** Union in place: register-wise max. Returns `into`. */
export function mergeRegisters(into: Registers, from: Registers): Registers {
  for (let i = 0; i < HLL_REGISTERS; i++) if (from[i]! > into[i]!) into[i] = from[i]!;
  return into;
}

/** Union of any number of sketches, without touching them. */
export function mergedRegisters(...sketches: Registers[]): Registers {
  const out = emptyRegisters();
  for (const s of sketches) mergeRegisters(out, s);
  return out;
}

function sigma(x: number): number {
  if (x === 1) return Infinity;
  let y = 1;
  let z = x;
  let previous: number;
  do {
    x *= x;
    previous = z;
    z += x * y;
    y += y;
  } while (z !== previous);
  return z;
}

function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let y = 1;
  let z = 1 - x;
  let previous: number;
  do {
    x = Math.sqrt(x);
    previous = z;
    y *= 0.5;
    z -= (1 - x) * (1 - x) * y;
  } while (z !== previous);
  return z / 3;
}

/**
 * Distinct elements, by Ertl's improved raw estimator (O. Ertl, "New cardinality estimation algorithms
 * for HyperLogLog sketches", 2017, eq. 18 / Algorithm 6, as Redis's PFCOUNT since 5.0):
 *   n̂ = α∞ m² / ( m·σ(C₀/m) + Σ_{k=1..q} C_k 2^{-k} + m·τ(1 − C_{q+1}/m) 2^{-q} ),  α∞ = 1 / (2 ln 2),
 * with C_k the number of registers equal to k. σ is the small-range correction: while registers are
 * still empty the first term dominates and n̂ agrees with linear counting m·ln(m/C₀) to a fraction of a
 * device (checked in the tests), and τ corrects the top; so there are no bias tables and no switch-over
 * between estimators to be biased around 2.5m–5m.
 */
export function estimateCardinality(registers: Registers): number {
  const counts = new Array<number>(HLL_RANK_BITS + 2).fill(0);
  for (let i = 0; i < HLL_REGISTERS; i++) counts[registers[i]!]!++;
  return estimateFromHistogram(counts);
}

/** estimateCardinality from C_k, the number of registers equal to k (k = 0 … q + 1), in `counts`. */
export function estimateFromHistogram(counts: readonly number[]): number {
  const m = HLL_REGISTERS;
  const q = HLL_RANK_BITS;
  if (counts[0] === m) return 0;
  let z = m * tau(1 - counts[q + 1]! / m);
  for (let k = q; k >= 1; k--) z = 0.5 * (z + counts[k]!);
  z += m * sigma(counts[0]! / m);
  return (m / (2 * Math.LN2)) * (m / z);
}

/** The estimate rounded to a whole number of devices, as counts are shown. */
export function countDistinct(registers: Registers): number {
  return Math.round(estimateCardinality(registers));
}

const SPARSE = 0x01;
const DENSE = 0x02;

/**
 * Compact storage form. Tag byte 0x01 then (index u16 BE, rank u8) per non-zero register while that is
 * smaller than the registers themselves (up to 5,461 set), else tag 0x02 and the 16,384 raw bytes.
 * An empty sketch is the one byte 0x01.
 */
export function encodeRegisters(registers: Registers): Buffer {
  if (registers.length !== HLL_REGISTERS) throw new Error(`a sketch has ${HLL_REGISTERS} registers, got ${registers.length}`);
  let set = 0;
  for (let i = 0; i < HLL_REGISTERS; i++) if (registers[i] !== 0) set++;
  if (1 + 3 * set < 1 + HLL_REGISTERS) {
    const out = Buffer.allocUnsafe(1 + 3 * set);
    out[0] = SPARSE;
    let at = 1;
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const rank = registers[i]!;
      if (rank === 0) continue;
      out[at] = i >> 8;
      out[at + 1] = i & 0xff;
      out[at + 2] = rank;
      at += 3;
    }
    return out;
  }
  const out = Buffer.allocUnsafe(1 + HLL_REGISTERS);
  out[0] = DENSE;
  out.set(registers, 1);
  return out;
}

export function decodeRegisters(encoded: Uint8Array): Registers {
  const registers = emptyRegisters();
  if (encoded.length === 0) return registers;
  const tag = encoded[0];
  if (tag === DENSE) {
    if (encoded.length !== 1 + HLL_REGISTERS) throw new Error('a dense sketch must hold exactly 16384 registers');
    registers.set(encoded.subarray(1));
  } else if (tag === SPARSE) {
    if ((encoded.length - 1) % 3 !== 0) throw new Error('a sparse sketch is a list of 3-byte (index, rank) pairs');
    for (let at = 1; at < encoded.length; at += 3) {
      const index = (encoded[at]! << 8) | encoded[at + 1]!;
      if (index >= HLL_REGISTERS) throw new Error('a sparse sketch index is out of range');
      registers[index] = Math.max(registers[index]!, encoded[at + 2]!);
    }
  } else throw new Error('unknown sketch encoding');
  for (let i = 0; i < HLL_REGISTERS; i++) if (registers[i]! > HLL_MAX_RANK) throw new Error('a sketch register is out of range');
  return registers;
}

/** The storage form as base64 text, for stores that keep strings. */
export function encodeRegistersBase64(registers: Registers): string {
  return encodeRegisters(registers).toString('base64');
}

export function decodeRegistersBase64(text: string): Registers {
  return decodeRegisters(Buffer.from(text, 'base64'));
}
