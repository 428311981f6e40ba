const comparePart = (x: string, y: string) => {
  const nx = /^\d+$/.test(x) ? Number(x) : NaN;
  const ny = /^\d+$/.test(y) ? Number(y) : NaN;
  return !Number.isNaN(nx) && !Number.isNaN(ny) ? ny - nx : y.localeCompare(x);
};

/**
 * Release versions, newest first, in SemVer precedence as the service orders them: numeric parts
 * compare as numbers ("1.10.0" after "1.9.2"), a pre-release comes before its release
 * ("1.5.0-beta.1" before "1.5.0"), build metadata is ignored.
 */
export function compareVersionsDesc(a: string, b: string): number {
  const [coreA = '', preA] = splitVersion(a);
  const [coreB = '', preB] = splitVersion(b);
  const pa = coreA.split('.');
  const pb = coreB.split('.');
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const order = comparePart(pa[i] ?? '0', pb[i] ?? '0');
    if (order !== 0) return order;
  }
  if (preA === undefined || preB === undefined) return preA === preB ? 0 : preA === undefined ? -1 : 1;
  const qa = preA.split('.');
  const qb = preB.split('.');
  for (let i = 0; i < Math.max(qa.length, qb.length); i++) {
    if (qa[i] === undefined) return 1;
    if (qb[i] === undefined) return -1;
    const order = comparePart(qa[i]!, qb[i]!);
    if (order !== 0) return order;
  }
  return 0;
}

function splitVersion(v: string): [string, string | undefined] {
  const core = v.split('+')[0]!;
  const dash = core.indexOf('-');
  return dash < 0 ? [core, undefined] : [core.slice(0, dash), core.slice(dash + 1)];
}

export const percent = (value: number | undefined | null, digits = 2) =>
  value === undefined || value === null || Number.isNaN(value) ? '–' : `${(value * 100).toFixed(digits)}%`;

export const count = (value: number) => value.toLocaleString('en');

const dateTime = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });
export const when = (iso: string | null | undefined) => (iso ? `${dateTime.format(new Date(iso))} UTC` : '–');
export const day = (d: Date) => d.toISOString().slice(0, 10);

const oneDecimal = (n: number) => n.toFixed(1).replace(/\.0$/, '');
export const bytes = (n: number) => (n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${oneDecimal(n / 1024)} KiB` : `${oneDecimal(n / 1024 / 1024)} MiB`);

