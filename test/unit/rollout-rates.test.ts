import { cellRates, rolloutShare, wilsonInterval, type CellCounts } from '../../src/domain/rollout-rates';

// z = 1.959963984540054, z² = 3.8414588206941254 throughout.
describe('wilsonInterval', () => {
  it('41 of 5120: [0.0059086, 0.0108448]', () => {
    // p̂ = 41/5120 = 0.0080078125; z²/n = 0.000750285; z²/2n = 0.000375143
    // centre = (0.0080078125 + 0.000375143) / 1.000750285 = 0.00837667
    // half = 1.959964/1.000750285 · √(0.0080078·0.9919922/5120 + 3.8414588/(4·5120²))
    //      = 1.958494 · √(1.551503e-6 + 3.663473e-8) = 1.958494 · 0.00126022 = 0.00246812
    // low = 0.00590855, high = 0.01084479
    const r = wilsonInterval(41, 5120);
    expect(r.rate).toBe(0.0080078125);
    expect(r.low).toBeCloseTo(0.00590855, 7);
    expect(r.high).toBeCloseTo(0.01084479, 7);
  });

  it('0 of 20: low exactly 0, high = (z²/n)/(1 + z²/n) = 3.8414588/23.8414588 = 0.1611252', () => {
    const r = wilsonInterval(0, 20);
    expect(r).toEqual({ rate: 0, low: 0, high: expect.any(Number) });
    expect(r.high).toBeCloseTo(0.1611252, 7);
  });

  it('20 of 20: high exactly 1, low = 1 − 0.1611252 = 0.8388748 (the mirror of 0 of 20)', () => {
    const r = wilsonInterval(20, 20);
    expect(r.rate).toBe(1);
    expect(r.high).toBe(1);
    expect(r.low).toBeCloseTo(0.8388748, 7);
  });

  it('3 of 10: centre (0.3 + 0.1920729)/1.3841459 = 0.3555066, half 1.4160… · 0.1749… = 0.2477153', () => {
    // half = 1.959964/1.3841459 · √(0.3·0.7/10 + 3.8414588/400) = 1.4160133 · √(0.021 + 0.0096036) = 1.4160133 · 0.1749389
    const r = wilsonInterval(3, 10);
    expect(r.low).toBeCloseTo(0.1077913, 6);
    expect(r.high).toBeCloseTo(0.6032219, 6);
  });

  it('when there are no trials, then the rate is 0 and the interval all of [0, 1]', () => {
    expect(wilsonInterval(0, 0)).toEqual({ rate: 0, low: 0, high: 1 });
  });

  it('when an estimate of successes exceeds the trials, then it is capped at the trials', () => {
    expect(wilsonInterval(21, 20)).toEqual(wilsonInterval(20, 20));
  });
});

const counts = (over: Partial<CellCounts> = {}): CellCounts => ({
  active: 5120,
  affected: { crash: 41, startup_failure: 3, update_failure: 7, install_failure: 0, rollback_failure: 0 },
  crashUnion: 44,
  arrivals: 100,
  firstRuns: 20,
  updateFailuresTargetingThisVersion: 7,
  ...over,
});

describe('cellRates', () => {
  it('when the cell has enough devices, then it shows counts, share and the four rates with their intervals', () => {
    const cell = cellRates(counts(), { allVersionsActive: 16_000, minDevices: 20 });
    if (cell.suppressed) throw new Error('expected rates');
    expect(cell.active_device_days).toBe(5120);
    expect(cell.share).toBeCloseTo(0.32, 10);
    expect(cell.affected).toEqual({ crash: 41, startup_failure: 3, update_failure: 7, install_failure: 0, rollback_failure: 0 });
    expect(cell.rates.crash).toEqual(wilsonInterval(41, 5120));
    // crash-free from the union 44/5120: Wilson [0.0064081, 0.0115162] → crash-free [0.9884838, 0.9935919]
    expect(cell.rates.crash_free.rate).toBeCloseTo(1 - 44 / 5120, 12);
    expect(cell.rates.crash_free.low).toBeCloseTo(0.9884838, 6);
    expect(cell.rates.crash_free.high).toBeCloseTo(0.9935919, 6);
    // update failures 7 / (7 + 100 arrivals); install failures 0 / (0 + 20 first runs)
    expect(cell.rates.update_failure).toEqual(wilsonInterval(7, 107));
    expect(cell.rates.update_failure.rate).toBeCloseTo(0.0654206, 6);
    expect(cell.rates.install_failure).toEqual(wilsonInterval(0, 20));
  });

  it('when no beacon says from_version or first_run (the faynoSync SDK), then those rates are null with no_denominator, not 100%', () => {
    const cell = cellRates(counts({ arrivals: 0, firstRuns: 0, affected: { crash: 41, startup_failure: 3, update_failure: 7, install_failure: 2, rollback_failure: 0 } }), { allVersionsActive: 16_000, minDevices: 20 });
    if (cell.suppressed) throw new Error('expected rates');
    expect(cell.rates.update_failure).toEqual({ rate: null, low: null, high: null, reason: 'no_denominator' });
    expect(cell.rates.install_failure).toEqual({ rate: null, low: null, high: null, reason: 'no_denominator' });
    expect(cell.affected.update_failure).toBe(7);
  });

  it('when the cell has fewer than minDevices active device-days, then it is suppressed with no rates and no counts', () => {
    expect(cellRates(counts({ active: 19 }), { allVersionsActive: 1000, minDevices: 20 })).toEqual({ suppressed: true });
    expect(cellRates(counts({ active: 20.2 }), { allVersionsActive: 1000, minDevices: 20 }).suppressed).toBe(false);
  });

  it('when sketch estimates are fractional or an affected estimate exceeds active, then counts are whole and capped', () => {
    const cell = cellRates(counts({ active: 30.4, crashUnion: 31.2, affected: { crash: 30.9, startup_failure: 0.2, update_failure: 0, install_failure: 0, rollback_failure: 0 } }), {
      allVersionsActive: 60,
      minDevices: 20,
    });
    if (cell.suppressed) throw new Error('expected rates');
    expect(cell.active_device_days).toBe(30);
    expect(cell.affected.crash).toBe(30);
    expect(cell.rates.crash_free.rate).toBe(0);
  });

  it('when no version has devices, then the share is 0', () => {
    expect(rolloutShare(0, 0)).toBe(0);
    expect(rolloutShare(5, 10)).toBe(0.5);
  });
});
