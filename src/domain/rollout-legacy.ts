import type { VerdictReason } from './rollout-verdict';

// What release 0.1.0 stored about rollouts, and what it means now. Used by the storage migrations only:
// 0.1.0 judged every cell on its own and named the absolute limit after Android vitals.

const RENAMED_REASONS: Record<string, VerdictReason> = {
  crash_rate_above_vitals_overall: 'crash_rate_limit',
  crash_rate_above_vitals_cell: 'crash_rate_limit_platform',
  no_baseline: 'no_baseline_cells',
};

/** A 0.1.0 reason in today's words; reasons that kept their name pass through. */
export function currentReason(reason: string): VerdictReason {
  return RENAMED_REASONS[reason] ?? (reason as VerdictReason);
}

const RENAMED_SETTINGS: Record<string, string> = { androidVitalsOverall: 'crashRateLimit', androidVitalsCell: 'crashRateLimitPlatform' };

/** An app's 0.1.0 rollout settings with today's names (the values mean the same limits). */
export function currentSettings(settings: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(settings).map(([k, v]) => [RENAMED_SETTINGS[k] ?? k, v]));
}

export interface LegacyCell {
  verdict: string;
  reasons: string[];
  consecutiveHealthy: number;
  haltedAt: number | null;
}

/**
 * A 0.1.0 release's cells folded into today's one state per release: its reasons (each once, renamed),
 * its halt time (the first cell's halt, when the release was on halt) and the consecutive healthy
 * judgements all its cells had.
 */
export function foldLegacyCells(verdict: string, cells: readonly LegacyCell[]): { reasons: VerdictReason[]; haltedAt: number | null; consecutiveHealthy: number } {
  const relevant = verdict === 'halt' ? cells.filter((c) => c.verdict === 'halt') : cells;
  const reasons = [...new Set(relevant.flatMap((c) => c.reasons.map(currentReason)))];
  const halts = relevant.map((c) => c.haltedAt).filter((t): t is number => t !== null);
  return {
    reasons,
    haltedAt: verdict === 'halt' && halts.length > 0 ? Math.min(...halts) : null,
    consecutiveHealthy: cells.length > 0 ? Math.min(...cells.map((c) => c.consecutiveHealthy)) : 0,
  };
}
