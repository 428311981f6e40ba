import { CompactRegisters } from '../../src/domain/compact-registers';
import { addDigest, deviceDigest, emptyRegisters, estimateCardinality, mergedRegisters, HLL_REGISTERS } from '../../src/domain/hyperloglog';

const digests = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => deviceDigest('k', 'app', `${prefix}${i}`));
const dense = (ds: Buffer[]) => {
  const registers = emptyRegisters();
  for (const d of ds) addDigest(registers, d);
  return registers;
};
const compact = (ds: Buffer[]) => {
  const registers = new CompactRegisters();
  for (const d of ds) registers.addDigest(d);
  return registers;
};
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

describe('CompactRegisters', () => {
  test.each([0, 1, 50, 3_000, 4_500, 40_000])('when %i devices are added, then the registers and the estimate equal the dense ones', (n) => {
    const ds = digests('d', n);
    const registers = compact(ds);
    expect(same(registers.toRegisters(), dense(ds))).toBe(true);
    expect(registers.estimate()).toBeCloseTo(estimateCardinality(dense(ds)), 9);
  });

  test('when few registers are set, then they take a few bytes each, and the 16 KiB of dense registers once pairs would take more', () => {
    expect(compact(digests('a', 10)).bytes).toBeLessThanOrEqual(64);
    expect(compact(digests('a', 1_000)).bytes).toBeLessThan(8_192);
    const many = compact(digests('a', 20_000));
    expect(many.isDense).toBe(true);
    expect(many.bytes).toBe(HLL_REGISTERS);
  });

  test.each([
    [10, 20],
    [2_000, 2_500],
    [100, 30_000],
    [30_000, 100],
    [30_000, 30_000],
  ])('when sketches of %i and %i devices are merged, sparse or dense, then the union equals the dense register-wise max', (n, m) => {
    const a = digests('a', n);
    const b = digests('b', m).concat(a.slice(0, Math.floor(n / 2)));
    const expected = mergedRegisters(dense(a), dense(b));
    expect(same(compact(a).merge(compact(b)).toRegisters(), expected)).toBe(true);
    expect(same(compact(a).mergeRegisters(dense(b)).toRegisters(), expected)).toBe(true);
    expect(same(compact(b).merge(compact(a)).toRegisters(), expected)).toBe(true);
  });

  test('when a copy is changed, then the original is not', () => {
    const original = compact(digests('c', 20));
    const before = original.toRegisters().slice();
    const copy = original.copy();
    for (const d of digests('x', 100)) copy.addDigest(d);
    expect(same(original.toRegisters(), before)).toBe(true);
  });
});
