import type { Statement } from 'better-sqlite3';
import { compareBuckets, type GroupFilter } from '../../domain/group-query';
import type { BlobRecord, EventType, GroupStatus, ReportDimensions, ReportEvent, ReportGroup } from '../../domain/report';
import type { GroupPage, RecordOutcome, ReportRepository, SummaryBucket, SummaryDimension, SummaryQuery, TriageUpdate } from '../../ports/report-repository';
import { guarded, jsonList, statementCache, type SqliteDatabase } from './sqlite-database';

interface DimensionColumns {
  application_name: string;
  application_version: string;
  application_channel: string;
  system_platform: string;
  system_arch: string;
  event_type: string;
  event_reason: string;
}

interface GroupRow extends DimensionColumns {
  app_id: string;
  group_hash: string;
  count: number;
  first_seen: number;
  last_seen: number;
  details_stored: number;
  details_rejected: number;
  status: string;
  resolved_at: number | null;
  resolved_by: string | null;
  tags: string;
  note: string;
  created_at: number;
  updated_at: number;
}

interface BlobRow extends DimensionColumns {
  id: string;
  app_id: string;
  group_hash: string;
  storage_driver: string;
  storage_key: string;
  storage_compressed_size: number;
  storage_decompressed_size: number;
  storage_content_type: string;
  storage_encoding: string;
  created_at: number;
  expires_at: number;
}

const COLUMN_OF: Record<SummaryDimension, keyof DimensionColumns> = {
  version: 'application_version',
  channel: 'application_channel',
  platform: 'system_platform',
  arch: 'system_arch',
  type: 'event_type',
  reason: 'event_reason',
};

const ORDER_GROUPS = 'ORDER BY last_seen DESC, group_hash ASC, app_id ASC';
const ORDER_BLOBS_NEWEST = 'ORDER BY created_at DESC, id DESC';
/** Filters and groupings are built per request; their statements are kept by shape, up to this many. */
const MAX_CACHED_SHAPES = 256;

export class SqliteReportRepository implements ReportRepository {
  /** Counts calls that write, so tests can hold "one write per minimal report" to account. */
  writes = 0;
  private readonly upsertGroup: Statement;
  private readonly selectGroup: Statement;
  private readonly triage: Statement;
  private readonly insertBlobRow: Statement;
  private readonly selectBlobs: Statement;
  private readonly selectBlob: Statement;
  private readonly selectExcessBlobs: Statement;
  private readonly selectExpiring: Statement;
  private readonly upsertBatch: (events: ReportEvent[]) => RecordOutcome[];
  private pending: Array<{ event: ReportEvent; resolve: (outcome: RecordOutcome) => void; reject: (error: unknown) => void }> = [];
  private readonly deleteBlobIds: Statement;
  private readonly trimTx: (appId: string, groupHash: string, keep: number) => BlobRow[];
  private readonly deleteGroupTx: (appId: string, groupHash: string) => boolean;
  private readonly deleteAppTx: (appId: string) => void;
  private readonly selectOne: Statement;
  private readonly byShape: (sql: string) => Statement;

