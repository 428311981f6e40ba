import type { ReleaseCellKey } from '../domain/rollout-cell';
import type { ReleaseEvidence } from '../domain/rollout-release-evidence';
import type { ReleaseRole } from '../domain/rollout-roles';
import type { GatedMetric, RolloutSettings } from '../domain/rollout-settings';
import type { Judgement, Verdict, VerdictReason } from '../domain/rollout-verdict';
import type { OutboxEvent } from './webhook-store';

/** (channel, platform, arch): a cell of one release. */
export type CellKey = ReleaseCellKey;

/** What the last evaluation of one (app, version) found and must remember. */
export interface ReleaseState {
  appId: string;
  version: string;
  role: ReleaseRole;
  /** null for a baseline or a previous version never judged; a held halt stays whatever the role. */
  verdict: Verdict | null;
  reasons: VerdictReason[];
  baselineVersion: string | null;
  consecutiveHealthy: number;
  haltedAt: Date | null;
  /** A newer version with real adoption has replaced it: no longer a current rollout (a halt stays a halt). */
  supersededBy: string | null;
  /** Active device-days over the last two UTC days, at the last evaluation. */
  activeDeviceDays: number;
  /** The evidence against the baseline (rollouts only). */
  evidence: ReleaseEvidence | null;
  /** The last judgement's metrics and limits, for display (rollouts only). */
  judgement: Pick<Judgement, 'metrics' | 'limits'> | null;
  /** End of the data the evaluation saw. */
  dataThrough: Date | null;
  evaluatedAt: Date;
  resumedAt: Date | null;
  resumedBy: string | null;
  resumeNote: string | null;
}

/** One line of a release's history: a change of verdict or role, or a person's resume. */
export interface HistoryEntry {
  appId: string;
  version: string;
  at: Date;
  kind: 'verdict' | 'role' | 'resume';
  from: string | null;
  to: string | null;
  reasons: VerdictReason[];
  /** For a resume: who, and why. */
  by: string | null;
  note: string | null;
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
 * Evaluation state per release, its history, and per-app settings. Saving an evaluation writes its
 * history lines and outbox events in the same transaction where the store allows.
 */
export interface VerdictStore {
  findRelease(appId: string, version: string): Promise<ReleaseState | null>;
  /** Every release of the app ever evaluated, in no particular order. */
  listReleases(appId: string): Promise<ReleaseState[]>;
  /** Keeps the resume fields as stored: an evaluation never overwrites what a person did. */
  saveEvaluation(release: ReleaseState, history: HistoryEntry[], events: OutboxEvent[]): Promise<void>;
  /** Records who resumed a release, when and why, with its history line; null when it was never evaluated. */
  resume(resume: Resume): Promise<ReleaseState | null>;
  /** Oldest first, at most `limit` (the newest ones when cut). */
  history(appId: string, version: string, limit: number): Promise<HistoryEntry[]>;
  getSettings(appId: string): Promise<AppRolloutSettings>;
  putSettings(appId: string, settings: AppRolloutSettings): Promise<void>;
}
