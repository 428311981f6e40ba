import { accountView, DEFAULT_TEAM_USER_PERMISSIONS } from '../app/identity';
import { parsePermissionNames } from '../domain/account';
import { NotFoundError } from '../domain/errors';
import type { Account } from '../domain/account';
import { appIdsOfOwner } from './app-ref';
import { command, type CliContext, type Command } from './command';
import { listing } from './format';
import { requiredOption, stringOption } from './parse-args';

const list = (value: string | undefined): string[] => (value === undefined ? [] : value.split(',').map((s) => s.trim()).filter(Boolean));

/**
 * The admin an `--owner` names, by id or username. An unknown one is refused by name: an app or
 * user given to a typo would belong to nobody who can sign in.
 */
export async function resolveOwner(ctx: CliContext, idOrUsername: string): Promise<Account> {
  try {
    return await ctx.composition.identity.findAdmin(idOrUsername);
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
    throw new NotFoundError(`--owner "${idOrUsername}" is not an admin's id or username (create one with: telltale admins create --username … --password …)`, 'admin_not_found');
  }
}

type AccountResult = ReturnType<typeof accountView>;
const accountHuman = (a: AccountResult) => listing({ id: a.id, username: a.username, role: a.role, owner: a.owner, allowed_apps: a.allowed_apps, permissions: a.permissions.apps });

export const accountCommands: Command[] = [
  command({
    name: 'admins create',
    summary: 'Create an admin account (admins own apps)',
    options: [
      { name: 'username', value: '<name>', required: true, help: 'the admin\'s username' },
      { name: 'password', value: '<password>', required: true, help: 'at least 8 characters' },
    ],
    run: async (ctx, args) => accountView(await ctx.composition.identity.createAdmin({ username: requiredOption(args, 'username'), password: requiredOption(args, 'password') })),
    human: accountHuman,
  }),

  command({
    name: 'users create',
    summary: 'Create a team user under an admin',
    options: [
      { name: 'owner', value: '<admin id or username>', required: true, help: 'the admin the user works for' },
      { name: 'username', value: '<name>', required: true, help: 'the user\'s username' },
      { name: 'password', value: '<password>', required: true, help: 'at least 8 characters' },
      { name: 'allowed-apps', value: '<id or name,…>', help: 'apps of the admin the user may read' },
      { name: 'permissions', value: '<download,edit,create,delete>', help: 'default: download' },
    ],
    async run(ctx, args) {
      const admin = await resolveOwner(ctx, requiredOption(args, 'owner'));
      const permissions = stringOption(args, 'permissions');
      const user = await ctx.composition.identity.createTeamUser(admin.id, {
        username: requiredOption(args, 'username'),
        password: requiredOption(args, 'password'),
        permissions: permissions === undefined ? { ...DEFAULT_TEAM_USER_PERMISSIONS } : parsePermissionNames(list(permissions)),
        allowedApps: await appIdsOfOwner(ctx, admin.id, list(stringOption(args, 'allowed-apps'))),
      });
      return accountView(user);
    },
    human: accountHuman,
  }),

  command({
    name: 'token',
    summary: 'Issue a JWT for an account, as /auth/login would',
    options: [
      { name: 'username', value: '<name>', required: true, help: 'the account' },
      { name: 'team', value: '<admin username>', help: 'a team user\'s team: the admin who created it' },
      { name: 'ttl', value: '<seconds>', help: 'lifetime (default JWT_TTL_SECONDS)' },
    ],
    async run(ctx, args) {
      const raw = stringOption(args, 'ttl');
      const ttl = raw === undefined ? ctx.config.auth.tokenTtlSeconds : Number(raw);
      return { token: await ctx.composition.identity.issueToken(requiredOption(args, 'username'), ttl, stringOption(args, 'team')) };
    },
    human: (r: { token: string }) => r.token,
  }),
];
