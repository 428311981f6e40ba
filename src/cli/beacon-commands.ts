import { bucketStart } from '../domain/rollout-cell';
import { command, type CliContext, type Command } from './command';
import { table } from './format';
import { intOption } from './parse-args';

interface UnknownAppsResult {
  from: string;
  to: string;
  apps: Array<{ owner: string; app_name: string; reason: string; beacons: number }>;
}

export const beaconCommands: Command[] = [
  command<UnknownAppsResult>({
    name: 'beacons unknown',
    summary: 'Beacons that named no app counting them (unknown, reports off, key mismatch), per owner and app name',
    options: [{ name: 'hours', value: '<1-168>', help: 'how far back, in whole UTC hours plus the current one (default: 24)' }],
    details: [
      'Only this command shows them: /metrics counts such beacons as accepted, so nobody can probe for app names there.',
      'Per hour only the TELEMETRY_UNKNOWN_APPS_KEPT most frequent names are kept, so junk names cannot grow the store.',
    ].join('\n'),
    async run(ctx: CliContext, args) {
      const hours = intOption(args, 'hours', 24, 1, 168);
      const to = ctx.composition.clock.now();
      const from = new Date(bucketStart(to, 'hour').getTime() - hours * 3_600_000);
      const rows = await ctx.composition.rollouts.refusalStore.unmatched(from, new Date(to.getTime() + 1));
      return {
        from: from.toISOString(),
        to: to.toISOString(),
        apps: rows.slice(0, ctx.config.telemetry.unmatchedKept).map((r) => ({ owner: r.owner, app_name: r.appName, reason: r.reason, beacons: r.count })),
      };
    },
    human: (r) =>
      table(
        r.apps,
        [
          ['OWNER', (a) => a.owner || '(none)'],
          ['APP', (a) => a.app_name || '(none)'],
          ['REASON', (a) => a.reason],
          ['BEACONS', (a) => a.beacons],
        ],
        `(no unknown apps since ${r.from})`,
      ),
  }),
];
