import { relayTokenToWire, type RelayTokenWire } from '../adapters/http/relay-token-routes';
import { NotFoundError, ValidationError } from '../domain/errors';
import { relayTokenId } from '../domain/relay-token';
import type { App } from '../ports/app-directory';
import { command, type CliContext, type Command, type OptionSpec } from './command';
import { shortTime, table } from './format';
import { requiredOption } from './parse-args';

const APP: OptionSpec = { name: 'app', value: '<app_id|name>', required: true, help: 'the app, by id, or by name when no other admin has an app of that name' };

/** An app by id or, names being unique per owner only, by a name that one app alone has. */
async function appByRef(ctx: CliContext, ref: string): Promise<App> {
  const { directory } = ctx.composition;
  const byId = await directory.getApp(ref);
  if (byId !== null) return byId;
  const named: App[] = [];
  for (const id of await directory.listAppIds()) {
    const app = await directory.getApp(id);
    if (app?.name === ref) named.push(app);
  }
  if (named.length === 1) return named[0]!;
  if (named.length === 0) throw new NotFoundError(`no app with id or name "${ref}"`, 'app_not_found');
  throw new ValidationError(`${named.length} apps are named "${ref}" (${named.map((a) => a.id).join(', ')}); give --app its id`, 'ambiguous_app');
}

type Created = RelayTokenWire & { token: string };

const createdHuman = (t: Created) =>
  [
    `Relay token "${t.name}" for app ${t.app_id}. It is shown this once; only its SHA-256 is kept:`,
    '',
    t.token,
    '',
    'The relay sends it as Authorization: Bearer <token> on POST /telemetry/beacons.',
    `Revoke it with: telltale relays revoke --app ${t.app_id} --token ${t.id}`,
  ].join('\n');

/**
 * Relay tokens (POST /telemetry/beacons) as the operator: the API's admin-only routes, without a
 * JWT, like `webhooks list`.
 */
export const relayCommands: Command[] = [
  command<Created>({
    name: 'relays create',
    summary: 'Create a relay token for an app (printed once) for POST /telemetry/beacons',
    options: [APP, { name: 'name', value: '<label>', required: true, help: 'which relay holds it, 1 to 100 characters' }],
    details: 'Example: telltale relays create --app my-app --name eu-relay-1\nThe token is printed once and stored only as its SHA-256; a lost token is revoked and replaced.',
    async run(ctx, args) {
      const app = await appByRef(ctx, requiredOption(args, 'app'));
      const { record, token } = await ctx.composition.relayTokens.issue(app.id, requiredOption(args, 'name'));
      return { ...relayTokenToWire(record), token };
    },
    human: createdHuman,
  }),
  command<RelayTokenWire[]>({
    name: 'relays list',
    summary: "An app's relay tokens: id, name, hint and creation (never the token)",
    options: [APP],
    async run(ctx, args) {
      const app = await appByRef(ctx, requiredOption(args, 'app'));
      return (await ctx.composition.relayTokens.tokensOf(app.id)).map(relayTokenToWire);
    },
    human: (rows) =>
      table(rows, [
        ['ID', (t) => t.id],
        ['NAME', (t) => t.name],
        ['HINT', (t) => t.hint],
        ['CREATED', (t) => shortTime(t.created_at)],
      ]),
  }),
  command<{ id: string; app_id: string; revoked: true }>({
    name: 'relays revoke',
    summary: "Revoke a relay token: the relay's next batch is refused (401)",
    options: [APP, { name: 'token', value: '<token_id>', required: true, help: 'the token\'s id (relays list), or the token itself' }],
    async run(ctx, args) {
      const app = await appByRef(ctx, requiredOption(args, 'app'));
      const given = requiredOption(args, 'token');
      const id = relayTokenId(given) ?? given;
      await ctx.composition.relayTokens.revokeOf(app.id, id);
      return { id, app_id: app.id, revoked: true };
    },
    human: (r) => `relay token ${r.id} revoked; batches sent with it are refused from now on`,
  }),
];
