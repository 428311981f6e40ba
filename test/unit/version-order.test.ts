import { compareVersions } from '../../src/domain/version-order';

describe('version order', () => {
  it('orders SemVer precedence as semver.org §11 lists it', () => {
    const ordered = ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0', '1.0.1', '1.2.0', '1.10.0', '2.0.0'];
    const shuffled = [...ordered].reverse();
    expect(shuffled.sort(compareVersions)).toEqual(ordered);
  });

  it('compares core numbers as numbers, a missing one as 0, and takes faynoSync-style four-part versions', () => {
    expect(compareVersions('1.4.10', '1.4.9')).toBeGreaterThan(0);
    expect(compareVersions('1.4.2.10', '1.4.2')).toBeGreaterThan(0);
    expect(compareVersions('1.4', '1.4.0')).toBeLessThan(0); // equal precedence, ordered by text
    expect(compareVersions('1.4.2', '1.4.2')).toBe(0);
  });

  it('gives build metadata no precedence, yet a total order every instance agrees on', () => {
    expect(compareVersions('1.0.0+build.1', '1.0.0-rc.1')).toBeGreaterThan(0);
    expect(Math.sign(compareVersions('1.0.0+a', '1.0.0+b'))).toBe(-Math.sign(compareVersions('1.0.0+b', '1.0.0+a')));
  });
});
