import { anytimeLowerBound, limitGrid, rateAboveLimitLogEValue } from '../../src/domain/crash-rate-limit';

describe('crash-rate limit (confidence sequence in device-days)', () => {
  it('the grid has 40 points log-spaced over (L, min(0.95, 30L)]', () => {
    const grid = limitGrid(0.01);
    expect(grid).toHaveLength(40);
    expect(grid[0]).toBeGreaterThan(0.01);
    expect(grid[39]).toBeCloseTo(0.3, 12);
    expect(limitGrid(0.08)[39]).toBeCloseTo(0.95, 12);
  });

  it('one crash in one device-day: e = mean(p_k)/L, a geometric series r(r⁴⁰ − 1)/((r − 1)·40) with r = 30^(1/40)', () => {
    const r = Math.pow(30, 1 / 40);
    const expected = (r * (Math.pow(r, 40) - 1)) / ((r - 1) * 40);
    expect(Math.exp(rateAboveLimitLogEValue(1, 1, 0.01))).toBeCloseTo(expected, 9);
  });

  it('no crash in one device-day: e = mean((1 − p_k)/(1 − L))', () => {
    const expected = limitGrid(0.01).reduce((s, p) => s + (1 - p) / 0.99, 0) / 40;
    expect(Math.exp(rateAboveLimitLogEValue(0, 1, 0.01))).toBeCloseTo(expected, 12);
  });

  it('when the rate is below the limit, the evidence falls as device-days pile up; above it, it grows', () => {
    expect(rateAboveLimitLogEValue(50, 10_000, 0.0109)).toBeLessThan(rateAboveLimitLogEValue(5, 1_000, 0.0109));
    expect(rateAboveLimitLogEValue(300, 10_000, 0.0109)).toBeGreaterThan(Math.log(100));
  });

  it('the anytime lower bound is 0 without crashes, below the observed rate, and near it with many device-days', () => {
    expect(anytimeLowerBound(0, 1000, 0.01)).toBe(0);
    const low = anytimeLowerBound(20, 1000, 0.01);
    expect(low).toBeGreaterThan(0);
    expect(low).toBeLessThan(0.02);
    expect(anytimeLowerBound(20_000, 1_000_000, 0.01)).toBeGreaterThan(0.019);
    // The bound is where the test of "rate ≤ bound" just reaches 1/α.
    expect(rateAboveLimitLogEValue(20, 1000, low * 0.999)).toBeGreaterThanOrEqual(Math.log(100));
    expect(rateAboveLimitLogEValue(20, 1000, low * 1.01)).toBeLessThan(Math.log(100));
  });
});
