// Release order for versions as reports and beacons carry them: SemVer 2.0 (`1.4.2-beta.1+build.7`)
// or faynoSync's `[0-9.-]+` charset (`1.4.2.10`). Precedence follows semver.org §11: numeric core
// identifiers compared as numbers (a missing one is 0), a pre-release below its release, pre-release
// identifiers numeric-before-alphanumeric; build metadata has no precedence.

interface ParsedVersion {
  core: number[];
  pre: string[];
}

function parse(version: string): ParsedVersion {
  const withoutBuild = version.split('+', 1)[0]!;
  const dash = withoutBuild.indexOf('-');
  const coreText = dash < 0 ? withoutBuild : withoutBuild.slice(0, dash);
  const preText = dash < 0 ? '' : withoutBuild.slice(dash + 1);
  const core = coreText.split('.').map((part) => (/^\d+$/.test(part) ? Number(part) : 0));
  return { core, pre: preText === '' ? [] : preText.split('.') };
}

function compareIdentifiers(a: string, b: string): number {
  const numericA = /^\d+$/.test(a);
  const numericB = /^\d+$/.test(b);
  if (numericA && numericB) return Math.sign(Number(a) - Number(b));
  if (numericA !== numericB) return numericA ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function comparePre(a: string[], b: string[]): number {
  if (a.length === 0 || b.length === 0) return a.length === b.length ? 0 : a.length === 0 ? 1 : -1;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const order = compareIdentifiers(a[i]!, b[i]!);
    if (order !== 0) return order;
  }
  return Math.sign(a.length - b.length);
}

/**
 * Negative when `a` is an earlier release than `b`, positive when later, 0 only for equal strings:
 * versions of equal precedence (differing in build metadata) are ordered by their text, so that every
 * instance sorts them the same way.
 */
export function compareVersions(a: string, b: string): number {
  if (a === b) return 0;
  const pa = parse(a);
  const pb = parse(b);
  for (let i = 0; i < Math.max(pa.core.length, pb.core.length); i++) {
    const order = Math.sign((pa.core[i] ?? 0) - (pb.core[i] ?? 0));
    if (order !== 0) return order;
  }
  const pre = comparePre(pa.pre, pb.pre);
  if (pre !== 0) return pre;
  return a < b ? -1 : 1;
}
