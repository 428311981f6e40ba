import type { EvidenceHour } from '../../src/domain/rollout-evidence';
import {
  DEFAULT_ROLLOUT_SETTINGS,
  chooseBaseline,
  evaluateCell,
  releaseVerdict,
  rolloutSettings,
  type CellEvaluationInput,
  type EvaluationState,
  type GatedMetric,
  type MetricSeries,
} from '../../src/domain/rollout-verdict';

const hours = (n: number, h: EvidenceHour): EvidenceHour[] => Array.from({ length: n }, () => h);
const seriesOf = (hs: EvidenceHour[]): MetricSeries => ({
  hours: hs,
  release: { affected: hs.reduce((s, h) => s + h.xR, 0), exposure: hs.reduce((s, h) => s + h.eR, 0) },
  baseline: { affected: hs.reduce((s, h) => s + h.xB, 0), exposure: hs.reduce((s, h) => s + h.eB, 0) },
});
// 48 hours at the same rate on both sides (1%): enough for the mirror e-value to pass 20.
const sameRate = seriesOf(hours(48, { xR: 10, xB: 10, eR: 1000, eB: 1000 }));
const quiet = { overall: { affected: 5, exposure: 5000 }, platformArch: { affected: 5, exposure: 5000 } };

function cell(over: Partial<CellEvaluationInput> = {}): CellEvaluationInput {
  return {
    releaseActive: 5000,
    baseline: { version: '1.4.1', active: 20_000 },
    metrics: { crash: sameRate, update_failure: sameRate, install_failure: sameRate },
    crash24h: quiet,
    ...over,
  };
}
const at = { now: 1_000_000 };
const crashOnly = rolloutSettings({ metrics: ['crash'] });

