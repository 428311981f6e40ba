import { relayTokenToWire, type RelayTokenWire } from '../adapters/http/relay-token-routes';
import { relayTokenId } from '../domain/relay-token';
import { APP_OPTION as APP, resolveApp } from './app-ref';
import { command, type Command } from './command';
import { shortTime, table } from './format';
import { requiredOption } from './parse-args';

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
      const app = await resolveApp(ctx, requiredOption(args, 'app'));
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
      const app = await resolveApp(ctx, requiredOption(args, 'app'));
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
      const app = await resolveApp(ctx, requiredOption(args, 'app'));
      const given = requiredOption(args, 'token');
      const id = relayTokenId(given) ?? given;
      await ctx.composition.relayTokens.revokeOf(app.id, id);
      return { id, app_id: app.id, revoked: true };
    },
    human: (r) => `relay token ${r.id} revoked; batches sent with it are refused from now on`,
  }),
];
