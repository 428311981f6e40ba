import { webhookToWire } from '../adapters/http/verdict-routes';
import { NotFoundError } from '../domain/errors';
import type { CliContext, Command } from './command';
import { flag, intOption, requiredOption, stringOption } from './parse-args';

async function appOf(ctx: CliContext, id: string) {
  const app = await ctx.composition.directory.getApp(id);
  if (app === null) throw new NotFoundError(`no app with id ${id}`, 'app_not_found');
  return app;
}

/**
 * Rollout verdicts and webhooks, as the operator of the service (no JWT: the CLI runs on the
 * composition itself, like `rollouts rates`). Resumes are recorded as by "cli:<--by>".
 */
export const verdictCommands: Record<string, Command> = {
  'rollouts health': {
    usage: 'rollouts health --app <app_id> --version <v> [--channel c] [--platform p] [--arch a] [--baseline v] [--evaluate] [--json]',
    options: ['app', 'version', 'channel', 'platform', 'arch', 'baseline', 'evaluate', 'json'],
    async run(ctx, args) {
      const app = await appOf(ctx, requiredOption(args, 'app'));
      const version = requiredOption(args, 'version');
      const { evaluator } = ctx.composition.verdicts;
      if (flag(args, 'evaluate')) await evaluator.evaluateRelease(app.id, version);
      const health = await evaluator.health(
        app.id,
        version,
        { channel: stringOption(args, 'channel'), platform: stringOption(args, 'platform'), arch: stringOption(args, 'arch') },
        stringOption(args, 'baseline'),
      );
      if (flag(args, 'json')) return health;
      return [
        `${health.version}: ${health.verdict} (baseline ${health.baseline_version ?? 'none'}, data through ${health.data_through ?? '-'})`,
        ...health.cells.map((c) => `  ${c.channel}/${c.platform}/${c.arch}: ${c.verdict}${c.reasons.length ? ` (${c.reasons.join(', ')})` : ''}`),
      ];
    },
  },
  'rollouts resume': {
    usage: 'rollouts resume --app <app_id> --version <v> --note <why> [--by <name>]',
    options: ['app', 'version', 'note', 'by'],
    async run(ctx, args) {
      const app = await appOf(ctx, requiredOption(args, 'app'));
      const by = `cli:${stringOption(args, 'by') ?? 'operator'}`;
      const health = await ctx.composition.verdicts.evaluator.resume(app.id, requiredOption(args, 'version'), by, requiredOption(args, 'note'));
      if (!health) throw new NotFoundError('no evaluated release of that version', 'release_not_found');
      return health;
    },
  },
  'webhooks list': {
    usage: 'webhooks list --app <app_id>',
    options: ['app'],
    async run(ctx, args) {
      const app = await appOf(ctx, requiredOption(args, 'app'));
      return (await ctx.composition.verdicts.webhookStore.listWebhooks(app.id)).map(webhookToWire);
    },
  },
  'webhooks deliveries': {
    usage: 'webhooks deliveries --app <app_id> --webhook <id> [--limit n]',
    options: ['app', 'webhook', 'limit'],
    async run(ctx, args) {
      const app = await appOf(ctx, requiredOption(args, 'app'));
      return ctx.composition.verdicts.webhookStore.listAttempts(app.id, requiredOption(args, 'webhook'), intOption(args, 'limit', 20, 1, 500));
    },
  },
};
