import { evidenceGrids } from '../../src/domain/rollout-evidence';
import { NO_DEVICES, startEvidence, updateEvidence, type DayCellCounts, type DeviceDayCounts, type ReleaseEvidence } from '../../src/domain/rollout-release-evidence';
import { DEFAULT_ROLLOUT_SETTINGS, rolloutSettings } from '../../src/domain/rollout-settings';
import { judgeRelease, type VerdictState } from '../../src/domain/rollout-verdict';

const settings = rolloutSettings({ metrics: ['crash'] });
const all = rolloutSettings();
const grids = evidenceGrids(settings);
const T0 = Date.parse('2026-01-05T00:00:00Z');
const HOUR = 3_600_000;
const android = { channel: 'stable', platform: 'android', arch: 'arm64' };
const ios = { channel: 'stable', platform: 'ios', arch: 'arm64' };

interface Side {
  active: number;
  crash?: number;
  updateFailedTo?: number;
  arrivals?: number;
}

/** Evidence from `hours` equal hours of one UTC day: per hour, per cell, the given new devices on each side. */
function evidenceOf(hours: number, perHour: Array<{ cell?: typeof android; release: Side; baseline: Side }>): ReleaseEvidence {
  let e = startEvidence('1.0.0', T0, '2026-01-05', grids);
  const total = new Map<string, DeviceDayCounts>();
  for (let h = 0; h < hours; h++) {
    const rows: DayCellCounts[] = [];
    for (const p of perHour) {
      for (const [version, side] of [['1.1.0', p.release], ['1.0.0', p.baseline]] as const) {
        const key = `${version}|${JSON.stringify(p.cell ?? android)}`;
        const c = total.get(key) ?? { ...NO_DEVICES };
        const next = { ...c, active: c.active + side.active, crash: c.crash + (side.crash ?? 0), updateFailedTo: c.updateFailedTo + (side.updateFailedTo ?? 0), arrivals: c.arrivals + (side.arrivals ?? 0) };
        total.set(key, next);
        rows.push({ day: '2026-01-05', version, cell: p.cell ?? android, counts: next });
      }
    }
    e = updateEvidence(e, '1.1.0', rows, grids, { now: T0 + h * HOUR + 1000, closeBefore: '2026-01-04' });
  }
  return e;
}

const now = T0 + 20 * HOUR;
const fresh = { now, resumedAt: null };

