/** z for a two-sided 95% interval: Φ⁻¹(0.975). */
export const Z_95 = 1.959963984540054;

export interface RateInterval {
  rate: number;
  low: number;
  high: number;
}

/**
 * The Wilson score interval (E. B. Wilson, JASA 1927; Brown, Cai & DasGupta, Stat. Sci. 2001):
 *   p̂ = x/n,  centre = (p̂ + z²/2n) / (1 + z²/n),  half = z/(1 + z²/n) · √(p̂(1−p̂)/n + z²/4n²).
 * It stays inside [0, 1] and is sound at x = 0 and x = n, where the Wald interval collapses.
 * With n = 0 nothing is known: rate 0 and the whole of [0, 1].
 */
export function wilsonInterval(successes: number, trials: number, z = Z_95): RateInterval {
  if (!(trials > 0)) return { rate: 0, low: 0, high: 1 };
  const x = Math.min(Math.max(successes, 0), trials);
  const n = trials;
  const p = x / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (z / denominator) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // At x = 0 and x = n the bound is exactly 0 or 1; clamp away the rounding.
  return { rate: p, low: x === 0 ? 0 : Math.max(0, centre - half), high: x === n ? 1 : Math.min(1, centre + half) };
}

export const EVENT_TYPES = ['crash', 'startup_failure', 'update_failure', 'install_failure', 'rollback_failure'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Merged sketch counts of one cell (app, version, channel, platform, arch) over a window, in device-days. */
export interface CellCounts {
  active: number;
  affected: Record<EventType, number>;
  /** Devices with a crash or a startup failure: the union of the two sketches. */
  crashUnion: number;
  /** Devices whose first launch after an update landed on this version (`from_version` present). */
  arrivals: number;
  /** Devices whose first launch after install was on this version (`first_run=1`). */
  firstRuns: number;
  /** Devices that failed to update to this version (`event.target_version`, else the running version). */
  updateFailuresTargetingThisVersion: number;
}

/**
 * A rate whose denominator nobody reported: no beacon said `from_version` (update failures) or
 * `first_run` (install failures), so failures have nothing to be divided by. Not 100%: unmeasured.
 */
export interface UnmeasuredRate {
  rate: null;
  low: null;
  high: null;
  reason: 'no_denominator';
}

export const NO_DENOMINATOR: Readonly<UnmeasuredRate> = Object.freeze({ rate: null, low: null, high: null, reason: 'no_denominator' });

export interface CellRatesShown {
  active_device_days: number;
  share: number;
  suppressed: false;
  affected: Record<EventType, number>;
  rates: { crash: RateInterval; crash_free: RateInterval; update_failure: RateInterval | UnmeasuredRate; install_failure: RateInterval | UnmeasuredRate };
}
export interface CellRatesSuppressed {
  suppressed: true;
}
export type CellRates = CellRatesShown | CellRatesSuppressed;

/** Share of the rollout: this cell's active device-days over all versions' in the same other dimensions. */
export function rolloutShare(active: number, allVersionsActive: number): number {
  return allVersionsActive > 0 ? Math.min(1, active / allVersionsActive) : 0;
}

/**
 * The rates of one cell, as `GET /rollouts/rates` answers them (issue 12). Each rate is affected
 * device-days over its exposure in device-days, with a 95% Wilson interval:
 *   crash          = crash / active
 *   crash_free     = 1 − (crash ∪ startup_failure) / active; interval [1 − high, 1 − low] of that union rate
 *   update_failure = failures to update to V / (those + arrivals at V); unmeasured without arrivals
 *   install_failure = install failures / (install failures + first runs); unmeasured without first runs
 * Below `minDevices` active device-days the cell shows neither rates nor counts (noise and privacy).
 * Sketch estimates are rounded to whole devices, and an affected count is capped by its exposure,
 * since a sketch of a subset can estimate a little above the sketch of its superset.
 */
export function cellRates(counts: CellCounts, options: { allVersionsActive: number; minDevices: number }): CellRates {
  const active = Math.round(counts.active);
  if (active < options.minDevices) return { suppressed: true };
  const capped = (x: number, n: number) => Math.min(Math.round(x), n);
  const affected = Object.fromEntries(EVENT_TYPES.map((t) => [t, capped(counts.affected[t], active)])) as Record<EventType, number>;
  const union = capped(counts.crashUnion, active);
  const unionRate = wilsonInterval(union, active);
  const updateFailures = Math.round(counts.updateFailuresTargetingThisVersion);
  const installFailures = affected.install_failure;
  return {
    active_device_days: active,
    share: rolloutShare(counts.active, options.allVersionsActive),
    suppressed: false,
    affected,
    rates: {
      crash: wilsonInterval(affected.crash, active),
      crash_free: { rate: 1 - unionRate.rate, low: 1 - unionRate.high, high: 1 - unionRate.low },
      update_failure: Math.round(counts.arrivals) > 0 ? wilsonInterval(updateFailures, updateFailures + Math.round(counts.arrivals)) : { ...NO_DENOMINATOR },
      install_failure: Math.round(counts.firstRuns) > 0 ? wilsonInterval(installFailures, installFailures + Math.round(counts.firstRuns)) : { ...NO_DENOMINATOR },
    },
  };
}
