import { ratesToWire } from '../adapters/http/rollouts-routes';
import { ValidationError } from '../domain/errors';
import { VERSION_PATTERN } from '../domain/report-validation';
import { parseRfc3339 } from '../domain/rfc3339';
import { APP_OPTION, resolveApp } from './app-ref';
import { command, type CliContext, type Command } from './command';
import { table } from './format';
import { requiredOption, stringOption } from './parse-args';

function dateOption(value: string | undefined, name: string): Date | undefined {
  if (value === undefined) return undefined;
  const date = parseRfc3339(value);
  if (date === null) throw new ValidationError(`--${name} must be an RFC 3339 date-time`, 'invalid_value');
  return date;
}

const percent = (x: number) => `${(x * 100).toFixed(2)}%`;
const interval = (r: { rate: number; low: number; high: number }) => `${percent(r.rate)} [${percent(r.low)}, ${percent(r.high)}]`;

type RatesResult = ReturnType<typeof ratesToWire>;

export const rolloutCommands: Command[] = [
  command<RatesResult>({
    name: 'rollouts rates',
    summary: 'Active device-days and failure rates per version, with 95% Wilson intervals',
    options: [
      APP_OPTION,
      { name: 'version', value: '<version>', help: 'only this version' },
      { name: 'from', value: '<RFC 3339>', help: 'window start (default: 7 days ago)' },
      { name: 'to', value: '<RFC 3339>', help: 'window end (default: now)' },
    ],
    details: `Cells with fewer than ROLLOUT_MIN_DEVICES active device-days show no counts or rates. REFUSED: beacons of the cell whose device was not counted (per-address limit, pending sketches full): its counts are short by up to that many devices.`,
    async run(ctx: CliContext, args) {
      const version = stringOption(args, 'version');
      if (version !== undefined && !new RegExp(VERSION_PATTERN).test(version)) throw new ValidationError('--version must look like 1.4.2 or 1.4.2-beta.1', 'invalid_value');
      const app = await resolveApp(ctx, requiredOption(args, 'app'));
      const answer = await ctx.composition.rollouts.rates.ratesOf(app, {
        from: dateOption(stringOption(args, 'from'), 'from'),
        to: dateOption(stringOption(args, 'to'), 'to'),
        filter: version === undefined ? {} : { version },
        groupBy: ['version'],
        granularity: 'day',
      });
      return ratesToWire(answer);
    },
    human: (r) =>
      table(r.cells, [
        ['VERSION', (c) => c.version],
        ['DEVICE-DAYS', (c) => (c.suppressed ? 'too few' : c.active_device_days)],
        ['SHARE', (c) => (c.suppressed ? '-' : percent(c.share))],
        ['CRASH-FREE [95%]', (c) => (c.suppressed ? '-' : interval(c.rates.crash_free))],
        ['CRASH [95%]', (c) => (c.suppressed ? '-' : interval(c.rates.crash))],
        ['REFUSED', (c) => c.refused_beacons],
      ]) + (r.refused_beacons.unattributed > 0 ? `\n${r.refused_beacons.unattributed} refused beacons are in no cell (a new cell over ROLLOUT_MAX_CELLS_PER_APP_PER_DAY, or refused before their cell was known)` : ''),
  }),
];
