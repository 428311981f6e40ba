/**
 * One interval of one metric in one cell: new affected device-days x and new exposed device-days E
 * (devices first seen that UTC day within the interval, or the metric's own denominator) of the
 * release R and of its baseline B. Also a whole day's counts, for a one-off evaluation.
 */
export interface EvidenceHour {
  xR: number;
  xB: number;
  eR: number;
  eB: number;
}

export const DEFAULT_THETA0 = 1.25;
export const DEFAULT_THETA1 = 1.5;
export const DEFAULT_GRID_MAX = 50;
export const DEFAULT_GRID_MIN = 0.02;
/**
 * Grid points per e-process. A mixture over K points loses at most a factor K against the best point
 * of the grid, and neighbouring points 40 steps apart on (1.25, 50] differ by 9.7% in θ, fine enough
 * that the best point is never far from the truth; the simulation in bench/rollout-simulation.ts
 * backs this choice.
 */
export const DEFAULT_GRID_SIZE = 40;

/** P(an affected device of hour t is the release's) under rate ratio θ: p_t(θ) = θE_R / (θE_R + E_B). */
export function releaseShareOfAffected(theta: number, eR: number, eB: number): number {
  return (theta * eR) / (theta * eR + eB);
}

function informative(h: EvidenceHour): boolean {
  return h.xR + h.xB > 0 && h.eR > 0 && h.eB > 0;
}

/**
 * log Π_t L_t(θ), L_t(θ) = p_t(θ)^x_R (1 − p_t(θ))^x_B: given n_t = x_R + x_B, x_R ~ Binomial(n_t, p_t(θ))
 * when both counts are Poisson with rates θλE_R and λE_B; conditioning on n_t removes the unknown
 * baseline rate λ. Hours with n_t = 0 or an empty exposure carry no information and add nothing.
 */
export function logLikelihood(hours: readonly EvidenceHour[], theta: number): number {
  let sum = 0;
  for (const h of hours) {
    if (!informative(h)) continue;
    const p = releaseShareOfAffected(theta, h.eR, h.eB);
    if (h.xR > 0) sum += h.xR * Math.log(p);
    if (h.xB > 0) sum += h.xB * Math.log1p(-p);
  }
  return sum;
}

/** `size` points log-spaced over (low, high]: low·(high/low)^(k/size), k = 1..size. */
export function logSpacedAbove(low: number, high: number, size: number): number[] {
  return Array.from({ length: size }, (_, i) => low * Math.pow(high / low, (i + 1) / size));
}

/** `size` points log-spaced over [low, high): low·(high/low)^(k/size), k = 0..size−1. */
export function logSpacedBelow(low: number, high: number, size: number): number[] {
  return Array.from({ length: size }, (_, i) => low * Math.pow(high / low, i / size));
}

/**
 * log of (1/K) Σ_k Π_t L_t(θ_k) / L_t(θ_null), by log-sum-exp so that thousands of hours of strong
 * evidence neither overflow nor lose precision.
 */
export function logMixtureLikelihoodRatio(hours: readonly EvidenceHour[], grid: readonly number[], thetaNull: number): number {
  if (grid.length === 0) throw new Error('an e-process needs at least one grid point');
  const logRatios = new Float64Array(grid.length);
  for (const h of hours) {
    if (!informative(h)) continue;
    const n = h.xR + h.xB;
    const logNull = Math.log(thetaNull * h.eR + h.eB);
    const logThetaNull = Math.log(thetaNull);
    for (let k = 0; k < grid.length; k++) {
      const theta = grid[k]!;
      // log L(θ) − log L(θ0) = x_R log(θ/θ0) − n log((θE_R + E_B)/(θ0E_R + E_B))
      logRatios[k]! += h.xR * (Math.log(theta) - logThetaNull) - n * (Math.log(theta * h.eR + h.eB) - logNull);
    }
  }
  let max = -Infinity;
  for (const v of logRatios) if (v > max) max = v;
  let sum = 0;
  for (const v of logRatios) sum += Math.exp(v - max);
  return max + Math.log(sum) - Math.log(grid.length);
}

export interface HaltEvidenceOptions {
  theta0?: number;
  gridMax?: number;
  gridSize?: number;
  /** An explicit grid, every point above theta0; overrides gridMax and gridSize. */
  grid?: readonly number[];
}

export interface HealthyEvidenceOptions {
  theta1?: number;
  gridMin?: number;
  gridSize?: number;
  /** An explicit grid, every point below theta1; overrides gridMin and gridSize. */
  grid?: readonly number[];
}

function finite(logE: number): number {
  return Math.min(Math.exp(logE), Number.MAX_VALUE);
}

/**
 * Evidence that the release is more than θ0 times worse than its baseline:
 *   e = (1/K) Σ_k Π_t L_t(θ_k) / L_t(θ0),  θ_k log-spaced over (θ0, 50].
 * Why it may be checked every hour: for θ_k > θ0 the ratio L_t(θ_k)/L_t(θ0) increases in x_R, and for
 * any true θ ≤ θ0, x_R | n_t is stochastically no larger than under θ0 (monotone likelihood ratio), so
 * each factor has conditional mean ≤ 1. Each product is then a nonnegative supermartingale under the
 * whole null, so is their average, and Ville's inequality gives P(sup_t e_t ≥ 1/α) ≤ α: an
 * e-process (Ramdas, Grünwald, Vovk & Shafer, "Game-theoretic statistics and safe anytime-valid
 * inference", Stat. Sci. 2023). The grid is fixed in advance; it must not depend on the data.
 */
