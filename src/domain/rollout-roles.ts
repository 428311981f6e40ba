import { compareVersions } from './version-order';

/**
 * What a version is to its app right now: a `rollout` (newer than the baseline: judged), the
 * `baseline` (what rollouts are compared with) or `previous` (older than the baseline: shown, not judged).
 */
export type ReleaseRole = 'rollout' | 'baseline' | 'previous';

export interface VersionActivity {
  version: string;
  /** Active device-days over the last two UTC days (yesterday and today so far). */
  activeDeviceDays: number;
  /** A halt is held on it: it can't become the baseline by adoption. */
  halted: boolean;
}

/** Another version replaces the current baseline only with this many times its device-days. */
export const BASELINE_SWITCH_RATIO = 1.25;

/**
 * The app's baseline: the version named in its settings; else the version most of the fleet runs
 * (most active device-days over the last two days) among those not on halt. The current baseline
 * stays until another has BASELINE_SWITCH_RATIO times its device-days, so a rollout near half the
 * fleet doesn't make the comparison flip back and forth; ties go to the higher version.
 */
export function chooseAppBaseline(activity: readonly VersionActivity[], named: string | null, current: string | null): string | null {
  if (named) return named;
  const candidates = activity.filter((a) => !a.halted && a.activeDeviceDays > 0);
  let best: VersionActivity | null = null;
  for (const a of candidates) {
    if (!best || a.activeDeviceDays > best.activeDeviceDays || (a.activeDeviceDays === best.activeDeviceDays && compareVersions(a.version, best.version) > 0)) best = a;
  }
  if (!best) return current;
  const kept = current === null ? undefined : candidates.find((a) => a.version === current);
  if (kept && best.version !== kept.version && best.activeDeviceDays < BASELINE_SWITCH_RATIO * kept.activeDeviceDays) return kept.version;
  return best.version;
}

export function roleOf(version: string, baseline: string | null): ReleaseRole {
  if (baseline === null || version === baseline) return 'baseline';
  return compareVersions(version, baseline) > 0 ? 'rollout' : 'previous';
}

/** A share of the app's device-days that a person would call a rollout: the first stage of most staged rollouts. */
export const SUPERSEDING_SHARE = 0.05;

/**
 * The newest version newer than `version` that has itself been adopted: at least `minDevices`
 * active device-days over the last two days, and at least SUPERSEDING_SHARE of the app's, and not
 * itself on a held halt. One beacon, or a handful of devices, supersedes nothing. null when none has.
 */
export function supersededBy(version: string, activity: readonly VersionActivity[], minDevices: number): string | null {
  const total = activity.reduce((n, a) => n + a.activeDeviceDays, 0);
  let newest: string | null = null;
  for (const a of activity) {
    if (compareVersions(a.version, version) <= 0 || a.halted) continue;
    if (a.activeDeviceDays < Math.max(1, minDevices) || a.activeDeviceDays < SUPERSEDING_SHARE * total) continue;
    if (newest === null || compareVersions(a.version, newest) > 0) newest = a.version;
  }
  return newest;
}
