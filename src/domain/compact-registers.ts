import { HLL_MAX_RANK, HLL_RANK_BITS, HLL_REGISTERS, estimateCardinality, estimateFromHistogram, indexAndRank, type Registers } from './hyperloglog';

/**
 * Sparse pairs take 4 bytes each and an insertion moves the pairs after it, so a sketch turns dense at
 * 1,024 pairs (4 KiB) rather than at 4,096 (where 16 KiB would become the smaller): a busy cell's
 * every beacon would otherwise move kilobytes, and the few busy cells can afford 16 KiB each.
 */
const DENSE_AT = HLL_REGISTERS / 16;
const RANK_MASK = 0xff;

/**
 * One sketch's registers, held as sorted (index, rank) pairs while few are set, and as the m dense
 * bytes once many are. A sketch of a cell with a handful of devices is then a
 * few dozen bytes, not 16 KiB: what lets thousands of cells be pending, or merged, at once. Values
 * equal the dense registers' at every step (unions stay register-wise maxima).
 */
export class CompactRegisters {
  /** (index << 8 | rank), sorted by index, `size` of them in use; null once dense. */
  private pairs: Uint32Array | null = new Uint32Array(4);
  private size = 0;
  private dense: Registers | null = null;

  /** Bytes the registers occupy (their buffer, not the object around it). */
  get bytes(): number {
    return this.dense ? HLL_REGISTERS : this.pairs!.byteLength;
  }

  get isDense(): boolean {
    return this.dense !== null;
  }

  addDigest(digest: Uint8Array): boolean {
    const { index, rank } = indexAndRank(digest);
    return this.add(index, rank);
  }

  /** Raises register `index` to `rank`; returns whether it changed. */
  add(index: number, rank: number): boolean {
    if (this.dense) {
      if (rank <= this.dense[index]!) return false;
      this.dense[index] = rank;
      return true;
    }
    const pairs = this.pairs!;
    let low = 0;
    let high = this.size - 1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      const at = pairs[mid]! >>> 8;
      if (at === index) {
        if (rank <= (pairs[mid]! & RANK_MASK)) return false;
        pairs[mid] = (index << 8) | rank;
        return true;
      }
      if (at < index) low = mid + 1;
      else high = mid - 1;
    }
    this.insertAt(low, (index << 8) | rank);
    return true;
  }

  /** Register-wise max with dense registers, in one pass over both. */
  mergeRegisters(registers: Registers): this {
    if (this.dense) {
      const dense = this.dense;
      for (let i = 0; i < HLL_REGISTERS; i++) if (registers[i]! > dense[i]!) dense[i] = registers[i]!;
      return this;
    }
    const merged = scratchFor(this.size + HLL_REGISTERS);
    const pairs = this.pairs!;
    let n = 0;
    let p = 0;
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const own = p < this.size && pairs[p]! >>> 8 === i ? pairs[p++]! & RANK_MASK : 0;
      const rank = Math.max(own, registers[i]!);
      if (rank !== 0) merged[n++] = (i << 8) | rank;
    }
    this.adopt(merged, n);
    return this;
  }

  merge(other: CompactRegisters): this {
    if (other.dense) return this.mergeRegisters(other.dense);
    const theirs = other.pairs!;
    if (this.dense) {
      for (let i = 0; i < other.size; i++) this.add(theirs[i]! >>> 8, theirs[i]! & RANK_MASK);
      return this;
    }
    const mine = this.pairs!;
    const merged = scratchFor(this.size + other.size);
    let n = 0;
    let a = 0;
    let b = 0;
    while (a < this.size || b < other.size) {
      const ia = a < this.size ? mine[a]! >>> 8 : HLL_REGISTERS;
      const ib = b < other.size ? theirs[b]! >>> 8 : HLL_REGISTERS;
      if (ia < ib) merged[n++] = mine[a++]!;
      else if (ib < ia) merged[n++] = theirs[b++]!;
      else merged[n++] = Math.max(mine[a++]!, theirs[b++]!);
    }
    this.adopt(merged, n);
    return this;
  }

  /** The dense registers: the sketch's own array once dense (read it, don't change it), else a new one. */
  toRegisters(): Registers {
    if (this.dense) return this.dense;
    const registers = new Uint8Array(HLL_REGISTERS);
    for (let i = 0; i < this.size; i++) registers[this.pairs![i]! >>> 8] = this.pairs![i]! & RANK_MASK;
    return registers;
  }

  /** Distinct elements (estimateCardinality of the same registers), without making them dense. */
  estimate(): number {
    if (this.dense) return estimateCardinality(this.dense);
    const counts = new Array<number>(HLL_RANK_BITS + 2).fill(0);
    counts[0] = HLL_REGISTERS - this.size;
    for (let i = 0; i < this.size; i++) counts[Math.min(this.pairs![i]! & RANK_MASK, HLL_MAX_RANK)]!++;
    return estimateFromHistogram(counts);
  }

  copy(): CompactRegisters {
    return new CompactRegisters().merge(this);
  }

  private insertAt(position: number, pair: number): void {
    if (this.size + 1 >= DENSE_AT) {
      this.becomeDense();
      this.dense![pair >>> 8] = pair & RANK_MASK;
      return;
    }
    let pairs = this.pairs!;
    if (this.size === pairs.length) {
      const grown = new Uint32Array(Math.min(pairs.length * 2, DENSE_AT));
      grown.set(pairs);
      this.pairs = pairs = grown;
    }
    pairs.copyWithin(position + 1, position, this.size);
    pairs[position] = pair;
    this.size++;
  }

  /** Takes the first `n` merged pairs (copied out of the shared scratch), dense when that is smaller. */
  private adopt(merged: Uint32Array, n: number): void {
    if (n >= DENSE_AT) {
      const dense = new Uint8Array(HLL_REGISTERS);
      for (let i = 0; i < n; i++) dense[merged[i]! >>> 8] = merged[i]! & RANK_MASK;
      this.dense = dense;
      this.pairs = null;
      this.size = 0;
      return;
    }
    this.pairs = merged.slice(0, Math.max(n, 4));
    this.size = n;
  }

  private becomeDense(): void {
    this.dense = this.toRegisters();
    this.pairs = null;
    this.size = 0;
  }
}

let scratch = new Uint32Array(HLL_REGISTERS * 2);
function scratchFor(n: number): Uint32Array {
  if (scratch.length < n) scratch = new Uint32Array(n);
  return scratch;
}