  constructor(db: SqliteDatabase) {
    // The whole of "count one report": insert on first sight, otherwise bump in place. Being a
    // single statement, it is atomic and needs no read first; firstSeen/lastSeen bracket every event,
    // even one that arrives out of order.
    this.upsertGroup = db.prepare(`
      INSERT INTO report_groups (app_id, group_hash, application_name, application_version, application_channel,
        system_platform, system_arch, event_type, event_reason, count, first_seen, last_seen, details_stored,
        details_rejected, status, resolved_at, resolved_by, tags, note, created_at, updated_at)
      VALUES (@app_id, @group_hash, @application_name, @application_version, @application_channel,
        @system_platform, @system_arch, @event_type, @event_reason, 1, @at, @at, @stored,
        @rejected, 'open', NULL, NULL, '[]', '', @at, @at)
      ON CONFLICT (app_id, group_hash) DO UPDATE SET
        count = count + 1,
        first_seen = min(first_seen, excluded.first_seen),
        last_seen = max(last_seen, excluded.last_seen),
        details_stored = details_stored + excluded.details_stored,
        details_rejected = details_rejected + excluded.details_rejected,
        status = CASE WHEN status = 'resolved' THEN 'open' ELSE status END,
        last_event_reopened = CASE WHEN status = 'resolved' THEN 1 ELSE 0 END,
        updated_at = excluded.updated_at
      RETURNING count, last_event_reopened`);
    this.upsertBatch = db.transaction((events: ReportEvent[]) =>
      events.map((event) => {
        // RETURNING sees only the new row: count 1 means this statement inserted it, and the flag
        // column keeps whether this statement reopened it.
        const row = this.upsertGroup.get({
          app_id: event.appId,
          group_hash: event.groupHash,
          ...toDimensionColumns(event.dimensions),
          at: event.at.getTime(),
          stored: event.details === 'stored' ? 1 : 0,
          rejected: event.details === 'rejected' ? 1 : 0,
        }) as { count: number; last_event_reopened: number };
        return { created: row.count === 1, reopened: row.last_event_reopened === 1 };
      }),
    );
    this.selectGroup = db.prepare('SELECT * FROM report_groups WHERE app_id = ? AND group_hash = ?');
    // SQLite evaluates every SET expression against the old row, so the CASEs see the old status.
    this.triage = db.prepare(`
      UPDATE report_groups SET
        resolved_at = CASE WHEN @status = 'resolved' AND status <> 'resolved' THEN @at ELSE resolved_at END,
        resolved_by = CASE WHEN @status = 'resolved' AND status <> 'resolved' THEN @by ELSE resolved_by END,
        status = coalesce(@status, status),
        tags = coalesce(@tags, tags),
        note = coalesce(@note, note),
        updated_at = @at
      WHERE app_id = @appId AND group_hash = @groupHash
      RETURNING *`);
    this.insertBlobRow = db.prepare(`
      INSERT OR REPLACE INTO report_blobs (id, app_id, group_hash, application_name, application_version,
        application_channel, system_platform, system_arch, event_type, event_reason, storage_driver, storage_key,
        storage_compressed_size, storage_decompressed_size, storage_content_type, storage_encoding, created_at, expires_at)
      VALUES (@id, @app_id, @group_hash, @application_name, @application_version, @application_channel,
        @system_platform, @system_arch, @event_type, @event_reason, @storage_driver, @storage_key,
        @storage_compressed_size, @storage_decompressed_size, @storage_content_type, @storage_encoding, @created_at, @expires_at)`);
    this.selectBlobs = db.prepare(`SELECT * FROM report_blobs WHERE app_id = ? AND group_hash = ? ${ORDER_BLOBS_NEWEST}`);
    this.selectBlob = db.prepare('SELECT * FROM report_blobs WHERE id = ? AND app_id = ?');
    this.selectExcessBlobs = db.prepare(
      `SELECT * FROM report_blobs WHERE app_id = ? AND group_hash = ? ${ORDER_BLOBS_NEWEST} LIMIT -1 OFFSET ?`,
    );
    this.selectExpiring = db.prepare('SELECT * FROM report_blobs WHERE expires_at <= ? ORDER BY expires_at ASC, id ASC LIMIT ?');
    this.deleteBlobIds = db.prepare('DELETE FROM report_blobs WHERE id IN (SELECT value FROM json_each(?))');
    const deleteGroupBlobs = db.prepare('DELETE FROM report_blobs WHERE app_id = ? AND group_hash = ?');
    const deleteGroupRow = db.prepare('DELETE FROM report_groups WHERE app_id = ? AND group_hash = ?');
    this.deleteGroupTx = db.transaction((appId: string, groupHash: string) => {
      deleteGroupBlobs.run(appId, groupHash);
      return deleteGroupRow.run(appId, groupHash).changes > 0;
    });
    const deleteAppBlobs = db.prepare('DELETE FROM report_blobs WHERE app_id = ?');
    const deleteAppGroups = db.prepare('DELETE FROM report_groups WHERE app_id = ?');
    this.deleteAppTx = db.transaction((appId: string) => {
      deleteAppBlobs.run(appId);
      deleteAppGroups.run(appId);
    });
    this.trimTx = db.transaction((appId: string, groupHash: string, keep: number) => {
      const rows = this.selectExcessBlobs.all(appId, groupHash, Math.max(0, keep)) as BlobRow[];
      if (rows.length > 0) this.deleteBlobIds.run(jsonList(rows.map((r) => r.id)));
      return rows;
    });
    this.selectOne = db.prepare('SELECT 1');
    this.byShape = statementCache(db, MAX_CACHED_SHAPES);
  }

