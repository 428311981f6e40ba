import { ALL_APP_PERMISSIONS, type AppPermissions, type Principal } from './access';
import { ValidationError } from './errors';

export type Role = 'admin' | 'user';

/**
 * Where a username is unique, and so how its account signs in:
 * - 'global': admins (created by operators) and team users created before usernames were per team;
 *   they sign in with the username alone;
 * - 'team': a team user created or renamed since, unique within its admin's team; it signs in with
 *   the username and its team (the admin's username). So an admin creating a user never learns
 *   from a clash whether another admin's team, or the admins, have that name.
 */
export type UsernameScope = 'global' | 'team';

export interface Account {
  id: string;
  /** Unique regardless of case within its scope; kept as typed. */
  username: string;
  usernameScope: UsernameScope;
  role: Role;
  /** The admin the account belongs to: an admin's own id. */
  owner: string;
  permissions: { apps: AppPermissions };
  allowedApps: string[];
  passwordHash: string;
  passwordSalt: string;
  createdAt: Date;
  updatedAt: Date;
}

export const APP_PERMISSION_NAMES = ['create', 'edit', 'delete', 'download'] as const satisfies readonly (keyof AppPermissions)[];
export const NO_APP_PERMISSIONS: AppPermissions = { create: false, edit: false, delete: false, download: false };

const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{2,63}$/;

export function checkUsername(username: string): void {
  if (!USERNAME.test(username)) {
    throw new ValidationError('username must be 3 to 64 letters, digits or . _ @ -, starting with a letter or digit', 'invalid_username');
  }
}

/** The form uniqueness and lookups compare. */
export const usernameKey = (username: string) => username.toLowerCase();

/** A team-scoped username's unique key: `/` is no username character, so it never meets a global one. */
export const teamUsernameKey = (owner: string, username: string) => `${owner}/${usernameKey(username)}`;

/** The key an account's username is unique under, in its scope. */
export function loginKey(account: Pick<Account, 'username' | 'usernameScope' | 'owner'>): string {
  return account.usernameScope === 'team' ? teamUsernameKey(account.owner, account.username) : usernameKey(account.username);
}

/** The scope a stored key was made in (see loginKey). */
export const scopeOfKey = (key: string): UsernameScope => (key.includes('/') ? 'team' : 'global');

/** `download,edit` → permissions; an unknown name is a ValidationError. */
export function parsePermissionNames(names: readonly string[]): AppPermissions {
  const permissions = { ...NO_APP_PERMISSIONS };
  for (const name of names) {
    if (!(APP_PERMISSION_NAMES as readonly string[]).includes(name)) {
      throw new ValidationError(`unknown permission "${name}" (expected ${APP_PERMISSION_NAMES.join(', ')})`, 'invalid_permissions');
    }
    permissions[name as keyof AppPermissions] = true;
  }
  return permissions;
}

export function toPrincipal(account: Account): Principal {
  if (account.role === 'admin') {
    return { id: account.id, username: account.username, role: 'admin', owner: account.id, permissions: { apps: { ...ALL_APP_PERMISSIONS } }, allowedApps: [] };
  }
  return {
    id: account.id,
    username: account.username,
    role: 'user',
    owner: account.owner,
    permissions: { apps: { ...account.permissions.apps } },
    allowedApps: [...account.allowedApps],
  };
}
