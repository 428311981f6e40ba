import type { Verdict, VerdictReason } from '../../domain/rollout-verdict';
import type { AppRolloutSettings, CellVerdictState, ReleaseVerdictState, Resume, VerdictStore } from '../../ports/verdict-store';
import type { OutboxEvent } from '../../ports/webhook-store';
import { guarded, type SqliteDatabase } from './sqlite-database';
import { outboxInsert } from './sqlite-webhook-store';

interface ReleaseRow {
  app_id: string;
  version: string;
  verdict: string;
  baselineVersion: string | null;
  dataThrough: number | null;
  evaluatedAt: number;
  resumedAt: number | null;
  resumedBy: string | null;
  resumeNote: string | null;
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
  consecutiveHealthy: number;
  haltedAt: number | null;
  baselineVersion: string | null;
  metrics: string;
  evaluatedAt: number;
}

const date = (ms: number | null) => (ms === null ? null : new Date(ms));

const fromReleaseRow = (r: ReleaseRow): ReleaseVerdictState => ({
  appId: r.app_id,
  version: r.version,
  verdict: r.verdict as Verdict,
  baselineVersion: r.baselineVersion,
  dataThrough: date(r.dataThrough),
  evaluatedAt: new Date(r.evaluatedAt),
  resumedAt: date(r.resumedAt),
  resumedBy: r.resumedBy,
  resumeNote: r.resumeNote,
  superseded: r.superseded === 1,
});

const fromCellRow = (r: CellRow): CellVerdictState => ({
  appId: r.app_id,
  version: r.version,
  cell: { channel: r.channel, platform: r.platform, arch: r.arch },
  verdict: r.verdict as Verdict,
  reasons: JSON.parse(r.reasons) as VerdictReason[],
  consecutiveHealthy: r.consecutiveHealthy,
  haltedAt: date(r.haltedAt),
  baselineVersion: r.baselineVersion,
  metrics: JSON.parse(r.metrics) as CellVerdictState['metrics'],
  evaluatedAt: new Date(r.evaluatedAt),
});

export class SqliteVerdictStore implements VerdictStore {
  private readonly saveTx: (release: ReleaseVerdictState, cells: CellVerdictState[], event: OutboxEvent | null) => void;

  constructor(private readonly db: SqliteDatabase) {
    // The resume fields belong to people, not to evaluations: an evaluation never overwrites them.
    const upsertRelease = db.prepare(`
      INSERT INTO rollout_releases (app_id, version, verdict, baselineVersion, dataThrough, evaluatedAt, resumedAt, resumedBy, resumeNote, superseded)
      VALUES (@appId, @version, @verdict, @baselineVersion, @dataThrough, @evaluatedAt, @resumedAt, @resumedBy, @resumeNote, @superseded)
      ON CONFLICT (app_id, version) DO UPDATE SET verdict = excluded.verdict, baselineVersion = excluded.baselineVersion,
        dataThrough = excluded.dataThrough, evaluatedAt = excluded.evaluatedAt, superseded = excluded.superseded`);
    const upsertCell = db.prepare(`
      INSERT OR REPLACE INTO rollout_cells (app_id, version, channel, platform, arch, verdict, reasons, consecutiveHealthy, haltedAt, baselineVersion, metrics, evaluatedAt)
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
    const row = guarded('findRelease', () => this.db.prepare('SELECT * FROM rollout_releases WHERE app_id = ? AND version = ?').get(appId, version)) as ReleaseRow | undefined;
    return row ? fromReleaseRow(row) : null;
  }

  async listCells(appId: string, version: string): Promise<CellVerdictState[]> {
    const rows = guarded('listCells', () =>
      this.db.prepare('SELECT * FROM rollout_cells WHERE app_id = ? AND version = ? ORDER BY channel, platform, arch').all(appId, version),
    ) as CellRow[];
    return rows.map(fromCellRow);
  }

  async saveEvaluation(release: ReleaseVerdictState, cells: CellVerdictState[], event: OutboxEvent | null): Promise<void> {
    guarded('saveEvaluation', () => this.saveTx(release, cells, event));
  }

  async resume(r: Resume): Promise<ReleaseVerdictState | null> {
    const row = guarded('resume', () =>
      this.db
        .prepare('UPDATE rollout_releases SET resumedAt = ?, resumedBy = ?, resumeNote = ? WHERE app_id = ? AND version = ? RETURNING *')
        .get(r.at.getTime(), r.by, r.note, r.appId, r.version),
    ) as ReleaseRow | undefined;
    return row ? fromReleaseRow(row) : null;
  }

  async getSettings(appId: string): Promise<AppRolloutSettings> {
    const row = guarded('getSettings', () => this.db.prepare('SELECT settings FROM rollout_settings WHERE app_id = ?').get(appId)) as { settings: string } | undefined;
    return row ? (JSON.parse(row.settings) as AppRolloutSettings) : {};
  }

  async putSettings(appId: string, settings: AppRolloutSettings): Promise<void> {
    guarded('putSettings', () =>
      this.db.prepare('INSERT INTO rollout_settings (app_id, settings) VALUES (?, ?) ON CONFLICT (app_id) DO UPDATE SET settings = excluded.settings').run(appId, JSON.stringify(settings)),
    );
  }
}
