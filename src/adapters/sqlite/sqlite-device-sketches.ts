import { setImmediate } from 'node:timers/promises';
import type { Statement } from 'better-sqlite3';
import { decodeRegisters, encodeRegisters, mergeRegisters } from '../../domain/hyperloglog';
import { CELL_FIELDS, type RolloutCell } from '../../domain/rollout-cell';
import { SKETCH_PAGE_SIZE, type DayKeyStore, type DeviceSketchStore, type SketchEntry, type SketchGranularity, type SketchKind, type SketchQuery } from '../../ports/device-sketches';
import { guarded, statementCache, type SqliteDatabase } from './sqlite-database';

interface SketchRow {
  version: string;
  channel: string;
  platform: string;
  arch: string;
  bucket: number;
  kind: string;
  registers: Buffer;
}

/**
 * Sketches in their own table on the shared handle, registers in the compact encoding (sparse
 * while few are set). A merge is a read-modify-write of each row inside one transaction, which
 * better-sqlite3 runs synchronously, so no other writer of this process interleaves.
 */
export class SqliteDeviceSketchStore implements DeviceSketchStore {
  private readonly select;
  private readonly upsert;
  private readonly remove;
  private readonly cells;
  private readonly selectOne;
  private readonly byShape: (sql: string) => Statement;
  private readonly mergeTx: (entries: SketchEntry[]) => void;

  constructor(db: SqliteDatabase) {
    this.selectOne = db.prepare('SELECT 1');
    // A read's filter has 16 shapes at most (which of the four cell fields are given) times kinds or
    // not, each a first page and a next one.
    this.byShape = statementCache(db, 128);
    this.select = db.prepare<unknown[], { registers: Buffer }>(
      'SELECT registers FROM device_sketches WHERE app_id = ? AND granularity = ? AND bucket = ? AND version = ? AND channel = ? AND platform = ? AND arch = ? AND kind = ?',
    );
    this.upsert = db.prepare(
      `INSERT INTO device_sketches (app_id, granularity, bucket, version, channel, platform, arch, kind, registers) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (app_id, granularity, bucket, version, channel, platform, arch, kind) DO UPDATE SET registers = excluded.registers`,
    );
    this.remove = db.prepare(
      `DELETE FROM device_sketches WHERE (app_id, granularity, bucket, version, channel, platform, arch, kind) IN
         (SELECT app_id, granularity, bucket, version, channel, platform, arch, kind FROM device_sketches WHERE granularity = ? AND bucket < ? LIMIT ?)`,
    );
    this.cells = db.prepare<[string, number], RolloutCell>(
      "SELECT DISTINCT version, channel, platform, arch FROM device_sketches WHERE app_id = ? AND granularity = 'day' AND bucket = ?",
    );
    this.mergeTx = db.transaction((entries: SketchEntry[]) => {
      for (const { key, registers } of entries) {
        const id = [key.appId, key.granularity, key.bucket.getTime(), key.cell.version, key.cell.channel, key.cell.platform, key.cell.arch, key.kind];
        const stored = this.select.get(...id);
        const merged = stored ? mergeRegisters(decodeRegisters(stored.registers), registers) : registers;
        this.upsert.run(...id, encodeRegisters(merged));
      }
    });
  }

  async merge(entries: SketchEntry[]): Promise<void> {
    if (entries.length === 0) return;
    guarded('sketch merge', () => this.mergeTx(entries));
  }

  /** Keyset pages in primary-key order: each page is one short synchronous query. */
  async *readPages(query: SketchQuery, pageSize = SKETCH_PAGE_SIZE): AsyncIterable<SketchEntry[]> {
    const where = ['app_id = ?', 'granularity = ?', 'bucket >= ?', 'bucket < ?'];
    const params: unknown[] = [query.appId, query.granularity, query.from.getTime(), query.to.getTime()];
    for (const field of CELL_FIELDS) {
      const value = query.cell?.[field];
      if (value !== undefined) {
        where.push(`${field} = ?`);
        params.push(value);
      }
    }
    if (query.kinds) {
      where.push('kind IN (SELECT value FROM json_each(?))');
      params.push(JSON.stringify(query.kinds));
    }
    const columns = 'bucket, version, channel, platform, arch, kind';
    const first = this.byShape(`SELECT ${columns}, registers FROM device_sketches WHERE ${where.join(' AND ')} ORDER BY ${columns} LIMIT ?`);
    const next = this.byShape(`SELECT ${columns}, registers FROM device_sketches WHERE ${where.join(' AND ')} AND (${columns}) > (?, ?, ?, ?, ?, ?) ORDER BY ${columns} LIMIT ?`);
    let last: SketchRow | undefined;
    for (;;) {
      const after = last;
      const rows = guarded('sketch read', () =>
        after === undefined ? first.all(...params, pageSize) : next.all(...params, after.bucket, after.version, after.channel, after.platform, after.arch, after.kind, pageSize),
      ) as SketchRow[];
      if (rows.length > 0) yield rows.map((row) => entryOf(query, row));
      if (rows.length < pageSize) return;
      last = rows[rows.length - 1];
    }
  }

  async cellsIn(appId: string, day: Date): Promise<RolloutCell[]> {
    return guarded('sketch cells', () => this.cells.all(appId, day.getTime()));
  }

  /** In batches, one per event-loop turn, so a large expiry never holds the loop for long. */
  async expire(granularity: SketchGranularity, before: Date): Promise<number> {
    let removed = 0;
    for (;;) {
      const changes = guarded('sketch expiry', () => this.remove.run(granularity, before.getTime(), EXPIRY_BATCH).changes);
      removed += changes;
      if (changes < EXPIRY_BATCH) return removed;
      await setImmediate();
    }
  }

  async ping(): Promise<void> {
    guarded('ping', () => this.selectOne.get());
  }

  /** The shared handle is closed by its owner. */
  async close(): Promise<void> {}
}

const EXPIRY_BATCH = 2_000;

function entryOf(query: SketchQuery, row: SketchRow): SketchEntry {
  return {
    key: {
      appId: query.appId,
      cell: { version: row.version, channel: row.channel, platform: row.platform, arch: row.arch },
      granularity: query.granularity,
      bucket: new Date(row.bucket),
      kind: row.kind as SketchKind,
    },
    registers: decodeRegisters(row.registers),
  };
}

export class SqliteDayKeyStore implements DayKeyStore {
  private readonly insert;
  private readonly select;
  private readonly remove;

  constructor(db: SqliteDatabase) {
    this.insert = db.prepare('INSERT INTO sketch_day_keys (day, key) VALUES (?, ?) ON CONFLICT (day) DO NOTHING');
    this.select = db.prepare<[string], { key: Buffer }>('SELECT key FROM sketch_day_keys WHERE day = ?');
    this.remove = db.prepare('DELETE FROM sketch_day_keys WHERE day < ?');
  }

  async keyFor(day: string, candidate: Uint8Array): Promise<Uint8Array> {
    return guarded('day key', () => {
      this.insert.run(day, Buffer.from(candidate));
      return new Uint8Array(this.select.get(day)!.key);
    });
  }

  async deleteBefore(day: string): Promise<number> {
    return guarded('day key expiry', () => this.remove.run(day).changes);
  }
}
