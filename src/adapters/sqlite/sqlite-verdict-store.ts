import type { ReleaseRole } from '../../domain/rollout-roles';
import type { Verdict, VerdictReason } from '../../domain/rollout-verdict';
import type { AppRolloutSettings, HistoryEntry, ReleaseState, Resume, VerdictStore } from '../../ports/verdict-store';
import type { OutboxEvent } from '../../ports/webhook-store';
import { guarded, type SqliteDatabase } from './sqlite-database';
import { outboxInsert } from './sqlite-webhook-store';

interface ReleaseRow {
  app_id: string;
  version: string;
  role: string;
  verdict: string | null;
  reasons: string;
  baseline_version: string | null;
  consecutive_healthy: number;
  halted_at: number | null;
  superseded_by: string | null;
  active_device_days: number;
  state: string | null;
  data_through: number | null;
  evaluated_at: number;
  resumed_at: number | null;
  resumed_by: string | null;
  resume_note: string | null;
}

interface HistoryRow {
  app_id: string;
  version: string;
  at: number;
  kind: string;
  from_value: string | null;
  to_value: string | null;
  reasons: string;
  by_user: string | null;
  note: string | null;
}

const date = (ms: number | null) => (ms === null ? null : new Date(ms));
const ms = (d: Date | null) => d?.getTime() ?? null;

/** What is kept as JSON: the evidence and the last judgement (rollouts only). */
type StateJson = Pick<ReleaseState, 'evidence' | 'judgement'>;

function fromReleaseRow(r: ReleaseRow): ReleaseState {
  const state = r.state ? (JSON.parse(r.state) as StateJson) : { evidence: null, judgement: null };
  return {
    appId: r.app_id,
    version: r.version,
    role: r.role as ReleaseRole,
    verdict: r.verdict as Verdict | null,
    reasons: JSON.parse(r.reasons) as VerdictReason[],
    baselineVersion: r.baseline_version,
    consecutiveHealthy: r.consecutive_healthy,
    haltedAt: date(r.halted_at),
    supersededBy: r.superseded_by,
    activeDeviceDays: r.active_device_days,
    evidence: state.evidence ?? null,
    judgement: state.judgement ?? null,
    dataThrough: date(r.data_through),
    evaluatedAt: new Date(r.evaluated_at),
    resumedAt: date(r.resumed_at),
    resumedBy: r.resumed_by,
    resumeNote: r.resume_note,
  };
}

const toReleaseRow = (r: ReleaseState) => ({
  app_id: r.appId,
  version: r.version,
  role: r.role,
  verdict: r.verdict,
  reasons: JSON.stringify(r.reasons),
  baseline_version: r.baselineVersion,
  consecutive_healthy: r.consecutiveHealthy,
  halted_at: ms(r.haltedAt),
  superseded_by: r.supersededBy,
  active_device_days: r.activeDeviceDays,
  state: JSON.stringify({ evidence: r.evidence, judgement: r.judgement } satisfies StateJson),
  data_through: ms(r.dataThrough),
  evaluated_at: r.evaluatedAt.getTime(),
  resumed_at: ms(r.resumedAt),
  resumed_by: r.resumedBy,
  resume_note: r.resumeNote,
});

const fromHistoryRow = (h: HistoryRow): HistoryEntry => ({
  appId: h.app_id,
  version: h.version,
  at: new Date(h.at),
  kind: h.kind as HistoryEntry['kind'],
  from: h.from_value,
  to: h.to_value,
  reasons: JSON.parse(h.reasons) as VerdictReason[],
  by: h.by_user,
  note: h.note,
});

const toHistoryRow = (h: HistoryEntry): HistoryRow => ({
  app_id: h.appId,
  version: h.version,
  at: h.at.getTime(),
  kind: h.kind,
  from_value: h.from,
  to_value: h.to,
  reasons: JSON.stringify(h.reasons),
  by_user: h.by,
  note: h.note,
});

/** Release state, history and settings on the shared handle (tables from the migrations). */
export class SqliteVerdictStore implements VerdictStore {
  private readonly saveTx: (release: ReleaseState, history: HistoryEntry[], events: OutboxEvent[]) => void;
  private readonly resumeTx: (r: Resume) => ReleaseRow | undefined;
  private readonly selectRelease;
  private readonly selectReleases;
  private readonly selectHistory;
  private readonly selectSettings;
  private readonly upsertSettings;

