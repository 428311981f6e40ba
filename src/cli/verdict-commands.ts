import { attemptToWire, webhookToWire } from '../adapters/http/verdict-routes';
import { historyToWire, releaseToWire } from '../adapters/http/views';
import { NotFoundError } from '../domain/errors';
import { APP_OPTION, resolveApp } from './app-ref';
import { command, type Command, type OptionSpec } from './command';
import { shortTime, table } from './format';
import { flag, intOption, requiredOption, stringOption } from './parse-args';

const APP = APP_OPTION;
const WEBHOOK: OptionSpec = { name: 'webhook', value: '<id>', required: true, help: 'the webhook (its id, from webhooks list)' };
const VERSION: OptionSpec = { name: 'version', value: '<version>', required: true, help: 'the release' };

type ReleaseHealth = ReturnType<typeof releaseToWire>;
type HistoryRow = ReturnType<typeof historyToWire>;

const percent = (x: number | null) => (x === null ? '-' : `${(100 * x).toFixed(2)}%`);

function healthHuman(h: ReleaseHealth): string {
  const verdict = h.verdict ?? `no verdict (${h.role})`;
  const lines = [`${h.version}: ${verdict}${h.role === 'rollout' ? ` against ${h.baseline_version ?? 'no baseline'}` : ''}, data through ${h.data_through ? shortTime(h.data_through) : '-'}`];
  for (const text of h.explanation) lines.push(`  - ${text}`);
  if (h.superseded_by) lines.push(`superseded by ${h.superseded_by}`);
  if (h.resumed) lines.push(`resumed ${shortTime(h.resumed.at)} by ${h.resumed.by}: ${h.resumed.note}`);
  const metrics = Object.entries(h.metrics);
  if (metrics.length > 0) {
    lines.push(
      table(metrics, [
        ['METRIC', ([name]) => name],
        ['RELEASE', ([, m]) => (m.status === 'measured' ? `${percent(m.release.rate)} of ${m.release.exposure}` : m.status === 'no_data' ? 'no data yet' : 'no denominator')],
        ['BASELINE', ([, m]) => (m.status === 'measured' ? `${percent(m.baseline.rate)} of ${m.baseline.exposure}` : '-')],
        ['RATIO', ([, m]) => (m.ratio === null ? '-' : m.ratio.toFixed(2))],
        ['E-VALUE', ([, m]) => (m.e_value === null ? '-' : m.e_value.toPrecision(3))],
      ]),
    );
  }
  if (h.cells.length > 0) {
    lines.push(
      table(h.cells, [
        ['CHANNEL', (c) => c.channel],
        ['PLATFORM', (c) => `${c.platform}/${c.arch}`],
        ['CRASH', (c) => `${percent(c.metrics.crash!.release.rate)} of ${c.metrics.crash!.release.exposure}`],
        ['BASELINE', (c) => `${percent(c.metrics.crash!.baseline.rate)} of ${c.metrics.crash!.baseline.exposure}`],
      ]),
    );
  }
  return lines.join('\n');
}

function historyHuman(rows: HistoryRow[]): string {
  if (rows.length === 0) return 'no history yet';
  return table(rows, [
    ['AT', (r) => shortTime(r.at)],
    ['CHANGE', (r) => (r.kind === 'resume' ? 'resumed' : `${r.kind}: ${r.from ?? '-'} → ${r.to ?? '-'}`)],
    ['WHY', (r) => (r.kind === 'resume' ? `${r.by}: ${r.note}` : r.reasons.join(', '))],
  ]);
}

type WebhookRow = ReturnType<typeof webhookToWire>;
type AttemptRow = ReturnType<typeof attemptToWire>;

/**
 * Rollout verdicts and webhooks, as the operator of the service (no JWT: the CLI runs on the
 * composition itself, like `rollouts rates`). Resumes are recorded as by "cli:<--by>".
 */
