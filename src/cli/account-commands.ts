import type { Composition } from '../composition/compose';
import { accountView, DEFAULT_TEAM_USER_PERMISSIONS } from '../app/identity';
import { parsePermissionNames } from '../domain/account';
import { ValidationError } from '../domain/errors';

export type Flags = Readonly<Record<string, string | boolean | undefined>>;
/** Returns the JSON value the CLI prints on stdout; errors are thrown as domain errors. */
export type AccountCommand = (flags: Flags, composition: Composition) => Promise<unknown>;

function text(flags: Flags, name: string): string {
  const value = flags[name];
  if (typeof value !== 'string' || value === '') throw new ValidationError(`--${name} <value> is required`, 'missing_flag');
  return value;
}

const list = (value: string | boolean | undefined): string[] =>
  typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter(Boolean) : [];

/**
 * `admins create --username … --password …`
 * `users create --owner <admin id or username> --username … --password … [--allowed-apps a,b] [--permissions download,edit]`
 *   (without --permissions a team user gets download only)
 * `token --username … [--ttl seconds]` (default JWT_TTL_SECONDS)
 */
export const accountCommands: Record<string, AccountCommand> = {
  'admins create': async (flags, { identity }) => accountView(await identity.createAdmin({ username: text(flags, 'username'), password: text(flags, 'password') })),

  'users create': async (flags, { identity }) => {
    const admin = await identity.findAdmin(text(flags, 'owner'));
    const user = await identity.createTeamUser(admin.id, {
      username: text(flags, 'username'),
      password: text(flags, 'password'),
      permissions: flags.permissions === undefined ? { ...DEFAULT_TEAM_USER_PERMISSIONS } : parsePermissionNames(list(flags.permissions)),
      allowedApps: list(flags['allowed-apps']),
    });
    return accountView(user);
  },

  token: async (flags, { identity, deps }) => {
    const ttl = flags.ttl === undefined ? deps.config.auth.tokenTtlSeconds : Number(text(flags, 'ttl'));
    return { token: await identity.issueToken(text(flags, 'username'), ttl) };
  },
};