describe('rollout verdict: one test per release', () => {
  it('when both sides crash at the same rate, then healthy on the second judgement, watch (evidence building) on the first', () => {
    const e = evidenceOf(20, [{ release: { active: 2000, crash: 8 }, baseline: { active: 5000, crash: 20 } }]);
    const first = judgeRelease(e, null, fresh, settings);
    expect(first.verdict).toBe('watch');
    expect(first.reasons).toEqual(['evidence_building']);
    const second = judgeRelease(e, first, fresh, settings);
    expect(second.verdict).toBe('healthy');
    expect(second.metrics[0]).toMatchObject({ metric: 'crash', status: 'measured', ratio: 1 });
  });

  it('when the release crashes 3× as often, with enough affected device-days, then it halts naming the metric', () => {
    const e = evidenceOf(20, [{ release: { active: 500, crash: 6 }, baseline: { active: 5000, crash: 20 } }]);
    const j = judgeRelease(e, null, fresh, settings);
    expect(j.verdict).toBe('halt');
    expect(j.reasons).toContain('crash_rate_above_baseline');
    expect(j.haltedAt).toBe(now);
    expect(j.metrics[0]!.eValue!).toBeGreaterThanOrEqual(1 / settings.alpha);
  });

  it('when the evidence is strong but only 2 release device-days are affected, then it is not a halt', () => {
    const e = evidenceOf(2, [{ release: { active: 5, crash: 1 }, baseline: { active: 100_000, crash: 1 } }]);
    expect(e.metrics.crash.release.affected).toBe(2);
    expect(judgeRelease(e, null, fresh, settings).verdict).toBe('watch');
  });

  it('when three metrics are gated, then each needs m/α = 300', () => {
    expect(all.metrics.length / all.alpha).toBe(300);
  });

  it('when the release is over the 1.09% crash-rate limit and its baseline is not, then it halts on the limit alone', () => {
    // 1.3% against 1.05%: a ratio of 1.24 is no evidence against θ ≤ 1.25, but the absolute limit is crossed.
    const e = evidenceOf(20, [{ release: { active: 10_000, crash: 130 }, baseline: { active: 10_000, crash: 105 } }]);
    const j = judgeRelease(e, null, fresh, settings);
    expect(j.verdict).toBe('halt');
    expect(j.reasons).toEqual(['crash_rate_limit']);
    const overall = j.limits.find((l) => l.platform === null)!;
    expect(overall).toMatchObject({ limit: 0.0109, over: true, shared: false });
    expect(overall.release.anytimeLow).toBeGreaterThan(0.0109);
  });

  it('when the baseline is over the limit too over the same hours, then the release is watched with crash_rate_limit_shared, not halted', () => {
    const e = evidenceOf(20, [{ release: { active: 10_000, crash: 250 }, baseline: { active: 10_000, crash: 240 } }]);
    const j = judgeRelease(e, null, fresh, settings);
    expect(j.verdict).toBe('watch');
    expect(j.reasons).toContain('crash_rate_limit_shared');
    expect(j.limits.find((l) => l.platform === null)).toMatchObject({ over: true, shared: true });
    expect(judgeRelease(e, j, fresh, settings).verdict).toBe('watch');
  });

  it('when one (platform, arch) is over 8% with at least minDevices device-days, then it halts on the per-platform limit', () => {
    const e = evidenceOf(20, [
      { cell: android, release: { active: 10_000, crash: 50 }, baseline: { active: 10_000, crash: 50 } },
      { cell: ios, release: { active: 25, crash: 4 }, baseline: { active: 1_000, crash: 10 } },
    ]);
    const j = judgeRelease(e, null, fresh, settings);
    expect(j.verdict).toBe('halt');
    expect(j.reasons).toContain('crash_rate_limit_platform');
    expect(j.reasons).not.toContain('crash_rate_limit');
    expect(j.limits.filter((l) => l.over).map((l) => `${l.platform}/${l.arch}`)).toEqual(['ios/arm64']);
  });

  it('when no client says how many updated (no arrivals), then update failures are not measured and block nothing', () => {
    const withUpdates = rolloutSettings({ metrics: ['crash', 'update_failure'] });
    const e = evidenceOf(20, [{ release: { active: 2000, crash: 8, updateFailedTo: 3 }, baseline: { active: 5000, crash: 20, updateFailedTo: 1 } }]);
    const first = judgeRelease(e, null, fresh, withUpdates);
    const update = first.metrics.find((m) => m.metric === 'update_failure')!;
    expect(update.status).toBe('no_denominator');
    expect(update.eValue).toBeNull();
    expect(judgeRelease(e, first, fresh, withUpdates).verdict).toBe('healthy');
  });

  describe('a halt is held until a person resumes it', () => {
    const good = evidenceOf(20, [{ release: { active: 2000, crash: 8 }, baseline: { active: 5000, crash: 20 } }]);
    const halted: VerdictState = { verdict: 'halt', reasons: ['crash_rate_above_baseline'], consecutiveHealthy: 0, haltedAt: now - HOUR };

    it('when the evidence looks fine now, then it stays halted, awaiting a resume', () => {
      const j = judgeRelease(good, halted, fresh, settings);
      expect(j).toMatchObject({ verdict: 'halt', reasons: ['crash_rate_above_baseline', 'halted_awaiting_resume'], haltedAt: now - HOUR });
    });

    it('when a person resumed it after the halt, then it is judged afresh, and says its evidence restarted', () => {
      const restarted = { ...good, since: now - 30 * 60_000 };
      const j = judgeRelease(restarted, halted, { now, resumedAt: now - 30 * 60_000 }, settings);
      expect(j.verdict).toBe('watch');
      expect(j.reasons).toContain('evidence_restarted');
    });

    it('when the only resume predates the halt, then the halt holds', () => {
      expect(judgeRelease(good, halted, { now, resumedAt: now - 2 * HOUR }, settings).verdict).toBe('halt');
    });
  });

  it('settings default to the documented values, and a bad one throws naming it', () => {
    expect(DEFAULT_ROLLOUT_SETTINGS).toMatchObject({ theta0: 1.25, theta1: 1.5, alpha: 0.01, alphaHealthy: 0.001, minAffected: 3, crashRateLimit: 0.0109, crashRateLimitPlatform: 0.08 });
    expect(() => rolloutSettings({ crashRateLimit: 1.5 })).toThrow('rollout setting crashRateLimit must be in (0, 1)');
    expect(() => rolloutSettings({ metrics: [] })).toThrow(/metrics/);
  });
});
