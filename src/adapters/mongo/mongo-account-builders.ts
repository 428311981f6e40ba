import { usernameKey, type Account } from '../../domain/account';
import type { AccountChanges } from '../../ports/account-repository';

// Every filter, sort and update the Mongo account repository sends, as plain documents, so they
// can be checked without a server (see test/unit/mongo-account-builders.test.ts).

export interface AccountDocument {
  _id: string;
  username: string;
  /** Carries the unique index: uniqueness is case-insensitive. */
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
export const accountsByOwnerFilter = (owner: string) => ({ owner });
export const ACCOUNTS_BY_USERNAME_SORT = { username_lower: 1, _id: 1 } as const;

export function accountUpdate(changes: AccountChanges): { $set: Partial<AccountDocument> } {
  const $set: Partial<AccountDocument> = { updatedAt: changes.updatedAt };
  if (changes.username !== undefined) {
    $set.username = changes.username;
    $set.username_lower = usernameKey(changes.username);
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
    username_lower: usernameKey(account.username),
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
