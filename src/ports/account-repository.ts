import type { Account } from '../domain/account';

export type { Account } from '../domain/account';

/** A new username takes `usernameScope` with it when given (a renamed global team user moves to its team's). */
export type AccountChanges = Partial<Pick<Account, 'username' | 'usernameScope' | 'permissions' | 'allowedApps' | 'passwordHash' | 'passwordSalt'>> & {
  updatedAt: Date;
};

export interface AccountRepository {
  /** ConflictError('…', 'username_taken') when the username exists in any letter case in its scope (loginKey). */
  create(account: Account): Promise<Account>;
  findById(id: string): Promise<Account | null>;
  /** Case-insensitive, among usernames of the global scope: admins, and team users from before team scopes. */
  findByUsername(username: string): Promise<Account | null>;
  /** Case-insensitive, among the team-scoped usernames of `owner`'s team. */
  findByTeamUsername(owner: string, username: string): Promise<Account | null>;
  /** Every account whose owner is `owner` (an admin is its own owner), sorted by lowercased username. */
  listByOwner(owner: string): Promise<Account[]>;
  /** Null when the account is gone; ConflictError('…', 'username_taken') on a rename onto a name taken in its scope. */
  update(id: string, changes: AccountChanges): Promise<Account | null>;
  /** True when it existed. */
  delete(id: string): Promise<boolean>;
}
