import {
  accumulateEvidence,
  emptyLogRatios,
  eValueOf,
  logMeanExp,
  type EvidenceGrids,
  haltEValue,
  haltLogEValue,
  healthyEValue,
  logLikelihood,
  logSpacedAbove,
  logSpacedBelow,
  releaseShareOfAffected,
  type EvidenceHour,
} from '../../src/domain/rollout-evidence';

// One hour, x_R = 3, x_B = 1, E_R = E_B = 100, so p(θ) = θ/(θ + 1) and L(θ) = p³(1 − p).
const oneHour: EvidenceHour[] = [{ xR: 3, xB: 1, eR: 100, eB: 100 }];

describe('rollout evidence', () => {
  it('p_t(θ) = θE_R/(θE_R + E_B)', () => {
    expect(releaseShareOfAffected(2, 100, 100)).toBeCloseTo(2 / 3, 12);
    expect(releaseShareOfAffected(1, 10, 90)).toBeCloseTo(0.1, 12);
  });

  it('log L(θ) = x_R log p + x_B log(1 − p): at θ = 1.25, (5/9)³·(4/9) = 500/6561', () => {
    expect(logLikelihood(oneHour, 1.25)).toBeCloseTo(Math.log(500 / 6561), 12);
  });

  it('halt e-value on the grid {2, 4}: ((648/6561) / (500/6561) + 0.1024 / (500/6561)) / 2 = 1.3198464', () => {
    // L(2) = (2/3)³(1/3) = 8/81 = 648/6561 → ratio 1.296
    // L(4) = 0.8³ · 0.2 = 0.1024 → ratio 0.1024 · 6561/500 = 1.3436928
    expect(haltEValue(oneHour, { theta0: 1.25, grid: [2, 4] })).toBeCloseTo(1.3198464, 7);
  });

  it('healthy e-value on the grid {0.5, 1}: ((2/81) / 0.0864 + 0.0625 / 0.0864) / 2 = 0.5045796', () => {
    // L(1.5) = 0.6³ · 0.4 = 0.0864; L(0.5) = (1/3)³(2/3) = 2/81 → 0.2857796; L(1) = 0.5⁴ = 0.0625 → 0.7233796
    expect(healthyEValue(oneHour, { theta1: 1.5, grid: [0.5, 1] })).toBeCloseTo(0.5045796, 6);
  });

  it('when hours have no affected device or an empty exposure, then they add nothing', () => {
    const noise: EvidenceHour[] = [
      { xR: 0, xB: 0, eR: 500, eB: 500 },
      { xR: 4, xB: 0, eR: 0, eB: 100 },
      { xR: 0, xB: 4, eR: 100, eB: 0 },
    ];
    expect(logLikelihood(noise, 2)).toBe(0);
    expect(haltEValue(noise)).toBe(1);
    expect(healthyEValue(noise)).toBe(1);
    expect(haltEValue([...noise, ...oneHour], { grid: [2, 4] })).toBeCloseTo(1.3198464, 7);
  });

  it('the default grids have 40 log-spaced points in (1.25, 50] and [0.02, 1.5)', () => {
    const above = logSpacedAbove(1.25, 50, 40);
    expect(above).toHaveLength(40);
    expect(above[0]).toBeCloseTo(1.25 * Math.pow(40, 1 / 40), 12);
    expect(above[39]).toBeCloseTo(50, 12);
    const below = logSpacedBelow(0.02, 1.5, 40);
    expect(below[0]).toBe(0.02);
    expect(below[39]).toBeLessThan(1.5);
    expect(below[39]).toBeCloseTo(0.02 * Math.pow(75, 39 / 40), 12);
  });

  it('when the release is clearly worse, then the halt e-value grows and the healthy one shrinks', () => {
    const worse = Array.from({ length: 24 }, () => ({ xR: 30, xB: 10, eR: 1000, eB: 1000 }));
    expect(haltEValue(worse)).toBeGreaterThan(1e6);
    expect(healthyEValue(worse)).toBeLessThan(1e-6);
    const same = Array.from({ length: 24 }, () => ({ xR: 10, xB: 10, eR: 1000, eB: 1000 }));
    expect(haltEValue(same)).toBeLessThan(1);
    expect(healthyEValue(same)).toBeGreaterThan(20);
  });

  it('when the evidence is overwhelming, then the log stays finite and the value is capped, not Infinity', () => {
    const hours = Array.from({ length: 1000 }, () => ({ xR: 500, xB: 5, eR: 1000, eB: 1000 }));
    expect(Number.isFinite(haltLogEValue(hours))).toBe(true);
    expect(haltLogEValue(hours)).toBeGreaterThan(1000);
    expect(haltEValue(hours)).toBe(Number.MAX_VALUE);
  });

  it('refuses a grid on the wrong side of the null', () => {
    expect(() => haltEValue(oneHour, { theta0: 1.25, grid: [1, 2] })).toThrow();
    expect(() => healthyEValue(oneHour, { theta1: 1.5, grid: [1.5] })).toThrow();
  });
});

describe('rollout evidence carried between evaluations', () => {
  const grids: EvidenceGrids = { theta0: 1.25, theta1: 1.5, halt: [2, 4], healthy: [0.5, 1] };

  it('accumulating the hour on grids {2, 4} and {0.5, 1} gives the same e-values as computing them at once', () => {
    const state = accumulateEvidence(emptyLogRatios(grids), oneHour, grids);
    expect(Math.exp(logMeanExp(state.halt))).toBeCloseTo(1.3198464, 7);
    expect(Math.exp(logMeanExp(state.healthy))).toBeCloseTo(0.5045796, 6);
  });

  it('when the intervals come in two evaluations, then the state is the same as in one (a sum of log-ratios)', () => {
    const more: EvidenceHour = { xR: 1, xB: 2, eR: 50, eB: 150 };
    const once = accumulateEvidence(emptyLogRatios(grids), [...oneHour, more], grids);
    const twice = accumulateEvidence(accumulateEvidence(emptyLogRatios(grids), oneHour, grids), [more], grids);
    for (let k = 0; k < 2; k++) {
      expect(twice.halt[k]).toBeCloseTo(once.halt[k]!, 12);
      expect(twice.healthy[k]).toBeCloseTo(once.healthy[k]!, 12);
    }
  });

  it('logMeanExp(log 2, log 6) = log 4, and stays finite where exp would overflow', () => {
    expect(logMeanExp([Math.log(2), Math.log(6)])).toBeCloseTo(Math.log(4), 12);
    expect(logMeanExp([2000, 2000])).toBeCloseTo(2000, 9);
    expect(eValueOf(2000)).toBe(Number.MAX_VALUE);
  });
});
