import type { Statement } from 'better-sqlite3';
import type { Verdict, VerdictReason } from '../../domain/rollout-verdict';
import type { AppRolloutSettings, CellVerdictState, ReleaseVerdictState, Resume, VerdictStore } from '../../ports/verdict-store';
import type { OutboxEvent } from '../../ports/webhook-store';
import { guarded, type SqliteDatabase } from './sqlite-database';
import { outboxInsert } from './sqlite-webhook-store';

interface ReleaseRow {
  app_id: string;
  version: string;
  verdict: string;
  baseline_version: string | null;
  data_through: number | null;
  evaluated_at: number;
  resumed_at: number | null;
  resumed_by: string | null;
  resume_note: string | null;
  superseded: number;
}

interface CellRow {
  app_id: string;
  version: string;
  channel: string;
  platform: string;
  arch: string;
  verdict: string;
  reasons: string;
  consecutive_healthy: number;
  halted_at: number | null;
  baseline_version: string | null;
  metrics: string;
  evaluated_at: number;
}

const date = (ms: number | null) => (ms === null ? null : new Date(ms));

const fromReleaseRow = (r: ReleaseRow): ReleaseVerdictState => ({
  appId: r.app_id,
  version: r.version,
  verdict: r.verdict as Verdict,
  baselineVersion: r.baseline_version,
  dataThrough: date(r.data_through),
  evaluatedAt: new Date(r.evaluated_at),
  resumedAt: date(r.resumed_at),
  resumedBy: r.resumed_by,
  resumeNote: r.resume_note,
  superseded: r.superseded === 1,
});

const fromCellRow = (r: CellRow): CellVerdictState => ({
  appId: r.app_id,
  version: r.version,
  cell: { channel: r.channel, platform: r.platform, arch: r.arch },
  verdict: r.verdict as Verdict,
  reasons: JSON.parse(r.reasons) as VerdictReason[],
  consecutiveHealthy: r.consecutive_healthy,
  haltedAt: date(r.halted_at),
  baselineVersion: r.baseline_version,
  metrics: JSON.parse(r.metrics) as CellVerdictState['metrics'],
  evaluatedAt: new Date(r.evaluated_at),
});

export class SqliteVerdictStore implements VerdictStore {
  private readonly saveTx: (release: ReleaseVerdictState, cells: CellVerdictState[], event: OutboxEvent | null) => void;
  private readonly selectRelease: Statement;
  private readonly selectCells: Statement;
  private readonly resumeRelease: Statement;
  private readonly selectSettings: Statement;
  private readonly upsertSettings: Statement;

  constructor(db: SqliteDatabase) {
    this.selectRelease = db.prepare('SELECT * FROM rollout_releases WHERE app_id = ? AND version = ?');
    this.selectCells = db.prepare('SELECT * FROM rollout_cells WHERE app_id = ? AND version = ? ORDER BY channel, platform, arch');
    this.resumeRelease = db.prepare('UPDATE rollout_releases SET resumed_at = ?, resumed_by = ?, resume_note = ? WHERE app_id = ? AND version = ? RETURNING *');
    this.selectSettings = db.prepare('SELECT settings FROM rollout_settings WHERE app_id = ?').pluck();
    this.upsertSettings = db.prepare('INSERT INTO rollout_settings (app_id, settings) VALUES (?, ?) ON CONFLICT (app_id) DO UPDATE SET settings = excluded.settings');
    // The resume fields belong to people, not to evaluations: an evaluation never overwrites them.
    const upsertRelease = db.prepare(`
      INSERT INTO rollout_releases (app_id, version, verdict, baseline_version, data_through, evaluated_at, resumed_at, resumed_by, resume_note, superseded)
      VALUES (@appId, @version, @verdict, @baselineVersion, @dataThrough, @evaluatedAt, @resumedAt, @resumedBy, @resumeNote, @superseded)
      ON CONFLICT (app_id, version) DO UPDATE SET verdict = excluded.verdict, baseline_version = excluded.baseline_version,
        data_through = excluded.data_through, evaluated_at = excluded.evaluated_at, superseded = excluded.superseded`);
    const upsertCell = db.prepare(`
      INSERT OR REPLACE INTO rollout_cells (app_id, version, channel, platform, arch, verdict, reasons, consecutive_healthy, halted_at, baseline_version, metrics, evaluated_at)
      VALUES (@appId, @version, @channel, @platform, @arch, @verdict, @reasons, @consecutiveHealthy, @haltedAt, @baselineVersion, @metrics, @evaluatedAt)`);
    const appendEvent = outboxInsert(db);
    // The verdict and the event announcing its change commit together: a crash loses neither.
    this.saveTx = db.transaction((release: ReleaseVerdictState, cells: CellVerdictState[], event: OutboxEvent | null) => {
      upsertRelease.run({
        ...release,
        dataThrough: release.dataThrough?.getTime() ?? null,
        evaluatedAt: release.evaluatedAt.getTime(),
        resumedAt: release.resumedAt?.getTime() ?? null,
        superseded: release.superseded ? 1 : 0,
      });
      for (const c of cells) {
        upsertCell.run({
          appId: c.appId,
          version: c.version,
          ...c.cell,
          verdict: c.verdict,
          reasons: JSON.stringify(c.reasons),
          consecutiveHealthy: c.consecutiveHealthy,
          haltedAt: c.haltedAt?.getTime() ?? null,
          baselineVersion: c.baselineVersion,
          metrics: JSON.stringify(c.metrics),
          evaluatedAt: c.evaluatedAt.getTime(),
        });
      }
      if (event) appendEvent(event);
    });
  }

  async findRelease(appId: string, version: string): Promise<ReleaseVerdictState | null> {
    const row = guarded('findRelease', () => this.selectRelease.get(appId, version)) as ReleaseRow | undefined;
    return row ? fromReleaseRow(row) : null;
  }

  async listCells(appId: string, version: string): Promise<CellVerdictState[]> {
    const rows = guarded('listCells', () => this.selectCells.all(appId, version)) as CellRow[];
    return rows.map(fromCellRow);
  }

  async saveEvaluation(release: ReleaseVerdictState, cells: CellVerdictState[], event: OutboxEvent | null): Promise<void> {
    guarded('saveEvaluation', () => this.saveTx(release, cells, event));
  }

  async resume(r: Resume): Promise<ReleaseVerdictState | null> {
    const row = guarded('resume', () => this.resumeRelease.get(r.at.getTime(), r.by, r.note, r.appId, r.version)) as ReleaseRow | undefined;
    return row ? fromReleaseRow(row) : null;
  }

  async getSettings(appId: string): Promise<AppRolloutSettings> {
    const settings = guarded('getSettings', () => this.selectSettings.get(appId)) as string | undefined;
    return settings === undefined ? {} : (JSON.parse(settings) as AppRolloutSettings);
  }

  async putSettings(appId: string, settings: AppRolloutSettings): Promise<void> {
    guarded('putSettings', () => this.upsertSettings.run(appId, JSON.stringify(settings)));
  }
}
