/** Release versions, newest first: numeric parts compare as numbers ("1.10.0" after "1.9.2"). */
export function compareVersionsDesc(a: string, b: string): number {
  const pa = a.split(/[.+-]/);
  const pb = b.split(/[.+-]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) return 1;
    if (y === undefined) return -1;
    const nx = /^\d+$/.test(x) ? Number(x) : NaN;
    const ny = /^\d+$/.test(y) ? Number(y) : NaN;
    const order = !Number.isNaN(nx) && !Number.isNaN(ny) ? ny - nx : y.localeCompare(x);
    if (order !== 0) return order;
  }
  return 0;
}

export const percent = (value: number | undefined | null, digits = 2) =>
  value === undefined || value === null || Number.isNaN(value) ? '–' : `${(value * 100).toFixed(digits)}%`;

export const count = (value: number) => value.toLocaleString('en');

const dateTime = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });
export const when = (iso: string | null | undefined) => (iso ? `${dateTime.format(new Date(iso))} UTC` : '–');
export const day = (d: Date) => d.toISOString().slice(0, 10);

const oneDecimal = (n: number) => n.toFixed(1).replace(/\.0$/, '');
export const bytes = (n: number) => (n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${oneDecimal(n / 1024)} KiB` : `${oneDecimal(n / 1024 / 1024)} MiB`);