  /**
   * Still one upsert per report, but the upserts that arrive within one turn of the event loop
   * commit together: a commit, not the statement, was the largest cost of a minimal report
   * (docs/benchmarks.md). The promise settles only after its batch has committed.
   */
  recordEvent(event: ReportEvent): Promise<RecordOutcome> {
    return new Promise((resolve, reject) => {
      this.pending.push({ event, resolve, reject });
      if (this.pending.length === 1) setImmediate(() => this.commitPending());
    });
  }

  private commitPending(): void {
    const batch = this.pending;
    this.pending = [];
    let outcomes: RecordOutcome[];
    try {
      outcomes = guarded('recordEvent', () => this.upsertBatch(batch.map((p) => p.event)));
    } catch (error) {
      for (const p of batch) p.reject(error);
      return;
    }
    this.writes += batch.length;
    batch.forEach((p, i) => p.resolve(outcomes[i]!));
  }

  async findGroup(appId: string, groupHash: string): Promise<ReportGroup | null> {
    const row = guarded('findGroup', () => this.selectGroup.get(appId, groupHash) as GroupRow | undefined);
    return row ? fromGroupRow(row) : null;
  }

  async listGroups(filter: GroupFilter, page: number, limit: number): Promise<GroupPage> {
    if (filter.appIds.length === 0) return { items: [], total: 0 };
    const { where, params } = whereOf(filter);
    return guarded('listGroups', () => {
      const { total } = this.byShape(`SELECT count(*) AS total FROM report_groups WHERE ${where}`).get(params) as { total: number };
      const rows = this.byShape(`SELECT * FROM report_groups WHERE ${where} ${ORDER_GROUPS} LIMIT @limit OFFSET @offset`).all({
        ...params,
        limit,
        offset: Math.max(0, (page - 1) * limit),
      }) as GroupRow[];
      return { items: rows.map(fromGroupRow), total };
    });
  }

  async summarize(query: SummaryQuery): Promise<SummaryBucket[]> {
    const { where, params } = whereOf({ appIds: [query.appId], from: query.from, to: query.to });
    const columns = query.groupBy.map((d) => COLUMN_OF[d]);
    const select = columns.map((c, i) => `${c} AS d${i}`);
    const sql = `SELECT ${[...select, 'sum(count) AS total_count', 'count(*) AS n_groups', 'max(last_seen) AS max_last_seen'].join(', ')}
      FROM report_groups WHERE ${where}${columns.length > 0 ? ` GROUP BY ${columns.join(', ')}` : ''}`;
    const rows = guarded('summarize', () => this.byShape(sql).all(params)) as Array<Record<string, string | number | null>>;
    return rows
      .filter((row) => Number(row.n_groups) > 0)
      .map((row) => {
        const key: Partial<Record<SummaryDimension, string>> = {};
        query.groupBy.forEach((d, i) => (key[d] = String(row[`d${i}`])));
        return { key, count: Number(row.total_count), groups: Number(row.n_groups), lastSeen: new Date(Number(row.max_last_seen)) };
      })
      .sort(compareBuckets);
  }

  async updateTriage(appId: string, groupHash: string, update: TriageUpdate): Promise<ReportGroup | null> {
    const row = guarded('updateTriage', () =>
      this.triage.get({
        appId,
        groupHash,
        status: update.status ?? null,
        tags: update.tags === undefined ? null : JSON.stringify(update.tags),
        note: update.note ?? null,
        at: update.at.getTime(),
        by: update.by,
      }) as GroupRow | undefined,
    );
    if (!row) return null;
    this.writes++;
    return fromGroupRow(row);
  }

  async deleteGroup(appId: string, groupHash: string): Promise<boolean> {
    this.writes++;
    return guarded('deleteGroup', () => this.deleteGroupTx(appId, groupHash));
  }

  async deleteAppData(appId: string): Promise<void> {
    this.writes++;
    guarded('deleteAppData', () => this.deleteAppTx(appId));
  }

  async insertBlob(record: BlobRecord): Promise<void> {
    this.writes++;
    guarded('insertBlob', () => this.insertBlobRow.run(toBlobRow(record)));
  }

  async listBlobs(appId: string, groupHash: string): Promise<BlobRecord[]> {
    const rows = guarded('listBlobs', () => this.selectBlobs.all(appId, groupHash) as BlobRow[]);
    return rows.map(fromBlobRow);
  }

  async findBlob(appId: string, id: string): Promise<BlobRecord | null> {
    const row = guarded('findBlob', () => this.selectBlob.get(id, appId) as BlobRow | undefined);
    return row ? fromBlobRow(row) : null;
  }

