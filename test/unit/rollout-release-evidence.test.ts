import { accumulateEvidence, emptyLogRatios, evidenceGrids } from '../../src/domain/rollout-evidence';
import { AT_RISK_WINDOW_HOURS, NO_DEVICES, rowsByCells, startEvidence, updateEvidence, type DayCellCounts, type DeviceDayCounts } from '../../src/domain/rollout-release-evidence';

const grids = evidenceGrids({ gridSize: 4 });
const DAY = '2026-01-05';
const at = (hour: number, day = DAY) => Date.parse(`${day}T00:00:00Z`) + hour * 3_600_000 + 30 * 60_000;
const cell = { channel: 'stable', platform: 'android', arch: 'arm64' };
const counts = (c: Partial<DeviceDayCounts>): DeviceDayCounts => ({ ...NO_DEVICES, ...c });
const row = (version: string, c: Partial<DeviceDayCounts>, day = DAY, where = cell): DayCellCounts => ({ day, version, cell: where, counts: counts(c) });
const start = () => startEvidence('1.0.0', at(0), DAY, grids);
const step = (e: ReturnType<typeof start>, rows: DayCellCounts[], hour: number, closeBefore = '2026-01-04') => updateEvidence(e, '1.1.0', rows, grids, { now: at(hour), closeBefore });

