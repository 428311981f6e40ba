import type { Statement } from 'better-sqlite3';
import { compareBuckets, type GroupFilter } from '../../domain/group-query';
import type { BlobRecord, EventType, GroupStatus, ReportDimensions, ReportEvent, ReportGroup } from '../../domain/report';
import type { GroupPage, RecordOutcome, ReportRepository, SummaryBucket, SummaryDimension, SummaryQuery, TriageUpdate } from '../../ports/report-repository';
import { guarded, jsonList, type SqliteDatabase } from './sqlite-database';

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
  groupHash: string;
  count: number;
  firstSeen: number;
  lastSeen: number;
  detailsStored: number;
  detailsRejected: number;
  status: string;
  resolvedAt: number | null;
  resolvedBy: string | null;
  tags: string;
  note: string;
  createdAt: number;
  updatedAt: number;
}

interface BlobRow extends DimensionColumns {
  id: string;
  app_id: string;
  groupHash: string;
  storage_driver: string;
  storage_key: string;
  storage_compressedSize: number;
  storage_decompressedSize: number;
  storage_contentType: string;
  storage_encoding: string;
  createdAt: number;
  expiresAt: number;
}

const COLUMN_OF: Record<SummaryDimension, keyof DimensionColumns> = {
  version: 'application_version',
  channel: 'application_channel',
  platform: 'system_platform',
  arch: 'system_arch',
  type: 'event_type',
  reason: 'event_reason',
};

