import { BASELINE_SWITCH_RATIO, chooseAppBaseline, roleOf, supersededBy } from '../../src/domain/rollout-roles';

const v = (version: string, activeDeviceDays: number, halted = false) => ({ version, activeDeviceDays, halted });

describe('rollout roles', () => {
  it('the baseline is the version named in the settings, else the most used one', () => {
    expect(chooseAppBaseline([v('1.0.0', 900), v('1.1.0', 100)], null, null)).toBe('1.0.0');
    expect(chooseAppBaseline([v('1.0.0', 900), v('1.1.0', 100)], '0.9.0', null)).toBe('0.9.0');
  });

  it(`when another version passes the current baseline by less than ${BASELINE_SWITCH_RATIO}×, then the baseline stays`, () => {
    expect(chooseAppBaseline([v('1.0.0', 500), v('1.1.0', 550)], null, '1.0.0')).toBe('1.0.0');
    expect(chooseAppBaseline([v('1.0.0', 400), v('1.1.0', 600)], null, '1.0.0')).toBe('1.1.0');
  });

  it('when the most used version is on halt, then it is not the baseline: fake devices for a halted release cannot make it one', () => {
    expect(chooseAppBaseline([v('1.0.0', 100), v('1.1.0', 10_000, true)], null, '1.0.0')).toBe('1.0.0');
  });

  it('a version newer than the baseline is a rollout, the baseline is the baseline, older ones are previous', () => {
    expect(roleOf('1.1.0', '1.0.0')).toBe('rollout');
    expect(roleOf('1.0.0', '1.0.0')).toBe('baseline');
    expect(roleOf('0.9.0', '1.0.0')).toBe('previous');
    expect(roleOf('1.0.0-beta.1', '1.0.0')).toBe('previous');
  });

  it('a release is superseded only by a newer version with at least minDevices device-days and 5% of the app', () => {
    expect(supersededBy('1.1.0', [v('1.0.0', 9000), v('1.1.0', 1000), v('1.1.1', 1)], 20)).toBeNull();
    expect(supersededBy('1.1.0', [v('1.0.0', 9000), v('1.1.0', 1000), v('1.1.1', 400)], 20)).toBeNull();
    expect(supersededBy('1.1.0', [v('1.0.0', 9000), v('1.1.0', 1000), v('1.1.1', 600)], 20)).toBe('1.1.1');
    expect(supersededBy('1.1.0', [v('1.0.0', 9000), v('1.1.0', 1000), v('1.0.5', 5000)], 20)).toBeNull();
    // A newer version on a held halt has been stopped, not adopted: it retires nothing.
    expect(supersededBy('1.1.0', [v('1.0.0', 9000), v('1.1.0', 1000), v('1.2.0', 3000, true)], 20)).toBeNull();
  });
});
