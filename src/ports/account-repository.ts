import type { Account } from '../domain/account';

export type { Account } from '../domain/account';

export type AccountChanges = Partial<Pick<Account, 'username' | 'permissions' | 'allowedApps' | 'passwordHash' | 'passwordSalt'>> & {
  updatedAt: Date;
};

export interface AccountRepository {
  /** ConflictError('…', 'username_taken') when the username exists in any letter case. */
  create(account: Account): Promise<Account>;
  findById(id: string): Promise<Account | null>;
  /** Case-insensitive. */
  findByUsername(username: string): Promise<Account | null>;
  /** Every account whose owner is `owner` (an admin is its own owner), sorted by lowercased username. */
  listByOwner(owner: string): Promise<Account[]>;
  /** Null when the account is gone; ConflictError('…', 'username_taken') on a rename onto a taken name. */
  update(id: string, changes: AccountChanges): Promise<Account | null>;
  /** True when it existed. */
  delete(id: string): Promise<boolean>;
}