describe('rollout verdict', () => {
  it('when there is no baseline, then the cell is watched with no_baseline and no e-values', () => {
    const result = evaluateCell(cell({ baseline: null }), null, at);
    expect(result.verdict).toBe('watch');
    expect(result.reasons).toEqual(['no_baseline']);
    expect(result.metrics.crash!.e_value).toBeNull();
    expect(result.metrics.crash!.e_value_healthy).toBeNull();
    expect(result.metrics.crash!.baseline).toBeNull();
  });

  it('when the release has fewer than minDevices device-days, then it is watched with insufficient_data', () => {
    const result = evaluateCell(cell({ releaseActive: 19 }), { verdict: 'watch', reasons: [], consecutiveHealthy: 5, haltedAt: null }, at);
    expect(result.verdict).toBe('watch');
    expect(result.reasons).toEqual(['insufficient_data', 'evidence_building']);
    expect(result.consecutiveHealthy).toBe(0);
  });

  it('shows each metric with release and baseline rates, their ratio and both e-values', () => {
    const worse = seriesOf(hours(2, { xR: 4, xB: 2, eR: 1000, eB: 2000 }));
    const m = evaluateCell(cell({ metrics: { crash: worse } }), null, at, crashOnly).metrics.crash!;
    expect(m.release).toMatchObject({ affected: 8, exposure: 2000, rate: 0.004 });
    expect(m.baseline).toMatchObject({ affected: 4, exposure: 4000, rate: 0.001 });
    expect(m.ratio).toBeCloseTo(4, 12);
    expect(m.e_value).toBeGreaterThan(1);
    expect(m.e_value_healthy).toBeLessThan(1);
  });

  describe('halt on evidence against the baseline', () => {
    // Release nearly without exposure share: p(θ) ≈ θ/1e5, so each release device multiplies the ratio
    // by about θ/1.25. Two devices give a mean of (θ/1.25)² over the grid ≈ 216 ≥ 100 = 1/0.01.
    const twoDevices = seriesOf([{ xR: 2, xB: 0, eR: 1, eB: 100_000 }]);
    const threeDevices = seriesOf([{ xR: 3, xB: 0, eR: 1, eB: 100_000 }]);

    it('when the e-value passes m/α but only 2 release devices are affected, then it is not a halt', () => {
      const result = evaluateCell(cell({ metrics: { crash: twoDevices } }), null, at, crashOnly);
      expect(result.metrics.crash!.e_value).toBeGreaterThanOrEqual(100);
      expect(result.verdict).toBe('watch');
      expect(result.reasons).toEqual(['evidence_building']);
    });

    it('when the e-value passes m/α with 3 affected release devices, then it halts with the metric named', () => {
      const result = evaluateCell(cell({ metrics: { crash: threeDevices } }), null, at, crashOnly);
      expect(result).toMatchObject({ verdict: 'halt', reasons: ['crash_rate_above_baseline'], haltedAt: at.now });
    });

    it('when three metrics are gated, then the bar is 3/α = 300 for each', () => {
      const metrics = { crash: twoDevices, update_failure: sameRate, install_failure: sameRate };
      const e = evaluateCell(cell({ metrics }), null, at).metrics.crash!.e_value!;
      expect(e).toBeGreaterThan(100);
      expect(e).toBeLessThan(300);
      const withMore = { ...metrics, install_failure: threeDevices };
      expect(evaluateCell(cell({ metrics: withMore }), null, at).reasons).toEqual(['install_failure_rate_above_baseline']);
    });
  });

  describe('halt on the Android vitals levels, with no baseline needed', () => {
    it('when the 24 h crash rate is above 1.09% overall with confidence, then it halts', () => {
      // 200/10000: Wilson low ≈ 0.01743 > 0.0109
      const result = evaluateCell(cell({ baseline: null, crash24h: { overall: { affected: 200, exposure: 10_000 }, platformArch: quiet.platformArch } }), null, at);
      expect(result).toMatchObject({ verdict: 'halt', reasons: ['crash_rate_above_vitals_overall'] });
    });

    it('when the rate is above 1.09% but its lower bound is not, then it does not halt', () => {
      // 2/100 = 2%, but Wilson low ≈ 0.0055
      const result = evaluateCell(cell({ crash24h: { overall: { affected: 2, exposure: 100 }, platformArch: quiet.platformArch } }), null, at);
      expect(result.verdict).toBe('watch');
    });

    it('when one (platform, arch) is above 8% with at least minDevices device-days, then it halts', () => {
      // 10/50: Wilson low ≈ 0.1124 > 0.08
      const result = evaluateCell(cell({ crash24h: { overall: quiet.overall, platformArch: { affected: 10, exposure: 50 } } }), null, at);
      expect(result).toMatchObject({ verdict: 'halt', reasons: ['crash_rate_above_vitals_cell'] });
    });

    it('when that (platform, arch) has fewer than minDevices device-days, then it does not halt on it', () => {
      const result = evaluateCell(cell({ crash24h: { overall: quiet.overall, platformArch: { affected: 19, exposure: 19 } } }), null, at);
      expect(result.verdict).not.toBe('halt');
    });
  });

  describe('healthy', () => {
    it('when every metric passes 1/0.05 on two consecutive evaluations, then it is healthy, and not on the first', () => {
      const first = evaluateCell(cell(), null, at);
      expect(first.metrics.crash!.e_value_healthy).toBeGreaterThanOrEqual(20);
      expect(first).toMatchObject({ verdict: 'watch', reasons: ['evidence_building'], consecutiveHealthy: 1 });
      const second = evaluateCell(cell(), first, { now: at.now + 300_000 });
      expect(second).toMatchObject({ verdict: 'healthy', reasons: [], consecutiveHealthy: 2 });
    });

    it('when one metric has not passed, then the count restarts and the verdict is watch', () => {
      const thin = seriesOf(hours(1, { xR: 1, xB: 1, eR: 1000, eB: 1000 }));
      const previous: EvaluationState = { verdict: 'healthy', reasons: [], consecutiveHealthy: 7, haltedAt: null };
      const result = evaluateCell(cell({ metrics: { crash: sameRate, update_failure: sameRate, install_failure: thin } }), previous, at);
      expect(result).toMatchObject({ verdict: 'watch', reasons: ['evidence_building'], consecutiveHealthy: 0 });
    });

    it('when a gated metric has no affected device on either side, then it neither blocks nor proves healthy', () => {
      const metrics: Partial<Record<GatedMetric, MetricSeries>> = { crash: sameRate, update_failure: sameRate };
      const previous: EvaluationState = { verdict: 'watch', reasons: [], consecutiveHealthy: 1, haltedAt: null };
      expect(evaluateCell(cell({ metrics }), previous, at).verdict).toBe('healthy');
      const quietOnly: Partial<Record<GatedMetric, MetricSeries>> = {};
      expect(evaluateCell(cell({ metrics: quietOnly }), previous, at)).toMatchObject({ verdict: 'watch', reasons: ['evidence_building'] });
    });

    it('when the vitals level is crossed by fewer than minAffected devices, then it does not halt', () => {
      const crash24h = { overall: { affected: 2, exposure: 42 }, platformArch: { affected: 2, exposure: 42 } };
      expect(evaluateCell(cell({ crash24h }), null, at).verdict).not.toBe('halt');
      const three = { overall: { affected: 3, exposure: 42 }, platformArch: { affected: 3, exposure: 42 } };
      expect(evaluateCell(cell({ crash24h: three }), null, at).reasons).toContain('crash_rate_above_vitals_overall');
    });
  });

  describe('sticky halt', () => {
    const halted: EvaluationState = { verdict: 'halt', reasons: ['crash_rate_above_baseline'], consecutiveHealthy: 0, haltedAt: 500_000 };

    it('when a halted release looks fine now, then it stays halted, awaiting a resume', () => {
      const result = evaluateCell(cell(), halted, at);
      expect(result).toMatchObject({ verdict: 'halt', reasons: ['crash_rate_above_baseline', 'halted_awaiting_resume'], haltedAt: 500_000 });
      const again = evaluateCell(cell(), result, { now: at.now + 1 });
      expect(again).toMatchObject({ verdict: 'halt', reasons: ['crash_rate_above_baseline', 'halted_awaiting_resume'], haltedAt: 500_000 });
    });

    it('when a person resumed it after the halt, then it is evaluated afresh', () => {
      expect(evaluateCell(cell(), halted, { now: at.now, resumedAt: 600_000 })).toMatchObject({ verdict: 'watch', haltedAt: null });
    });

    it('when the only resume predates the halt, then the halt holds', () => {
      expect(evaluateCell(cell(), halted, { now: at.now, resumedAt: 400_000 }).verdict).toBe('halt');
    });

    it('when the release is superseded, then the halt is no longer held', () => {
      expect(evaluateCell(cell(), halted, { now: at.now, superseded: true }).verdict).toBe('watch');
    });

    it('when it halts again after a resume, then the new halt is dated now', () => {
      const bad = { overall: { affected: 200, exposure: 10_000 }, platformArch: quiet.platformArch };
      expect(evaluateCell(cell({ crash24h: bad }), halted, { now: at.now, resumedAt: 600_000 })).toMatchObject({ verdict: 'halt', haltedAt: at.now });
      expect(evaluateCell(cell({ crash24h: bad }), halted, at)).toMatchObject({ verdict: 'halt', haltedAt: 500_000 });
    });
  });

  it('the release verdict is its worst cell, and watch before any cell', () => {
    expect(releaseVerdict([{ verdict: 'healthy' }, { verdict: 'halt' }, { verdict: 'watch' }])).toBe('halt');
    expect(releaseVerdict([{ verdict: 'healthy' }, { verdict: 'watch' }])).toBe('watch');
    expect(releaseVerdict([{ verdict: 'healthy' }])).toBe('healthy');
    expect(releaseVerdict([])).toBe('watch');
  });

  it('the baseline is the other version with the most device-days, or the one named', () => {
    const candidates = [
      { version: '1.4.2', activeDeviceDays: 90_000 },
      { version: '1.4.0', activeDeviceDays: 3_000 },
      { version: '1.4.1', activeDeviceDays: 50_000 },
    ];
    expect(chooseBaseline(candidates, '1.4.2')).toBe('1.4.1');
    expect(chooseBaseline(candidates, '1.4.2', '1.4.0')).toBe('1.4.0');
    expect(chooseBaseline([{ version: '1.4.2', activeDeviceDays: 9 }], '1.4.2')).toBeNull();
    expect(chooseBaseline([{ version: 'a', activeDeviceDays: 5 }, { version: 'b', activeDeviceDays: 5 }], 'c')).toBe('b');
  });

  it('settings default to the issue values, and a bad one throws naming it', () => {
    expect(rolloutSettings()).toEqual({ ...DEFAULT_ROLLOUT_SETTINGS, metrics: ['crash', 'update_failure', 'install_failure'] });
    expect(() => rolloutSettings({ alpha: 0 })).toThrow('rollout setting alpha');
    expect(() => rolloutSettings({ gridMax: 1 })).toThrow('rollout setting gridMax');
    expect(() => rolloutSettings({ metrics: ['crash', 'crash'] })).toThrow('rollout setting metrics');
    expect(() => rolloutSettings({ gridSize: 0.5 })).toThrow('rollout setting gridSize');
  });
});
