import { ratesToWire } from '../adapters/http/rollouts-routes';
import { NotFoundError, ValidationError } from '../domain/errors';
import { REPORT_FIELD_LIMITS } from '../domain/report-validation';
import { parseRfc3339 } from '../domain/rfc3339';
import type { CliContext, Command } from './command';
import { flag, stringOption, requiredOption } from './parse-args';

const VERSION = new RegExp(REPORT_FIELD_LIMITS['application.version'].pattern);

function dateOption(value: string | undefined, name: string): Date | undefined {
  if (value === undefined) return undefined;
  const date = parseRfc3339(value);
  if (date === null) throw new ValidationError(`--${name} must be an RFC 3339 date-time`, 'invalid_value');
  return date;
}

const percent = (x: number) => `${(x * 100).toFixed(2)}%`;

export const rolloutCommands: Record<string, Command> = {
  'rollouts rates': {
    usage: 'rollouts rates --app <app_id> [--version <v>] [--from <RFC 3339>] [--to <RFC 3339>] [--json]',
    options: ['app', 'version', 'from', 'to', 'json'],
    async run(ctx: CliContext, args) {
      const id = requiredOption(args, 'app');
      const version = stringOption(args, 'version');
      if (version !== undefined && !VERSION.test(version)) throw new ValidationError('--version must be digits, dots and dashes', 'invalid_value');
      const app = await ctx.composition.directory.getApp(id);
      if (app === null) throw new NotFoundError(`no app with id ${id}`, 'app_not_found');
      const answer = await ctx.composition.rollouts.rates.ratesOf(app, {
        from: dateOption(stringOption(args, 'from'), 'from'),
        to: dateOption(stringOption(args, 'to'), 'to'),
        filter: version === undefined ? {} : { version },
        groupBy: ['version'],
        granularity: 'day',
      });
      const wire = ratesToWire(answer);
      if (flag(args, 'json')) return wire;
      // One line per version, for people: the rate and its 95% interval.
      return wire.cells.map((cell) =>
        cell.suppressed
          ? `${cell.version}: fewer than ${ctx.config.rollouts.minDevices} active device-days`
          : `${cell.version}: ${cell.active_device_days} active device-days (${percent(cell.share)} of the rollout), ` +
            `crash-free ${percent(cell.rates.crash_free.rate)} [${percent(cell.rates.crash_free.low)}, ${percent(cell.rates.crash_free.high)}], ` +
            `crash ${percent(cell.rates.crash.rate)} [${percent(cell.rates.crash.low)}, ${percent(cell.rates.crash.high)}]`,
      );
    },
  },
};
