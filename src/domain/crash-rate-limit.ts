import { logSpacedAbove } from './rollout-evidence';

/**
 * Google Play's bad-behaviour threshold for the user-perceived crash rate, overall (1.09% of daily
 * active users), and on a single device model (8%): the defaults of the absolute crash-rate limits.
 */
export const DEFAULT_CRASH_RATE_LIMIT = 0.0109;
export const DEFAULT_CRASH_RATE_LIMIT_PLATFORM = 0.08;

const GRID_SIZE = 40;
const GRID_SPAN = 30;
const GRID_CEILING = 0.95;

/** The alternatives the mixture spreads over: p log-spaced over (limit, min(0.95, 30·limit)]. */
export function limitGrid(limit: number): number[] {
  return logSpacedAbove(limit, gridTop(limit), GRID_SIZE);
}

const gridTop = (limit: number) => Math.max(Math.min(GRID_CEILING, GRID_SPAN * limit), limit * 1.0001);

/**
 * Evidence that a crash rate in device-days is above `limit`, from `affected` of `exposure` device-days:
 *   e = (1/K) Σ_k (p_k/L)^X ((1 − p_k)/(1 − L))^(N − X),  p_k log-spaced over (L, min(0.95, 30L)].
 * For p_k > L each device-day's factor has mean ≤ 1 whenever its crash probability is ≤ L, so each
 * product is a nonnegative supermartingale over device-days and so is their average: by Ville's
 * inequality P(e ever reaches 1/α) ≤ α, however often it is looked at. It depends only on the totals,
 * so it needs no state between evaluations. Inverted over L it is a confidence sequence (below).
 */
export function rateAboveLimitLogEValue(affected: number, exposure: number, limit: number): number {
  if (!(exposure > 0) || !(limit > 0 && limit < 1)) return 0;
  const x = Math.min(Math.max(affected, 0), exposure);
  const rest = exposure - x;
  const logL = Math.log(limit);
  const logNotL = Math.log1p(-limit);
  const step = Math.log(gridTop(limit) / limit) / GRID_SIZE;
  // log-sum-exp over the grid without allocating it: p_k = L·e^{k·step}, k = 1..K.
  let max = -Infinity;
  const terms = new Float64Array(GRID_SIZE);
  for (let k = 1; k <= GRID_SIZE; k++) {
    const logP = logL + k * step;
    const t = x * (logP - logL) + rest * (Math.log1p(-Math.exp(logP)) - logNotL);
    terms[k - 1] = t;
    if (t > max) max = t;
  }
  let sum = 0;
  for (let k = 0; k < GRID_SIZE; k++) sum += Math.exp(terms[k]! - max);
  return max + Math.log(sum) - Math.log(GRID_SIZE);
}

/**
 * The anytime-valid lower confidence bound of the rate: the largest L whose test has reached 1/α
 * (0 when none has). A level-α confidence sequence: the true rate is below it at some look with
 * probability at most α. Found by bisection on log L; the e-value falls as L rises.
 */
export function anytimeLowerBound(affected: number, exposure: number, alpha: number): number {
  if (!(exposure > 0) || !(affected > 0)) return 0;
  const threshold = Math.log(1 / alpha);
  const rate = Math.min(affected / exposure, GRID_CEILING);
  let low = Math.log(1e-9);
  let high = Math.log(rate);
  if (rateAboveLimitLogEValue(affected, exposure, Math.exp(low)) < threshold) return 0;
  for (let i = 0; i < 30; i++) {
    const mid = (low + high) / 2;
    if (rateAboveLimitLogEValue(affected, exposure, Math.exp(mid)) >= threshold) low = mid;
    else high = mid;
  }
  return Math.exp(low);
}
