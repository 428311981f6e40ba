import type { Collection, Db } from 'mongodb';
import type { Account } from '../../domain/account';
import { ConflictError } from '../../domain/errors';
import type { AccountChanges, AccountRepository } from '../../ports/account-repository';
import {
  accountByIdFilter,
  accountByTeamUsernameFilter,
  accountByUsernameFilter,
  accountsByOwnerFilter,
  accountUpdate,
  byUsername,
  fromDocument,
  toDocument,
  type AccountDocument,
} from './mongo-account-builders';
import { guarded, isDuplicateKey } from './mongo-errors';

export class MongoAccountRepository implements AccountRepository {
  private readonly accounts: Collection<AccountDocument>;

  constructor(db: Db) {
    this.accounts = db.collection<AccountDocument>('accounts');
  }

  async create(account: Account): Promise<Account> {
    return guarded('create', async () => {
      try {
        await this.accounts.insertOne(toDocument(account));
      } catch (error) {
        throw conflictOr(error);
      }
      return (await this.findById(account.id))!;
    });
  }

  async findById(id: string): Promise<Account | null> {
    return guarded('findById', async () => {
      const doc = await this.accounts.findOne(accountByIdFilter(id));
      return doc ? fromDocument(doc) : null;
    });
  }

  async findByUsername(username: string): Promise<Account | null> {
    return guarded('findByUsername', async () => {
      const doc = await this.accounts.findOne(accountByUsernameFilter(username));
      return doc ? fromDocument(doc) : null;
    });
  }

  async findByTeamUsername(owner: string, username: string): Promise<Account | null> {
    return guarded('findByTeamUsername', async () => {
      const doc = await this.accounts.findOne(accountByTeamUsernameFilter(owner, username));
      return doc ? fromDocument(doc) : null;
    });
  }

  async listByOwner(owner: string): Promise<Account[]> {
    return guarded('listByOwner', async () => {
      const docs = await this.accounts.find(accountsByOwnerFilter(owner)).toArray();
      return docs.map(fromDocument).sort(byUsername);
    });
  }

  async update(id: string, changes: AccountChanges): Promise<Account | null> {
    return guarded('update', async () => {
      try {
        // A new username's key depends on the owner and scope: read them first (an owner never changes).
        const current = changes.username === undefined ? undefined : await this.accounts.findOne(accountByIdFilter(id));
        if (current === null) return null;
        const doc = await this.accounts.findOneAndUpdate(accountByIdFilter(id), accountUpdate(changes, current), { returnDocument: 'after' });
        return doc ? fromDocument(doc) : null;
      } catch (error) {
        throw conflictOr(error);
      }
    });
  }

  async delete(id: string): Promise<boolean> {
    return guarded('delete', async () => {
      const result = await this.accounts.deleteOne(accountByIdFilter(id));
      return result.deletedCount > 0;
    });
  }
}

function conflictOr(error: unknown): unknown {
  if (!isDuplicateKey(error)) return error;
  if (error.keyPattern && '_id' in error.keyPattern) return new ConflictError('an account with this id already exists', 'account_exists');
  return new ConflictError('username already taken', 'username_taken');
}
