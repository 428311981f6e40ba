import { DEFAULT_CRASH_RATE_LIMIT, DEFAULT_CRASH_RATE_LIMIT_PLATFORM } from './crash-rate-limit';
import { DEFAULT_GRID_MAX, DEFAULT_GRID_MIN, DEFAULT_GRID_SIZE, DEFAULT_THETA0, DEFAULT_THETA1, evidenceGrids, type EvidenceGrids } from './rollout-evidence';

export const GATED_METRICS = ['crash', 'update_failure', 'install_failure'] as const;
export type GatedMetric = (typeof GATED_METRICS)[number];

export interface RolloutSettings {
  /** Halt tests the null "rate ratio ≤ theta0". */
  theta0: number;
  /** Healthy tests the null "rate ratio ≥ theta1". */
  theta1: number;
  /** Halt when a metric's e-value reaches metrics.length / alpha; each crash-rate limit when its own reaches 1 / alpha. */
  alpha: number;
  /** Healthy when every measured metric's mirror e-value is ≥ 1 / alphaHealthy. */
  alphaHealthy: number;
  /** Affected release device-days needed before any halt. */
  minAffected: number;
  /** The absolute crash-rate limit over all of a release's cells (Google Play's bad-behaviour threshold, 1.09%). */
  crashRateLimit: number;
  /** … and in one (platform, arch) (8%). */
  crashRateLimitPlatform: number;
  /** Device-days below which a side has too little data (ROLLOUT_MIN_DEVICES). */
  minDevices: number;
  metrics: readonly GatedMetric[];
  gridMax: number;
  gridMin: number;
  gridSize: number;
}

export const DEFAULT_ROLLOUT_SETTINGS: Readonly<RolloutSettings> = Object.freeze({
  theta0: DEFAULT_THETA0,
  theta1: DEFAULT_THETA1,
  alpha: 0.01,
  alphaHealthy: 0.001,
  minAffected: 3,
  crashRateLimit: DEFAULT_CRASH_RATE_LIMIT,
  crashRateLimitPlatform: DEFAULT_CRASH_RATE_LIMIT_PLATFORM,
  minDevices: 20,
  metrics: Object.freeze([...GATED_METRICS]),
  gridMax: DEFAULT_GRID_MAX,
  gridMin: DEFAULT_GRID_MIN,
  gridSize: DEFAULT_GRID_SIZE,
});

type Rule = [keyof RolloutSettings, (s: RolloutSettings) => boolean, string];

const RULES: Rule[] = [
  ['theta0', (s) => s.theta0 > 0, 'a positive number'],
  ['gridMax', (s) => s.gridMax > s.theta0, 'above theta0'],
  ['theta1', (s) => s.theta1 > 0, 'a positive number'],
  ['gridMin', (s) => s.gridMin > 0 && s.gridMin < s.theta1, 'between 0 and theta1'],
  ['alpha', (s) => s.alpha > 0 && s.alpha < 1, 'in (0, 1)'],
  ['alphaHealthy', (s) => s.alphaHealthy > 0 && s.alphaHealthy < 1, 'in (0, 1)'],
  ['gridSize', (s) => Number.isInteger(s.gridSize) && s.gridSize >= 1 && s.gridSize <= 1000, 'an integer from 1 to 1000'],
  ['minAffected', (s) => Number.isInteger(s.minAffected) && s.minAffected >= 0, 'a non-negative integer'],
  ['minDevices', (s) => Number.isInteger(s.minDevices) && s.minDevices >= 0, 'a non-negative integer'],
  ['crashRateLimit', (s) => s.crashRateLimit > 0 && s.crashRateLimit < 1, 'in (0, 1)'],
  ['crashRateLimitPlatform', (s) => s.crashRateLimitPlatform > 0 && s.crashRateLimitPlatform < 1, 'in (0, 1)'],
  [
    'metrics',
    (s) => s.metrics.length > 0 && s.metrics.every((m) => GATED_METRICS.includes(m)) && new Set(s.metrics).size === s.metrics.length,
    `a non-empty list of distinct ${GATED_METRICS.join(', ')}`,
  ],
];

/** Defaults completed with an app's own settings, checked; a bad value throws naming the setting. */
export function rolloutSettings(overrides: Partial<RolloutSettings> = {}): RolloutSettings {
  const s: RolloutSettings = { ...DEFAULT_ROLLOUT_SETTINGS, ...overrides, metrics: [...(overrides.metrics ?? DEFAULT_ROLLOUT_SETTINGS.metrics)] };
  for (const [name, holds, rule] of RULES) if (!holds(s)) throw new Error(`rollout setting ${name} must be ${rule}`);
  return s;
}

export function gridsOf(settings: RolloutSettings): EvidenceGrids {
  return evidenceGrids(settings);
}