export const verdictCommands: Command[] = [
  command<ReleaseHealth>({
    name: 'rollouts health',
    summary: "A release's role and verdict (healthy, watch or halt), with its evidence and cells",
    options: [
      APP,
      VERSION,
      { name: 'channel', value: '<channel>', help: 'only this channel' },
      { name: 'platform', value: '<platform>', help: 'only this platform' },
      { name: 'arch', value: '<arch>', help: 'only this arch' },
      { name: 'baseline', value: '<version>', help: 'compare with this version instead of the most used other one' },
      { name: 'evaluate', help: 'evaluate now instead of showing the last scheduled evaluation' },
    ],
    async run(ctx, args) {
      const app = await resolveApp(ctx, requiredOption(args, 'app'));
      const version = requiredOption(args, 'version');
      const { evaluator } = ctx.composition.verdicts;
      if (flag(args, 'evaluate')) await evaluator.evaluateRelease(app.id, version);
      const baseline = stringOption(args, 'baseline');
      const state = baseline !== undefined ? await evaluator.whatIf(app.id, version, baseline) : await evaluator.state(app.id, version);
      if (!state) throw new NotFoundError(`no data for version ${version} of this app`, 'release_not_found');
      const filter = { channel: stringOption(args, 'channel'), platform: stringOption(args, 'platform'), arch: stringOption(args, 'arch') };
      const wire = releaseToWire(state);
      return { ...wire, cells: wire.cells.filter((c) => (Object.keys(filter) as Array<keyof typeof filter>).every((k) => filter[k] === undefined || c[k] === filter[k])) };
    },
    human: healthHuman,
  }),
  command<HistoryRow[]>({
    name: 'rollouts history',
    summary: "Each change of a release's verdict or role, and each resume with who and why",
    options: [APP, VERSION],
    async run(ctx, args) {
      const app = await resolveApp(ctx, requiredOption(args, 'app'));
      return (await ctx.composition.verdicts.verdictStore.history(app.id, requiredOption(args, 'version'), 500)).map(historyToWire);
    },
    human: historyHuman,
  }),
  command<ReleaseHealth>({
    name: 'rollouts resume',
    summary: 'Lift a halt after a person has looked at it (recorded with who and why)',
    options: [APP, VERSION, { name: 'note', value: '<why>', required: true, help: 'why the release may go on' }, { name: 'by', value: '<name>', help: 'who resumes it (default: operator)' }],
    async run(ctx, args) {
      const app = await resolveApp(ctx, requiredOption(args, 'app'));
      const by = `cli:${stringOption(args, 'by') ?? 'operator'}`;
      const state = await ctx.composition.verdicts.evaluator.resume(app.id, requiredOption(args, 'version'), by, requiredOption(args, 'note'));
      if (!state) throw new NotFoundError('no evaluated release of that version', 'release_not_found');
      return releaseToWire(state);
    },
    human: healthHuman,
  }),
  command<WebhookRow[]>({
    name: 'webhooks list',
    summary: "An app's webhooks (their secrets are shown only at creation, through the API)",
    options: [APP],
    async run(ctx, args) {
      const app = await resolveApp(ctx, requiredOption(args, 'app'));
      return (await ctx.composition.verdicts.webhookStore.listWebhooks(app.id)).map(webhookToWire);
    },
    human: (rows) =>
      table(rows, [
        ['ID', (w) => w.id],
        ['URL', (w) => w.url],
        ['EVENTS', (w) => w.events],
        ['CREATED', (w) => shortTime(w.created_at)],
      ]),
  }),
  command<{ id: string; deleted: true }>({
    name: 'webhooks delete',
    summary: 'Delete a webhook, with its pending deliveries and their record',
    options: [APP, WEBHOOK],
    details: 'The API call is DELETE /apps/<app id>/webhooks/<webhook id>.',
    async run(ctx, args) {
      const app = await resolveApp(ctx, requiredOption(args, 'app'));
      const id = requiredOption(args, 'webhook');
      if (!(await ctx.composition.verdicts.webhookStore.deleteWebhook(app.id, id))) throw new NotFoundError(`no webhook ${id} in app ${app.id}`, 'webhook_not_found');
      return { id, deleted: true };
    },
    human: (r) => `deleted webhook ${r.id}`,
  }),
  command<AttemptRow[]>({
    name: 'webhooks deliveries',
    summary: "A webhook's delivery attempts, newest first",
    options: [APP, WEBHOOK, { name: 'limit', value: '<n>', help: 'at most this many (default 20, at most 500)' }],
    async run(ctx, args) {
      const app = await resolveApp(ctx, requiredOption(args, 'app'));
      const attempts = await ctx.composition.verdicts.webhookStore.listAttempts(app.id, requiredOption(args, 'webhook'), intOption(args, 'limit', 20, 1, 500));
      return attempts.map(attemptToWire);
    },
    human: (rows) =>
      table(rows, [
        ['AT', (a) => shortTime(a.at)],
        ['EVENT', (a) => a.event_id],
        ['ATTEMPT', (a) => a.attempt],
        ['STATUS', (a) => a.status],
        ['HTTP', (a) => a.response_status],
        ['ERROR', (a) => a.error],
        ['NEXT', (a) => (a.next_attempt_at ? shortTime(a.next_attempt_at) : null)],
      ]),
  }),
];