describe('release evidence from day-so-far device counts', () => {
  it('when the same counts are read twice, then the second reading adds nothing: a device is one device-day however often it is seen', () => {
    const rows = [row('1.1.0', { active: 100, crash: 2 }), row('1.0.0', { active: 1000, crash: 10 })];
    const once = step(start(), rows, 5);
    const twice = step(once, rows, 5);
    expect(twice.metrics.crash).toEqual(once.metrics.crash);
    expect(once.metrics.crash.release).toEqual({ affected: 2, exposure: 100 });
    expect(once.metrics.crash.baseline).toEqual({ affected: 10, exposure: 1000 });
  });

  it('takes in only the device-days new since the last reading', () => {
    const first = step(start(), [row('1.1.0', { active: 100, crash: 2 }), row('1.0.0', { active: 1000, crash: 10 })], 5);
    const second = step(first, [row('1.1.0', { active: 150, crash: 3 }), row('1.0.0', { active: 1500, crash: 15 })], 6);
    expect(second.metrics.crash.release).toEqual({ affected: 3, exposure: 150 });
    expect(second.metrics.crash.baseline).toEqual({ affected: 15, exposure: 1500 });
    expect(second.cells).toHaveLength(1);
    expect(second.cells[0]!.release.crash).toEqual({ affected: 3, exposure: 150 });
  });

  it(`matches each new affected device-day with the device-days first seen in the last ${AT_RISK_WINDOW_HOURS} hour(s)`, () => {
    let e = start();
    const release = [100, 150, 230, 300];
    const baseline = [1000, 1600, 2000, 2500];
    for (let h = 0; h < 4; h++) e = step(e, [row('1.1.0', { active: release[h]!, crash: h }), row('1.0.0', { active: baseline[h]!, crash: 2 * h })], h);
    // Each hour h: one new crash on the release, two on the baseline, against the devices first
    // seen since the start of hour h − (W − 1): the counts read in the hour before that one.
    let expected = emptyLogRatios(grids);
    for (let h = 0; h < 4; h++) {
      const f = Math.max(0, h - (AT_RISK_WINDOW_HOURS - 1));
      const base = (s: number[]) => (f === 0 ? 0 : s[f - 1]!);
      expected = accumulateEvidence(expected, [{ xR: h === 0 ? 0 : 1, xB: h === 0 ? 0 : 2, eR: release[h]! - base(release), eB: baseline[h]! - base(baseline) }], grids);
    }
    for (let k = 0; k < 4; k++) expect(e.metrics.crash.logRatios.halt[k]).toBeCloseTo(expected.halt[k]!, 10);
  });

  it('when the rows are taken in a few cells at a time (the evaluator yields between parts), then the evidence is what one update gives', () => {
    const where = (i: number) => ({ channel: i % 2 ? 'beta' : 'stable', platform: `p${i % 5}`, arch: `a${i}` });
    const rows = [0, 1, 2, 3, 4, 5, 6].flatMap((i) => [
      row('1.1.0', { active: 100 + i, crash: i % 3 }, '2026-01-04', where(i)),
      row('1.0.0', { active: 900 + i, crash: i }, '2026-01-04', where(i)),
      row('1.1.0', { active: 50 + i, crash: 1 }, DAY, where(i)),
      row('1.0.0', { active: 400 + i, crash: 2 + (i % 2) }, DAY, where(i)),
    ]);
    const early = startEvidence('1.0.0', at(0, '2026-01-04'), '2026-01-04', grids);
    const whole = updateEvidence(early, '1.1.0', rows, grids, { now: at(5), closeBefore: DAY });
    const parts = rowsByCells(rows, 3);
    expect(parts.map((p) => p.length)).toEqual([12, 12, 4]);
    let inParts = early;
    for (const [i, part] of parts.entries()) inParts = updateEvidence(inParts, '1.1.0', part, grids, { now: at(5), closeBefore: i === parts.length - 1 ? DAY : inParts.openFrom });
    expect({ ...inParts, metrics: undefined, updates: 0 }).toEqual({ ...whole, metrics: undefined, updates: 0 });
    for (const metric of ['crash', 'update_failure', 'install_failure'] as const) {
      expect(inParts.metrics[metric].release).toEqual(whole.metrics[metric].release);
      whole.metrics[metric].logRatios.halt.forEach((v, k) => expect(inParts.metrics[metric].logRatios.halt[k]).toBeCloseTo(v, 9));
    }
    expect(whole.metrics.crash.release.affected).toBeGreaterThan(0);
    expect(inParts.openFrom).toBe(DAY);
  });

  it('when a day is closed, then later readings of it are ignored and its watermarks dropped', () => {
    const first = step(start(), [row('1.1.0', { active: 100, crash: 2 }), row('1.0.0', { active: 1000, crash: 10 })], 23);
    const next = updateEvidence(first, '1.1.0', [row('1.1.0', { active: 500, crash: 9 }), row('1.0.0', { active: 1000, crash: 10 })], grids, { now: at(30), closeBefore: '2026-01-06' });
    expect(next.watermarks[DAY]).toBeUndefined();
    const late = updateEvidence(next, '1.1.0', [row('1.1.0', { active: 900, crash: 20 })], grids, { now: at(31), closeBefore: '2026-01-06' });
    expect(late.metrics.crash.release).toEqual(next.metrics.crash.release);
  });

  it('when neither side says how many tried (no arrivals), then failures to update add no evidence', () => {
    const e = step(start(), [row('1.1.0', { active: 100, updateFailedTo: 3 }), row('1.0.0', { active: 1000, updateFailedTo: 1 })], 5);
    expect(e.metrics.update_failure.logRatios).toEqual(emptyLogRatios(grids));
    expect(e.metrics.update_failure.informative).toBe(0);
    const withArrivals = step(start(), [row('1.1.0', { active: 100, updateFailedTo: 3, arrivals: 50 }), row('1.0.0', { active: 1000, updateFailedTo: 1, arrivals: 500 })], 5);
    expect(withArrivals.metrics.update_failure.informative).toBe(4);
    expect(withArrivals.metrics.update_failure.release).toEqual({ affected: 3, exposure: 53 });
  });

  it('a cell only the baseline runs adds nothing and is not listed', () => {
    const other = { channel: 'beta', platform: 'linux', arch: 'amd64' };
    const e = step(start(), [row('1.1.0', { active: 100, crash: 1 }), row('1.0.0', { active: 1000, crash: 5 }), row('1.0.0', { active: 800, crash: 40 }, DAY, other)], 5);
    expect(e.cells.map((c) => c.cell.channel)).toEqual(['stable']);
    expect(e.metrics.crash.baseline).toEqual({ affected: 5, exposure: 1000 });
  });
});
