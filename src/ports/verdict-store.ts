import type { GatedMetric, MetricEvidence, RolloutSettings, Verdict, VerdictReason } from '../domain/rollout-verdict';
import type { OutboxEvent } from './webhook-store';

/** (channel, platform, arch): a cell of one release. */
export interface CellKey {
  channel: string;
  platform: string;
  arch: string;
}

/** What the last evaluation of one (app, version, cell) found and must remember. */
export interface CellVerdictState {
  appId: string;
  version: string;
  cell: CellKey;
  verdict: Verdict;
  reasons: VerdictReason[];
  consecutiveHealthy: number;
  haltedAt: Date | null;
  baselineVersion: string | null;
  metrics: Partial<Record<GatedMetric, MetricEvidence>>;
  evaluatedAt: Date;
}

export interface ReleaseVerdictState {
  appId: string;
  version: string;
  verdict: Verdict;
  baselineVersion: string | null;
  /** End of the last hour the evaluation saw. */
  dataThrough: Date | null;
  evaluatedAt: Date;
  resumedAt: Date | null;
  resumedBy: string | null;
  resumeNote: string | null;
  superseded: boolean;
}

/** An app's own rollout settings: any of the domain's, and the baseline version to compare with. */
export type AppRolloutSettings = Partial<Omit<RolloutSettings, 'metrics'>> & { metrics?: GatedMetric[]; baseline?: string | null };

export interface Resume {
  appId: string;
  version: string;
  by: string;
  note: string;
  at: Date;
}

/**
 * Evaluation state per release and cell, and per-app settings. Saving an evaluation writes its
 * outbox event (a change of the release's verdict) in the same transaction where the store allows.
 */
export interface VerdictStore {
  findRelease(appId: string, version: string): Promise<ReleaseVerdictState | null>;
  listCells(appId: string, version: string): Promise<CellVerdictState[]>;
  saveEvaluation(release: ReleaseVerdictState, cells: CellVerdictState[], event: OutboxEvent | null): Promise<void>;
  /** Records who resumed a release and when; null when it was never evaluated. */
  resume(resume: Resume): Promise<ReleaseVerdictState | null>;
  getSettings(appId: string): Promise<AppRolloutSettings>;
  putSettings(appId: string, settings: AppRolloutSettings): Promise<void>;
}
