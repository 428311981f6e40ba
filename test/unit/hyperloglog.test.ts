import { createHash, createHmac } from 'node:crypto';
import {
  HLL_MAX_RANK,
  HLL_REGISTERS,
  addDigest,
  countDistinct,
  decodeRegisters,
  decodeRegistersBase64,
  deviceDigest,
  deviceDigester,
  emptyRegisters,
  encodeRegisters,
  encodeRegistersBase64,
  estimateCardinality,
  indexAndRank,
  mergeRegisters,
  mergedRegisters,
} from '../../src/domain/hyperloglog';

const digestOf = (i: number | string) => createHash('sha256').update(String(i)).digest();

function sketchOf(from: number, to: number, prefix = ''): Uint8Array {
  const registers = emptyRegisters();
  for (let i = from; i < to; i++) addDigest(registers, digestOf(prefix + i));
  return registers;
}

describe('hyperloglog', () => {
  it('when nothing was added, then the count is 0', () => {
    expect(estimateCardinality(emptyRegisters())).toBe(0);
  });

  it('when 1 to 100 distinct devices are added, then every count is within ±1', () => {
    for (const prefix of ['', 'device-', 'phone:']) {
      const registers = emptyRegisters();
      for (let n = 1; n <= 100; n++) {
        addDigest(registers, digestOf(prefix + n));
        expect(Math.abs(countDistinct(registers) - n)).toBeLessThanOrEqual(1);
      }
    }
  });

  it('when few registers are set, then the estimate agrees with linear counting m·ln(m/zeros)', () => {
    const registers = sketchOf(0, 1000);
    const zeros = registers.filter((r) => r === 0).length;
    expect(estimateCardinality(registers)).toBeCloseTo(HLL_REGISTERS * Math.log(HLL_REGISTERS / zeros), 0);
  });

  it('when the same device is added again, then nothing changes', () => {
    const registers = sketchOf(0, 50);
    const before = Uint8Array.from(registers);
    expect(addDigest(registers, digestOf(7))).toBe(false);
    expect(registers).toEqual(before);
  });

  it('when 10,000 and 100,000 distinct devices are added, then the relative error is at most 2%', () => {
    const registers = emptyRegisters();
    for (let i = 0; i < 100_000; i++) {
      addDigest(registers, digestOf(i));
      if (i + 1 === 10_000) expect(Math.abs(estimateCardinality(registers) / 10_000 - 1)).toBeLessThanOrEqual(0.02);
    }
    expect(Math.abs(estimateCardinality(registers) / 100_000 - 1)).toBeLessThanOrEqual(0.02);
  });

  it('when two sketches of overlapping sets are merged, then the estimate is the union and equals the sketch of the union', () => {
    const a = sketchOf(0, 30_000);
    const b = sketchOf(20_000, 50_000);
    const union = mergedRegisters(a, b);
    expect(union).toEqual(sketchOf(0, 50_000));
    expect(Math.abs(estimateCardinality(union) / 50_000 - 1)).toBeLessThanOrEqual(0.02);
    // the pure variant left its inputs alone; the in-place one writes into its first argument
    expect(a).toEqual(sketchOf(0, 30_000));
    expect(mergeRegisters(a, b)).toBe(a);
    expect(a).toEqual(union);
  });

  it('when merging small sketches, then union counts stay exact', () => {
    expect(countDistinct(mergedRegisters(sketchOf(0, 40), sketchOf(30, 70)))).toBe(70);
  });

  it('takes the index from the first 14 bits and the rank from the leading zeros of the next 50 bits, capped at 51', () => {
    const digest = Buffer.alloc(32);
    digest[0] = 0xff;
    digest[1] = 0xfd; // index 0b11111111111111 = 16383, then bits "01"
    expect(indexAndRank(digest)).toEqual({ index: 16383, rank: 2 });
    digest[1] = 0xfe; // bits after the index "10…"
    expect(indexAndRank(digest)).toEqual({ index: 16383, rank: 1 });
    digest.fill(0);
    digest[7] = 0x01; // 49 zeros, then a one
    expect(indexAndRank(digest)).toEqual({ index: 0, rank: 50 });
    digest[7] = 0x00;
    digest[8] = 0xff; // all 50 rank bits zero: capped whatever follows
    expect(indexAndRank(digest)).toEqual({ index: 0, rank: HLL_MAX_RANK });
  });

  it('deviceDigester gives deviceDigest for every key length and input', () => {
    const keys = [Buffer.alloc(32, 7), 'k', Buffer.alloc(100, 3), 'é'.repeat(40)];
    const inputs: Array<[string, string]> = [['app1', 'device-1'], ['a'.repeat(24), 'd'.repeat(128)], ['a', 'z'.repeat(2000)], ['ü', 'ß'], ['', '']];
    for (const key of keys) {
      const digest = deviceDigester(key);
      for (const [app, device] of inputs) expect(digest(app, device)).toEqual(deviceDigest(key, app, device));
    }
  });

  it('deviceDigest is HMAC-SHA256(K_day, app_id ‖ 0x00 ‖ device_id)', () => {
    const key = Buffer.alloc(32, 7);
    const expected = createHmac('sha256', key).update(Buffer.from('app1\u0000device-1', 'utf8')).digest();
    expect(deviceDigest(key, 'app1', 'device-1')).toEqual(expected);
    expect(deviceDigest(key, 'app1', 'device-1')).not.toEqual(deviceDigest(Buffer.alloc(32, 8), 'app1', 'device-1'));
    expect(deviceDigest(key, 'ab', 'c')).not.toEqual(deviceDigest(key, 'a', 'bc'));
  });

  describe('storage encoding', () => {
    it('when the sketch is empty, then it is one byte and decodes to an empty sketch', () => {
      const encoded = encodeRegisters(emptyRegisters());
      expect(encoded.length).toBe(1);
      expect(decodeRegisters(encoded)).toEqual(emptyRegisters());
    });

    it('when few registers are set, then it is 3 bytes per register and round-trips', () => {
      const registers = sketchOf(0, 100);
      const set = registers.filter((r) => r !== 0).length;
      const encoded = encodeRegisters(registers);
      expect(encoded.length).toBe(1 + 3 * set);
      expect(decodeRegisters(encoded)).toEqual(registers);
      expect(decodeRegistersBase64(encodeRegistersBase64(registers))).toEqual(registers);
    });

    it('when most registers are set, then it is the raw registers and round-trips', () => {
      const registers = sketchOf(0, 20_000);
      const encoded = encodeRegisters(registers);
      expect(encoded.length).toBe(1 + HLL_REGISTERS);
      expect(decodeRegisters(encoded)).toEqual(registers);
      expect(decodeRegisters(new Uint8Array(encoded))).toEqual(registers);
    });

    it('when the bytes are not a sketch, then decoding throws', () => {
      expect(() => decodeRegisters(Buffer.of(0x09, 1, 2, 3))).toThrow('unknown sketch encoding');
      expect(() => decodeRegisters(Buffer.of(0x01, 0, 1))).toThrow();
      expect(() => decodeRegisters(Buffer.of(0x01, 0xff, 0xff, 1))).toThrow('out of range');
      expect(() => decodeRegisters(Buffer.of(0x01, 0, 1, 99))).toThrow('out of range');
      expect(() => decodeRegisters(Buffer.of(0x02, 1))).toThrow();
    });
  });
});
