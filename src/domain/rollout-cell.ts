/** (app, version, channel, platform, arch): where a device was seen; the app is the sketch key's. */
export interface RolloutCell {
  version: string;
  channel: string;
  platform: string;
  arch: string;
}

export const CELL_FIELDS = ['version', 'channel', 'platform', 'arch'] as const;
export type CellField = (typeof CELL_FIELDS)[number];

/** The start of the UTC hour or day containing `at`. */
export function bucketStart(at: Date, granularity: 'hour' | 'day'): Date {
  const step = granularity === 'hour' ? 3_600_000 : 86_400_000;
  return new Date(Math.floor(at.getTime() / step) * step);
}

/** YYYY-MM-DD of the UTC day containing `at`. */
export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** None of the fields admits '|' (faynoSync's charsets), so the join is unambiguous. */
export function cellId(cell: RolloutCell): string {
  return `${cell.version}|${cell.channel}|${cell.platform}|${cell.arch}`;
}

export function cellFromId(id: string): RolloutCell {
  const [version = '', channel = '', platform = '', arch = ''] = id.split('|');
  return { version, channel, platform, arch };
}

export function cellMatches(cell: RolloutCell, filter: Partial<RolloutCell> | undefined): boolean {
  if (!filter) return true;
  for (const field of CELL_FIELDS) if (filter[field] !== undefined && filter[field] !== cell[field]) return false;
  return true;
}

/** One string per sketch (app, granularity, bucket, kind, cell), for in-process maps. */
export function sketchKeyId(key: { appId: string; granularity: string; bucket: Date; kind: string; cell: RolloutCell }): string {
  return `${key.appId}|${key.granularity}|${key.bucket.getTime()}|${key.kind}|${cellId(key.cell)}`;
}

/** (channel, platform, arch): a cell of one release, the version being the release's. */
export interface ReleaseCellKey {
  channel: string;
  platform: string;
  arch: string;
}

export function releaseCellId(cell: ReleaseCellKey): string {
  return `${cell.channel}|${cell.platform}|${cell.arch}`;
}
