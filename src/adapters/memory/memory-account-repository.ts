import { loginKey, teamUsernameKey, usernameKey, type Account } from '../../domain/account';
import { ConflictError } from '../../domain/errors';
import type { AccountChanges, AccountRepository } from '../../ports/account-repository';

const copy = (account: Account): Account => ({
  ...account,
  permissions: { apps: { ...account.permissions.apps } },
  allowedApps: [...account.allowedApps],
});

export class MemoryAccountRepository implements AccountRepository {
  private readonly accounts = new Map<string, Account>();

  async create(account: Account): Promise<Account> {
    if (this.accounts.has(account.id)) throw new ConflictError('an account with this id already exists', 'account_exists');
    this.assertFree(loginKey(account), account.id);
    this.accounts.set(account.id, copy(account));
    return copy(account);
  }

  async findById(id: string): Promise<Account | null> {
    const account = this.accounts.get(id);
    return account ? copy(account) : null;
  }

  async findByUsername(username: string): Promise<Account | null> {
    return this.findByKey(usernameKey(username));
  }

  async findByTeamUsername(owner: string, username: string): Promise<Account | null> {
    return this.findByKey(teamUsernameKey(owner, username));
  }

  private findByKey(key: string): Account | null {
    for (const account of this.accounts.values()) if (loginKey(account) === key) return copy(account);
    return null;
  }

  async listByOwner(owner: string): Promise<Account[]> {
    return [...this.accounts.values()]
      .filter((a) => a.owner === owner)
      .sort((a, b) => compareKeys(usernameKey(a.username), usernameKey(b.username)))
      .map(copy);
  }

  async update(id: string, changes: AccountChanges): Promise<Account | null> {
    const account = this.accounts.get(id);
    if (!account) return null;
    const updated = copy({ ...account, ...definedOnly(changes) });
    if (changes.username !== undefined) this.assertFree(loginKey(updated), id);
    this.accounts.set(id, updated);
    return copy(updated);
  }

  async delete(id: string): Promise<boolean> {
    return this.accounts.delete(id);
  }

  private assertFree(key: string, exceptId: string): void {
    for (const other of this.accounts.values()) {
      if (other.id !== exceptId && loginKey(other) === key) throw new ConflictError('username already taken', 'username_taken');
    }
  }
}

const compareKeys = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function definedOnly<T extends object>(changes: T): Partial<T> {
  return Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined)) as Partial<T>;
}