  constructor(db: SqliteDatabase) {
    // The resume fields belong to people, not to evaluations: an evaluation never overwrites them.
    const upsertRelease = db.prepare(`
      INSERT INTO rollout_releases (app_id, version, role, verdict, reasons, baseline_version, consecutive_healthy, halted_at, superseded_by,
        active_device_days, state, data_through, evaluated_at, resumed_at, resumed_by, resume_note)
      VALUES (@app_id, @version, @role, @verdict, @reasons, @baseline_version, @consecutive_healthy, @halted_at, @superseded_by,
        @active_device_days, @state, @data_through, @evaluated_at, @resumed_at, @resumed_by, @resume_note)
      ON CONFLICT (app_id, version) DO UPDATE SET role = excluded.role, verdict = excluded.verdict, reasons = excluded.reasons,
        baseline_version = excluded.baseline_version, consecutive_healthy = excluded.consecutive_healthy, halted_at = excluded.halted_at,
        superseded_by = excluded.superseded_by, active_device_days = excluded.active_device_days, state = excluded.state,
        data_through = excluded.data_through, evaluated_at = excluded.evaluated_at`);
    const insertHistory = db.prepare(`
      INSERT INTO rollout_history (app_id, version, at, kind, from_value, to_value, reasons, by_user, note)
      VALUES (@app_id, @version, @at, @kind, @from_value, @to_value, @reasons, @by_user, @note)`);
    const appendEvent = outboxInsert(db);
    // The state, its history lines and the events announcing its change commit together: a crash loses none of them.
    this.saveTx = db.transaction((release: ReleaseState, history: HistoryEntry[], events: OutboxEvent[]) => {
      upsertRelease.run(toReleaseRow(release));
      for (const h of history) insertHistory.run(toHistoryRow(h));
      for (const e of events) appendEvent(e);
    });
    const resumeRelease = db.prepare<[number, string, string, string, string], ReleaseRow>(
      'UPDATE rollout_releases SET resumed_at = ?, resumed_by = ?, resume_note = ? WHERE app_id = ? AND version = ? RETURNING *',
    );
    this.resumeTx = db.transaction((r: Resume) => {
      const row = resumeRelease.get(r.at.getTime(), r.by, r.note, r.appId, r.version);
      if (row) insertHistory.run(toHistoryRow({ appId: r.appId, version: r.version, at: r.at, kind: 'resume', from: row.verdict, to: null, reasons: [], by: r.by, note: r.note }));
      return row;
    });
    this.selectRelease = db.prepare<[string, string], ReleaseRow>('SELECT * FROM rollout_releases WHERE app_id = ? AND version = ?');
    this.selectReleases = db.prepare<[string], ReleaseRow>('SELECT * FROM rollout_releases WHERE app_id = ?');
    this.selectHistory = db.prepare<[string, string, number], HistoryRow>(
      'SELECT * FROM (SELECT * FROM rollout_history WHERE app_id = ? AND version = ? ORDER BY at DESC, id DESC LIMIT ?) ORDER BY at, id',
    );
    this.selectSettings = db.prepare<[string], { settings: string }>('SELECT settings FROM rollout_settings WHERE app_id = ?');
    this.upsertSettings = db.prepare('INSERT INTO rollout_settings (app_id, settings) VALUES (?, ?) ON CONFLICT (app_id) DO UPDATE SET settings = excluded.settings');
  }

  async findRelease(appId: string, version: string): Promise<ReleaseState | null> {
    const row = guarded('findRelease', () => this.selectRelease.get(appId, version));
    return row ? fromReleaseRow(row) : null;
  }

  async listReleases(appId: string): Promise<ReleaseState[]> {
    return guarded('listReleases', () => this.selectReleases.all(appId)).map(fromReleaseRow);
  }

  async saveEvaluation(release: ReleaseState, history: HistoryEntry[], events: OutboxEvent[]): Promise<void> {
    guarded('saveEvaluation', () => this.saveTx(release, history, events));
  }

  async resume(r: Resume): Promise<ReleaseState | null> {
    const row = guarded('resume', () => this.resumeTx(r));
    return row ? fromReleaseRow(row) : null;
  }

  async history(appId: string, version: string, limit: number): Promise<HistoryEntry[]> {
    return guarded('history', () => this.selectHistory.all(appId, version, Math.max(0, limit))).map(fromHistoryRow);
  }

  async getSettings(appId: string): Promise<AppRolloutSettings> {
    const row = guarded('getSettings', () => this.selectSettings.get(appId));
    return row ? (JSON.parse(row.settings) as AppRolloutSettings) : {};
  }

  async putSettings(appId: string, settings: AppRolloutSettings): Promise<void> {
    guarded('putSettings', () => this.upsertSettings.run(appId, JSON.stringify(settings)));
  }
}
