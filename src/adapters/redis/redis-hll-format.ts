import { HLL_MAX_RANK, HLL_REGISTERS, emptyRegisters, type Registers } from '../../domain/hyperloglog';

// Redis's own HyperLogLog string (src/hyperloglog.c): a 16-byte header "HYLL", encoding byte
// (0 dense, 1 sparse), 3 unused bytes, 8 bytes of cached cardinality whose top bit marks it stale;
// then either 16384 six-bit registers packed little-endian, or the sparse opcodes ZERO (00xxxxxx),
// XZERO (01xxxxxx yyyyyyyy) and VAL (1vvvvvxx). Our sketches use the same precision (14) and rank
// width (50 bits, ranks ≤ 51 fit six bits), so our registers *are* a Redis HyperLogLog: written
// in this form, PFMERGE, PFCOUNT and Redis's own sparse→dense promotion work on them natively.

const HEADER = 16;
const DENSE = 0;
const SPARSE = 1;
const DENSE_BYTES = HEADER + (HLL_REGISTERS * 6) / 8;
/** Redis's default hll-sparse-max-bytes: beyond it Redis would promote to dense anyway. */
const SPARSE_MAX_BYTES = 3000;
const SPARSE_MAX_VALUE = 32;

function header(encoding: number, length: number): Buffer {
  const out = Buffer.alloc(length);
  out.write('HYLL', 0, 'latin1');
  out[4] = encoding;
  out[15] = 0x80; // cached cardinality invalid: PFCOUNT recomputes
  return out;
}

export function toRedisHll(registers: Registers): Buffer {
  return toSparse(registers) ?? toDense(registers);
}

function toDense(registers: Registers): Buffer {
  // One spare byte, as Redis's sds terminator, so the last register's two-byte write stays in bounds.
  const out = header(DENSE, DENSE_BYTES + 1);
  for (let i = 0; i < HLL_REGISTERS; i++) {
    const value = registers[i]!;
    if (value === 0) continue;
    const byte = HEADER + ((i * 6) >> 3);
    const shift = (i * 6) & 7;
    out[byte] |= (value << shift) & 0xff;
    out[byte + 1] |= value >> (8 - shift);
  }
  return out.subarray(0, DENSE_BYTES);
}

function toSparse(registers: Registers): Buffer | null {
  const ops: number[] = [];
  let i = 0;
  while (i < HLL_REGISTERS) {
    const value = registers[i]!;
    let run = 1;
    while (i + run < HLL_REGISTERS && registers[i + run] === value) run++;
    i += run;
    if (value === 0) {
      while (run > 0) {
        const n = Math.min(run, 16384);
        if (n > 64) ops.push(0x40 | ((n - 1) >> 8), (n - 1) & 0xff);
        else ops.push(n - 1);
        run -= n;
      }
    } else {
      if (value > SPARSE_MAX_VALUE) return null;
      while (run > 0) {
        const n = Math.min(run, 4);
        ops.push(0x80 | ((value - 1) << 2) | (n - 1));
        run -= n;
      }
    }
    if (HEADER + ops.length > SPARSE_MAX_BYTES) return null;
  }
  const out = header(SPARSE, HEADER + ops.length);
  out.set(ops, HEADER);
  return out;
}

export function fromRedisHll(value: Buffer): Registers {
  if (value.length < HEADER || value.toString('latin1', 0, 4) !== 'HYLL') throw new Error('not a Redis HyperLogLog');
  const registers = emptyRegisters();
  if (value[4] === DENSE) {
    if (value.length !== DENSE_BYTES) throw new Error('a dense Redis HyperLogLog has 12304 bytes');
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const byte = HEADER + ((i * 6) >> 3);
      const shift = (i * 6) & 7;
      const next = byte + 1 < value.length ? value[byte + 1]! : 0;
      registers[i] = ((value[byte]! >> shift) | (next << (8 - shift))) & 63;
    }
  } else if (value[4] === SPARSE) {
    let at = HEADER;
    let index = 0;
    while (at < value.length) {
      const op = value[at]!;
      if ((op & 0xc0) === 0) {
        index += (op & 0x3f) + 1;
        at++;
      } else if ((op & 0xc0) === 0x40) {
        index += (((op & 0x3f) << 8) | value[at + 1]!) + 1;
        at += 2;
      } else {
        const v = ((op >> 2) & 0x1f) + 1;
        const n = (op & 0x03) + 1;
        if (index + n > HLL_REGISTERS) break;
        registers.fill(v, index, index + n);
        index += n;
        at++;
      }
    }
    if (index !== HLL_REGISTERS) throw new Error('a sparse Redis HyperLogLog must cover 16384 registers');
  } else throw new Error('unknown Redis HyperLogLog encoding');
  for (let i = 0; i < HLL_REGISTERS; i++) if (registers[i]! > HLL_MAX_RANK) throw new Error('a register is out of range');
  return registers;
}