export function haltLogEValue(hours: readonly EvidenceHour[], options: HaltEvidenceOptions = {}): number {
  const theta0 = options.theta0 ?? DEFAULT_THETA0;
  const grid = options.grid ?? logSpacedAbove(theta0, options.gridMax ?? DEFAULT_GRID_MAX, options.gridSize ?? DEFAULT_GRID_SIZE);
  if (grid.some((t) => !(t > theta0))) throw new Error('every halt grid point must be above theta0');
  return logMixtureLikelihoodRatio(hours, grid, theta0);
}

export function haltEValue(hours: readonly EvidenceHour[], options: HaltEvidenceOptions = {}): number {
  return finite(haltLogEValue(hours, options));
}

/**
 * The mirror: evidence that the release is less than θ1 times worse (null θ ≥ θ1),
 *   e = (1/K) Σ_k Π_t L_t(θ_k) / L_t(θ1),  θ_k log-spaced over [0.02, θ1);
 * valid under repeated checks by the same argument with the inequalities reversed.
 */
export function healthyLogEValue(hours: readonly EvidenceHour[], options: HealthyEvidenceOptions = {}): number {
  const theta1 = options.theta1 ?? DEFAULT_THETA1;
  const grid = options.grid ?? logSpacedBelow(options.gridMin ?? DEFAULT_GRID_MIN, theta1, options.gridSize ?? DEFAULT_GRID_SIZE);
  if (grid.some((t) => !(t > 0 && t < theta1))) throw new Error('every healthy grid point must be in (0, theta1)');
  return logMixtureLikelihoodRatio(hours, grid, theta1);
}

export function healthyEValue(hours: readonly EvidenceHour[], options: HealthyEvidenceOptions = {}): number {
  return finite(healthyLogEValue(hours, options));
}

/**
 * The running state of the two e-processes of one metric: for each grid point θ_k, the log of
 * Π L(θ_k)/L(θ_null) over every interval seen so far. Adding an interval is a sum, so evidence can be
 * carried from one evaluation to the next without keeping the intervals.
 */
export interface EvidenceLogRatios {
  halt: number[];
  healthy: number[];
}

export interface EvidenceGrids {
  theta0: number;
  theta1: number;
  halt: readonly number[];
  healthy: readonly number[];
}

export function evidenceGrids(options: { theta0?: number; theta1?: number; gridMax?: number; gridMin?: number; gridSize?: number } = {}): EvidenceGrids {
  const theta0 = options.theta0 ?? DEFAULT_THETA0;
  const theta1 = options.theta1 ?? DEFAULT_THETA1;
  const size = options.gridSize ?? DEFAULT_GRID_SIZE;
  return {
    theta0,
    theta1,
    halt: logSpacedAbove(theta0, options.gridMax ?? DEFAULT_GRID_MAX, size),
    healthy: logSpacedBelow(options.gridMin ?? DEFAULT_GRID_MIN, theta1, size),
  };
}

export function emptyLogRatios(grids: EvidenceGrids): EvidenceLogRatios {
  return { halt: grids.halt.map(() => 0), healthy: grids.healthy.map(() => 0) };
}

function addInterval(into: number[], h: EvidenceHour, grid: readonly number[], thetaNull: number): void {
  const n = h.xR + h.xB;
  const logNull = Math.log(thetaNull * h.eR + h.eB);
  const logThetaNull = Math.log(thetaNull);
  for (let k = 0; k < grid.length; k++) {
    const theta = grid[k]!;
    // log L(θ) − log L(θ0) = x_R log(θ/θ0) − n log((θE_R + E_B)/(θ0E_R + E_B)); x_R = 0 skips a log.
    const gain = h.xR > 0 ? h.xR * (Math.log(theta) - logThetaNull) : 0;
    into[k]! += gain - n * (Math.log(theta * h.eR + h.eB) - logNull);
  }
}

/**
 * The log-ratios after the given intervals (one per cell, or per cell and hour): the stratified
 * test of one release, one shared rate ratio θ over all its cells. Returns a new state.
 */
export function accumulateEvidence(state: EvidenceLogRatios, intervals: readonly EvidenceHour[], grids: EvidenceGrids): EvidenceLogRatios {
  const next = { halt: [...state.halt], healthy: [...state.healthy] };
  for (const h of intervals) {
    if (!informative(h)) continue;
    addInterval(next.halt, h, grids.halt, grids.theta0);
    addInterval(next.healthy, h, grids.healthy, grids.theta1);
  }
  return next;
}

/** log of the mixture (1/K) Σ_k exp(ℓ_k), by log-sum-exp. */
export function logMeanExp(logRatios: readonly number[]): number {
  if (logRatios.length === 0) return 0;
  let max = -Infinity;
  for (const v of logRatios) if (v > max) max = v;
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (const v of logRatios) sum += Math.exp(v - max);
  return max + Math.log(sum) - Math.log(logRatios.length);
}

/** e = exp(log e), capped at the largest double so JSON can carry it. */
export function eValueOf(logE: number): number {
  return finite(logE);
}
