/** Plain-text output of the CLI: aligned tables and `key: value` listings, nothing fancier. */

export type Column<T> = [header: string, value: (row: T) => unknown];

export function table<T>(rows: readonly T[], columns: readonly Column<T>[], empty = '(none)'): string {
  if (rows.length === 0) return empty;
  const cells = [columns.map(([header]) => header), ...rows.map((row) => columns.map(([, value]) => text(value(row))))];
  const widths = columns.map((_, i) => Math.max(...cells.map((line) => line[i]!.length)));
  return cells.map((line) => line.map((cell, i) => (i === line.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}

export function listing(value: unknown): string {
  if (value === null || typeof value !== 'object') return text(value);
  const entries = Object.entries(flatten(value as Record<string, unknown>));
  const width = Math.max(...entries.map(([key]) => key.length));
  return entries.map(([key, v]) => `${`${key}:`.padEnd(width + 1)} ${text(v)}`).join('\n');
}

function flatten(value: Record<string, unknown>, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) Object.assign(out, flatten(v as Record<string, unknown>, `${prefix}${key}.`));
    else out[`${prefix}${key}`] = v;
  }
  return out;
}

export function text(value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (Array.isArray(value)) return value.length === 0 ? '-' : value.map(text).join(',');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** `2026-01-15T10:00:00.000Z` → `2026-01-15 10:00:00Z`: shorter in a table, still UTC. */
export const shortTime = (iso: unknown): string => (typeof iso === 'string' ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : text(iso));
