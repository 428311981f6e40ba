import { ALL_APP_PERMISSIONS, type AppPermissions, type Principal } from './access';
import { ValidationError } from './errors';

export type Role = 'admin' | 'user';

export interface Account {
  id: string;
  /** Unique regardless of case; kept as typed. */
  username: string;
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
