const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

/** The pattern half of the check, for schemas; parseRfc3339 also refuses impossible dates. */
export const RFC3339_PATTERN = RFC3339.source;

/**
 * A strict RFC 3339 date-time, or null. Date.parse alone is too lenient: it rolls
 * 2026-02-30 over to March and accepts 24:00, and a filter must never silently move.
 */
export function parseRfc3339(value: string): Date | null {
  const m = RFC3339.exec(value);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  if (m[8] !== undefined && (Number(m[9]) > 23 || Number(m[10]) > 59)) return null;
  const ms = Date.parse(value.toUpperCase());
  return Number.isNaN(ms) ? null : new Date(ms);
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}
