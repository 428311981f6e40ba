import type { Database, Transaction } from 'better-sqlite3';
import { loginKey, scopeOfKey, teamUsernameKey, usernameKey, type Account } from '../../domain/account';
import { ConflictError } from '../../domain/errors';
import type { AccountChanges, AccountRepository } from '../../ports/account-repository';
import { guarded, uniqueViolation } from './sqlite-database';

interface AccountRow {
  id: string;
  username: string;
  username_key: string;
  role: string;
  owner: string;
  permissions: string;
  allowed_apps: string;
  password_hash: string;
  password_salt: string;
  created_at: number;
  updated_at: number;
}

function toRow(account: Account): AccountRow {
  return {
    id: account.id,
    username: account.username,
    // The scope lives in the key (see loginKey): rows from before team scopes read as global.
    username_key: loginKey(account),
    role: account.role,
    owner: account.owner,
    permissions: JSON.stringify(account.permissions),
    allowed_apps: JSON.stringify(account.allowedApps),
    password_hash: account.passwordHash,
    password_salt: account.passwordSalt,
    created_at: account.createdAt.getTime(),
    updated_at: account.updatedAt.getTime(),
  };
}

function fromRow(row: AccountRow): Account {
  return {
    id: row.id,
    username: row.username,
    usernameScope: scopeOfKey(row.username_key),
    role: row.role as Account['role'],
    owner: row.owner,
    permissions: JSON.parse(row.permissions) as Account['permissions'],
    allowedApps: JSON.parse(row.allowed_apps) as string[],
    passwordHash: row.password_hash,
    passwordSalt: row.password_salt,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

/** The `accounts` table of the service's one SQLite database (sqlite-migrations.ts creates it). */
export class SqliteAccountRepository implements AccountRepository {
  private readonly statements;
  private readonly updateTx: Transaction<(id: string, changes: AccountChanges) => Account | null>;

  constructor(db: Database) {
    this.statements = {
      insert: db.prepare<AccountRow>(
        `INSERT INTO accounts (id, username, username_key, role, owner, permissions, allowed_apps, password_hash, password_salt, created_at, updated_at)
         VALUES (@id, @username, @username_key, @role, @owner, @permissions, @allowed_apps, @password_hash, @password_salt, @created_at, @updated_at)`,
      ),
      byId: db.prepare<[string], AccountRow>('SELECT * FROM accounts WHERE id = ?'),
      byUsername: db.prepare<[string], AccountRow>('SELECT * FROM accounts WHERE username_key = ?'),
      // Usernames are ASCII, so lower() is the domain's usernameKey; the key may carry a team prefix.
      byOwner: db.prepare<[string], AccountRow>('SELECT * FROM accounts WHERE owner = ? ORDER BY lower(username), id'),
      replace: db.prepare<AccountRow>(
        `UPDATE accounts SET username = @username, username_key = @username_key, permissions = @permissions, allowed_apps = @allowed_apps,
           password_hash = @password_hash, password_salt = @password_salt, updated_at = @updated_at WHERE id = @id`,
      ),
      remove: db.prepare<[string]>('DELETE FROM accounts WHERE id = ?'),
    };
    // Read and write in one transaction, so a concurrent change to another field is not lost.
    this.updateTx = db.transaction((id: string, changes: AccountChanges): Account | null => {
      const row = this.statements.byId.get(id);
      if (!row) return null;
      const current = fromRow(row);
      const next: Account = {
        ...current,
        username: changes.username ?? current.username,
        usernameScope: changes.usernameScope ?? current.usernameScope,
        permissions: changes.permissions ?? current.permissions,
        allowedApps: changes.allowedApps ?? current.allowedApps,
        passwordHash: changes.passwordHash ?? current.passwordHash,
        passwordSalt: changes.passwordSalt ?? current.passwordSalt,
        updatedAt: changes.updatedAt,
      };
      this.statements.replace.run(toRow(next));
      return next;
    });
  }

  async create(account: Account): Promise<Account> {
    try {
      guarded('createAccount', () => this.statements.insert.run(toRow(account)));
    } catch (error) {
      throw conflictOr(error);
    }
    return (await this.findById(account.id))!;
  }

  async findById(id: string): Promise<Account | null> {
    const row = guarded('findAccountById', () => this.statements.byId.get(id));
    return row ? fromRow(row) : null;
  }

  async findByUsername(username: string): Promise<Account | null> {
    const row = guarded('findAccountByUsername', () => this.statements.byUsername.get(usernameKey(username)));
    return row ? fromRow(row) : null;
  }

  async findByTeamUsername(owner: string, username: string): Promise<Account | null> {
    const row = guarded('findAccountByTeamUsername', () => this.statements.byUsername.get(teamUsernameKey(owner, username)));
    return row ? fromRow(row) : null;
  }

  async listByOwner(owner: string): Promise<Account[]> {
    return guarded('listAccounts', () => this.statements.byOwner.all(owner)).map(fromRow);
  }

  async update(id: string, changes: AccountChanges): Promise<Account | null> {
    try {
      return guarded('updateAccount', () => this.updateTx.immediate(id, changes));
    } catch (error) {
      throw conflictOr(error);
    }
  }

  async delete(id: string): Promise<boolean> {
    return guarded('deleteAccount', () => this.statements.remove.run(id).changes > 0);
  }
}

/** The id is the primary key and username_key the table's one UNIQUE column. */
function conflictOr(error: unknown): unknown {
  const violation = uniqueViolation(error);
  if (violation === 'primary_key') return new ConflictError('an account with this id already exists', 'account_exists');
  if (violation === 'unique') return new ConflictError('username already taken', 'username_taken');
  return error;
}
