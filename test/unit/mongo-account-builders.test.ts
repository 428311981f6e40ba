import { find, update } from 'mingo';
import {
  accountByIdFilter,
  accountByTeamUsernameFilter,
  accountByUsernameFilter,
  byUsername,
  accountsByOwnerFilter,
  accountUpdate,
  fromDocument,
  toDocument,
  type AccountDocument,
} from '../../src/adapters/mongo/mongo-account-builders';
import { mongoIndexes } from '../../src/adapters/mongo/mongo-migrations';
import { adminAccount, teamUserAccount } from '../fixtures/accounts';

// mingo evaluates the documents the Mongo adapter would send; the unique index itself is a
// server feature, so only its definition is checked here.
describe('Mongo account builders (evaluated with mingo)', () => {
  const admin = adminAccount({ username: 'Alice' });
  const other = adminAccount({ username: 'zoe' });
  const docs: AccountDocument[] = [
    toDocument(admin),
    toDocument(teamUserAccount(admin.id, { username: 'Bob' })),
    toDocument(teamUserAccount(admin.id, { username: 'aaron' })),
    toDocument(other),
    toDocument(teamUserAccount(other.id, { username: 'bea' })),
  ];
  const query = (filter: object) => find<AccountDocument>(docs, filter).all();

  it('a username lookup matches in any letter case, through the lowercased field the unique index covers', () => {
    expect(query(accountByUsernameFilter('ALICE')).map((d) => d._id)).toEqual([admin.id]);
    expect(mongoIndexes().find((i) => i.collection === 'accounts' && i.unique)?.key).toEqual({ username_lower: 1 });
  });

  it('an id lookup matches that account only', () => {
    expect(query(accountByIdFilter(other.id)).map((d) => d.username)).toEqual(['zoe']);
  });

  it('the owner filter, then byUsername, give one admin’s accounts by lowercased username', () => {
    const names = find<AccountDocument>(docs, accountsByOwnerFilter(admin.id)).all().map(fromDocument).sort(byUsername).map((a) => a.username);
    expect(names).toEqual(['aaron', 'Alice', 'Bob']);
  });

  it('a team username lookup matches in that team only; the global lookup never matches a team user', () => {
    expect(query(accountByTeamUsernameFilter(other.id, 'BEA')).map((d) => d.username)).toEqual(['bea']);
    expect(query(accountByTeamUsernameFilter(admin.id, 'bea'))).toEqual([]);
    expect(query(accountByUsernameFilter('bea'))).toEqual([]);
  });

  it('the update sets only the given fields and keeps username_lower in step with a rename, in the account’s scope', () => {
    const doc = structuredClone(docs[1]!);
    const at = new Date('2026-03-01T00:00:00.000Z');
    update(doc as unknown as Record<string, unknown>, accountUpdate({ username: 'Robert', allowedApps: ['x'], updatedAt: at }, doc));
    expect(doc).toMatchObject({ username: 'Robert', username_lower: `${admin.id}/robert`, allowed_apps: ['x'], updatedAt: at });
    expect(doc.permissions).toEqual(docs[1]!.permissions);
    expect(doc.password_hash).toBe(docs[1]!.password_hash);
    const earlier = toDocument(teamUserAccount(admin.id, { username: 'Old', usernameScope: 'global' }));
    expect(earlier.username_lower).toBe('old');
    update(earlier as unknown as Record<string, unknown>, accountUpdate({ username: 'New', usernameScope: 'team', updatedAt: at }, earlier));
    expect(fromDocument(earlier)).toMatchObject({ username: 'New', usernameScope: 'team' });
    expect(() => accountUpdate({ username: 'x', updatedAt: at })).toThrow();
  });

  it('toDocument and fromDocument round-trip an account', () => {
    expect(fromDocument(toDocument(admin))).toEqual(admin);
    const user = teamUserAccount(admin.id);
    expect(fromDocument(toDocument(user))).toEqual(user);
  });
});