const ORDER_GROUPS = 'ORDER BY lastSeen DESC, groupHash ASC, app_id ASC';
const ORDER_BLOBS_NEWEST = 'ORDER BY createdAt DESC, id DESC';

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

  constructor(private readonly db: SqliteDatabase) {
    // The whole of "count one report": insert on first sight, otherwise bump in place. Being a
    // single statement, it is atomic and needs no read first; firstSeen/lastSeen bracket every event,
    // even one that arrives out of order.
    this.upsertGroup = db.prepare(`
      INSERT INTO report_groups (app_id, groupHash, application_name, application_version, application_channel,
        system_platform, system_arch, event_type, event_reason, count, firstSeen, lastSeen, detailsStored,
        detailsRejected, status, resolvedAt, resolvedBy, tags, note, createdAt, updatedAt)
      VALUES (@app_id, @groupHash, @application_name, @application_version, @application_channel,
        @system_platform, @system_arch, @event_type, @event_reason, 1, @at, @at, @stored,
        @rejected, 'open', NULL, NULL, '[]', '', @at, @at)
      ON CONFLICT (app_id, groupHash) DO UPDATE SET
        count = count + 1,
        firstSeen = min(firstSeen, excluded.firstSeen),
        lastSeen = max(lastSeen, excluded.lastSeen),
        detailsStored = detailsStored + excluded.detailsStored,
        detailsRejected = detailsRejected + excluded.detailsRejected,
        status = CASE WHEN status = 'resolved' THEN 'open' ELSE status END,
        last_event_reopened = CASE WHEN status = 'resolved' THEN 1 ELSE 0 END,
        updatedAt = excluded.updatedAt
      RETURNING count, last_event_reopened`);
    this.upsertBatch = db.transaction((events: ReportEvent[]) =>
      events.map((event) => {
        // RETURNING sees only the new row: count 1 means this statement inserted it, and the flag
        // column keeps whether this statement reopened it.
        const row = this.upsertGroup.get({
          app_id: event.appId,
          groupHash: event.groupHash,
          ...toDimensionColumns(event.dimensions),
          at: event.at.getTime(),
          stored: event.details === 'stored' ? 1 : 0,
          rejected: event.details === 'rejected' ? 1 : 0,
        }) as { count: number; last_event_reopened: number };
        return { created: row.count === 1, reopened: row.last_event_reopened === 1 };
      }),
    );
    this.selectGroup = db.prepare('SELECT * FROM report_groups WHERE app_id = ? AND groupHash = ?');
    // SQLite evaluates every SET expression against the old row, so the CASEs see the old status.
    this.triage = db.prepare(`
      UPDATE report_groups SET
        resolvedAt = CASE WHEN @status = 'resolved' AND status <> 'resolved' THEN @at ELSE resolvedAt END,
        resolvedBy = CASE WHEN @status = 'resolved' AND status <> 'resolved' THEN @by ELSE resolvedBy END,
        status = coalesce(@status, status),
        tags = coalesce(@tags, tags),
        note = coalesce(@note, note),
        updatedAt = @at
      WHERE app_id = @appId AND groupHash = @groupHash
      RETURNING *`);
    this.insertBlobRow = db.prepare(`
      INSERT OR REPLACE INTO report_blobs (id, app_id, groupHash, application_name, application_version,
        application_channel, system_platform, system_arch, event_type, event_reason, storage_driver, storage_key,
        storage_compressedSize, storage_decompressedSize, storage_contentType, storage_encoding, createdAt, expiresAt)
      VALUES (@id, @app_id, @groupHash, @application_name, @application_version, @application_channel,
        @system_platform, @system_arch, @event_type, @event_reason, @storage_driver, @storage_key,
        @storage_compressedSize, @storage_decompressedSize, @storage_contentType, @storage_encoding, @createdAt, @expiresAt)`);
    this.selectBlobs = db.prepare(`SELECT * FROM report_blobs WHERE app_id = ? AND groupHash = ? ${ORDER_BLOBS_NEWEST}`);
    this.selectBlob = db.prepare('SELECT * FROM report_blobs WHERE id = ? AND app_id = ?');
    this.selectExcessBlobs = db.prepare(
      `SELECT * FROM report_blobs WHERE app_id = ? AND groupHash = ? ${ORDER_BLOBS_NEWEST} LIMIT -1 OFFSET ?`,
    );
    this.selectExpiring = db.prepare('SELECT * FROM report_blobs WHERE expiresAt <= ? ORDER BY expiresAt ASC, id ASC LIMIT ?');
    this.deleteBlobIds = db.prepare('DELETE FROM report_blobs WHERE id IN (SELECT value FROM json_each(?))');
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
      const { total } = this.db.prepare(`SELECT count(*) AS total FROM report_groups WHERE ${where}`).get(params) as { total: number };
      const rows = this.db
        .prepare(`SELECT * FROM report_groups WHERE ${where} ${ORDER_GROUPS} LIMIT @limit OFFSET @offset`)
        .all({ ...params, limit, offset: Math.max(0, (page - 1) * limit) }) as GroupRow[];
      return { items: rows.map(fromGroupRow), total };
    });
  }

  async summarize(query: SummaryQuery): Promise<SummaryBucket[]> {
    const { where, params } = whereOf({ appIds: [query.appId], from: query.from, to: query.to });
    const columns = query.groupBy.map((d) => COLUMN_OF[d]);
    const select = columns.map((c, i) => `${c} AS d${i}`);
    const sql = `SELECT ${[...select, 'sum(count) AS total_count', 'count(*) AS n_groups', 'max(lastSeen) AS last_seen'].join(', ')}
      FROM report_groups WHERE ${where}${columns.length > 0 ? ` GROUP BY ${columns.join(', ')}` : ''}`;
    const rows = guarded('summarize', () => this.db.prepare(sql).all(params)) as Array<Record<string, string | number | null>>;
    return rows
      .filter((row) => Number(row.n_groups) > 0)
      .map((row) => {
        const key: Partial<Record<SummaryDimension, string>> = {};
        query.groupBy.forEach((d, i) => (key[d] = String(row[`d${i}`])));
        return { key, count: Number(row.total_count), groups: Number(row.n_groups), lastSeen: new Date(Number(row.last_seen)) };
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
    return guarded('deleteGroup', () =>
      this.db.transaction(() => {
        this.db.prepare('DELETE FROM report_blobs WHERE app_id = ? AND groupHash = ?').run(appId, groupHash);
        return this.db.prepare('DELETE FROM report_groups WHERE app_id = ? AND groupHash = ?').run(appId, groupHash).changes > 0;
      })(),
    );
  }

  async deleteAppData(appId: string): Promise<void> {
    this.writes++;
    guarded('deleteAppData', () =>
      this.db.transaction(() => {
        this.db.prepare('DELETE FROM report_blobs WHERE app_id = ?').run(appId);
        this.db.prepare('DELETE FROM report_groups WHERE app_id = ?').run(appId);
      })(),
    );
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
    const excess = guarded('trimBlobs', () =>
      this.db.transaction(() => {
        const rows = this.selectExcessBlobs.all(appId, groupHash, Math.max(0, keep)) as BlobRow[];
        if (rows.length > 0) this.deleteBlobIds.run(jsonList(rows.map((r) => r.id)));
        return rows;
      })(),
    );
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
    guarded('ping', () => this.db.prepare('SELECT 1').get());
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
    clauses.push('lastSeen >= @from');
    params.from = filter.from.getTime();
  }
  if (filter.to !== undefined) {
    clauses.push('lastSeen <= @to');
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
    groupHash: row.groupHash,
    ...fromDimensionColumns(row),
    stats: {
      count: row.count,
      firstSeen: new Date(row.firstSeen),
      lastSeen: new Date(row.lastSeen),
      detailsStored: row.detailsStored,
      detailsRejected: row.detailsRejected,
    },
    status: row.status as GroupStatus,
    resolvedAt: row.resolvedAt === null ? null : new Date(row.resolvedAt),
    resolvedBy: row.resolvedBy,
    tags: JSON.parse(row.tags) as string[],
    note: row.note,
    createdAt: new Date(row.createdAt),
    updatedAt: new Date(row.updatedAt),
  };
}

function toBlobRow(record: BlobRecord): BlobRow {
  return {
    id: record.id,
    app_id: record.appId,
    groupHash: record.groupHash,
    ...toDimensionColumns(record),
    storage_driver: record.storage.driver,
    storage_key: record.storage.key,
    storage_compressedSize: record.storage.compressedSize,
    storage_decompressedSize: record.storage.decompressedSize,
    storage_contentType: record.storage.contentType,
    storage_encoding: record.storage.encoding,
    createdAt: record.createdAt.getTime(),
    expiresAt: record.expiresAt.getTime(),
  };
}

function fromBlobRow(row: BlobRow): BlobRecord {
  return {
    id: row.id,
    appId: row.app_id,
    groupHash: row.groupHash,
    ...fromDimensionColumns(row),
    storage: {
      driver: row.storage_driver,
      key: row.storage_key,
      compressedSize: row.storage_compressedSize,
      decompressedSize: row.storage_decompressedSize,
      contentType: row.storage_contentType,
      encoding: row.storage_encoding,
    },
    createdAt: new Date(row.createdAt),
    expiresAt: new Date(row.expiresAt),
  };
}