  async trimBlobs(appId: string, groupHash: string, keep: number): Promise<BlobRecord[]> {
    const excess = guarded('trimBlobs', () => this.trimTx(appId, groupHash, keep));
    if (excess.length > 0) this.writes++;
    return excess.map(fromBlobRow);
  }

  async blobsExpiringBy(at: Date, limit: number): Promise<BlobRecord[]> {
    const rows = guarded('blobsExpiringBy', () => this.selectExpiring.all(at.getTime(), limit) as BlobRow[]);
    return rows.map(fromBlobRow);
  }

  async deleteBlobs(ids: string[]): Promise<void> {
    this.writes++;
    guarded('deleteBlobs', () => this.deleteBlobIds.run(jsonList(ids)));
  }

  async ping(): Promise<void> {
    guarded('ping', () => this.selectOne.get());
  }

  /** The database handle is shared; whoever opened it closes it. */
  async close(): Promise<void> {}
}

/** The SQL form of matchesFilter (domain/group-query.ts); the contract suite holds them equal. */
function whereOf(filter: GroupFilter): { where: string; params: Record<string, string | number> } {
  const clauses = ['app_id IN (SELECT value FROM json_each(@appIds))'];
  const params: Record<string, string | number> = { appIds: jsonList(filter.appIds) };
  const equal = (column: string, value: string | undefined) => {
    if (value === undefined) return;
    clauses.push(`${column} = @${column}`);
    params[column] = value;
  };
  equal(COLUMN_OF.version, filter.version);
  equal(COLUMN_OF.channel, filter.channel);
  equal(COLUMN_OF.platform, filter.platform);
  equal(COLUMN_OF.arch, filter.arch);
  equal(COLUMN_OF.type, filter.type);
  equal(COLUMN_OF.reason, filter.reason);
  equal('status', filter.status);
  if (filter.from !== undefined) {
    clauses.push('last_seen >= @from');
    params.from = filter.from.getTime();
  }
  if (filter.to !== undefined) {
    clauses.push('last_seen <= @to');
    params.to = filter.to.getTime();
  }
  return { where: clauses.join(' AND '), params };
}

function toDimensionColumns(d: ReportDimensions): DimensionColumns {
  return {
    application_name: d.application.name,
    application_version: d.application.version,
    application_channel: d.application.channel,
    system_platform: d.system.platform,
    system_arch: d.system.arch,
    event_type: d.event.type,
    event_reason: d.event.reason,
  };
}

function fromDimensionColumns(row: DimensionColumns): ReportDimensions {
  return {
    application: { name: row.application_name, version: row.application_version, channel: row.application_channel },
    system: { platform: row.system_platform, arch: row.system_arch },
    event: { type: row.event_type as EventType, reason: row.event_reason },
  };
}

function fromGroupRow(row: GroupRow): ReportGroup {
  return {
    appId: row.app_id,
    groupHash: row.group_hash,
    ...fromDimensionColumns(row),
    stats: {
      count: row.count,
      firstSeen: new Date(row.first_seen),
      lastSeen: new Date(row.last_seen),
      detailsStored: row.details_stored,
      detailsRejected: row.details_rejected,
    },
    status: row.status as GroupStatus,
    resolvedAt: row.resolved_at === null ? null : new Date(row.resolved_at),
    resolvedBy: row.resolved_by,
    tags: JSON.parse(row.tags) as string[],
    note: row.note,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

function toBlobRow(record: BlobRecord): BlobRow {
  return {
    id: record.id,
    app_id: record.appId,
    group_hash: record.groupHash,
    ...toDimensionColumns(record),
    storage_driver: record.storage.driver,
    storage_key: record.storage.key,
    storage_compressed_size: record.storage.compressedSize,
    storage_decompressed_size: record.storage.decompressedSize,
    storage_content_type: record.storage.contentType,
    storage_encoding: record.storage.encoding,
    created_at: record.createdAt.getTime(),
    expires_at: record.expiresAt.getTime(),
  };
}

function fromBlobRow(row: BlobRow): BlobRecord {
  return {
    id: row.id,
    appId: row.app_id,
    groupHash: row.group_hash,
    ...fromDimensionColumns(row),
    storage: {
      driver: row.storage_driver,
      key: row.storage_key,
      compressedSize: row.storage_compressed_size,
      decompressedSize: row.storage_decompressed_size,
      contentType: row.storage_content_type,
      encoding: row.storage_encoding,
    },
    createdAt: new Date(row.created_at),
    expiresAt: new Date(row.expires_at),
  };
}
