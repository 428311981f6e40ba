import { loginKey, scopeOfKey, teamUsernameKey, usernameKey, type Account } from '../../domain/account';
import type { AccountChanges } from '../../ports/account-repository';

// Every filter, sort and update the Mongo account repository sends, as plain documents, so they
// can be checked without a server (see test/unit/mongo-account-builders.test.ts).

export interface AccountDocument {
  _id: string;
  username: string;
  /**
   * Carries the unique index: uniqueness is case-insensitive, within the username's scope, which the
   * key also tells (loginKey: a team's usernames are prefixed with its admin's id and a slash).
   */
  username_lower: string;
  role: Account['role'];
  owner: string;
  permissions: Account['permissions'];
  allowed_apps: string[];
  password_hash: string;
  password_salt: string;
  createdAt: Date;
  updatedAt: Date;
}

export const accountByIdFilter = (id: string) => ({ _id: id });
export const accountByUsernameFilter = (username: string) => ({ username_lower: usernameKey(username) });
export const accountByTeamUsernameFilter = (owner: string, username: string) => ({ username_lower: teamUsernameKey(owner, username) });
export const accountsByOwnerFilter = (owner: string) => ({ owner });
/** A team's keys carry a prefix, so one owner's accounts are read unsorted and sorted by byUsername. */
export const byUsername = (a: Account, b: Account): number => {
  const [x, y] = [usernameKey(a.username), usernameKey(b.username)];
  return x < y ? -1 : x > y ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
};

/**
 * The update of `changes`; a new username needs the account as it is (`current`: its owner and
 * scope), since the key it is unique under depends on them.
 */
export function accountUpdate(changes: AccountChanges, current?: Pick<AccountDocument, 'owner' | 'username_lower'>): { $set: Partial<AccountDocument> } {
  const $set: Partial<AccountDocument> = { updatedAt: changes.updatedAt };
  if (changes.username !== undefined) {
    if (current === undefined) throw new Error('a new username needs the current account');
    $set.username = changes.username;
    $set.username_lower = loginKey({ username: changes.username, owner: current.owner, usernameScope: changes.usernameScope ?? scopeOfKey(current.username_lower) });
  }
  if (changes.permissions !== undefined) $set.permissions = changes.permissions;
  if (changes.allowedApps !== undefined) $set.allowed_apps = changes.allowedApps;
  if (changes.passwordHash !== undefined) $set.password_hash = changes.passwordHash;
  if (changes.passwordSalt !== undefined) $set.password_salt = changes.passwordSalt;
  return { $set };
}

export function toDocument(account: Account): AccountDocument {
  return {
    _id: account.id,
    username: account.username,
    username_lower: loginKey(account),
    role: account.role,
    owner: account.owner,
    permissions: { apps: { ...account.permissions.apps } },
    allowed_apps: [...account.allowedApps],
    password_hash: account.passwordHash,
    password_salt: account.passwordSalt,
    createdAt: account.createdAt,
    updatedAt: account.updatedAt,
  };
}

export function fromDocument(doc: AccountDocument): Account {
  return {
    id: doc._id,
    username: doc.username,
    usernameScope: scopeOfKey(doc.username_lower),
    role: doc.role,
    owner: doc.owner,
    permissions: { apps: { ...doc.permissions.apps } },
    allowedApps: [...doc.allowed_apps],
    passwordHash: doc.password_hash,
    passwordSalt: doc.password_salt,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}
