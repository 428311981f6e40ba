import { ConflictError } from '../../src/domain/errors';
import type { AccountRepository } from '../../src/ports/account-repository';
import { adminAccount, teamUserAccount } from '../fixtures/accounts';

export function accountRepositoryContract(adapterName: string, make: () => Promise<{ repo: AccountRepository; cleanup(): Promise<void> }>): void {
  describe(`AccountRepository contract: ${adapterName}`, () => {
    let repo: AccountRepository;
    let cleanup: () => Promise<void>;
    beforeEach(async () => {
      ({ repo, cleanup } = await make());
    });
    afterEach(async () => cleanup());

    it('when an account is created, then it reads back equal by id and by username in any case', async () => {
      const admin = adminAccount({ username: 'Alice.Admin' });
      expect(await repo.create(admin)).toEqual(admin);
      expect(await repo.findById(admin.id)).toEqual(admin);
      expect(await repo.findByUsername('alice.admin')).toEqual(admin);
      expect(await repo.findByUsername('ALICE.ADMIN')).toEqual(admin);
    });

    it('when nothing matches, then the lookups give null', async () => {
      expect(await repo.findById('missing')).toBeNull();
      expect(await repo.findByUsername('nobody')).toBeNull();
      expect(await repo.update('missing', { updatedAt: new Date() })).toBeNull();
      expect(await repo.delete('missing')).toBe(false);
    });

    it('when a username exists in another letter case, then create is a ConflictError and nothing is stored', async () => {
      await repo.create(adminAccount({ username: 'bob' }));
      const clash = adminAccount({ username: 'BOB' });
      await expect(repo.create(clash)).rejects.toBeInstanceOf(ConflictError);
      await expect(repo.create(clash)).rejects.toMatchObject({ code: 'username_taken' });
      expect(await repo.findById(clash.id)).toBeNull();
    });

    it('when an id exists, then create is a ConflictError', async () => {
      const admin = await repo.create(adminAccount());
      await expect(repo.create(adminAccount({ id: admin.id, username: 'other-name' }))).rejects.toBeInstanceOf(ConflictError);
    });

    it('listByOwner gives the admin and its team users sorted by lowercased username, never another owner’s', async () => {
      const a = await repo.create(adminAccount({ username: 'm-admin' }));
      const b = await repo.create(adminAccount({ username: 'other-admin' }));
      await repo.create(teamUserAccount(a.id, { username: 'Zed' }));
      await repo.create(teamUserAccount(a.id, { username: 'amy' }));
      await repo.create(teamUserAccount(b.id, { username: 'bea' }));
      expect((await repo.listByOwner(a.id)).map((x) => x.username)).toEqual(['amy', 'm-admin', 'Zed']);
      expect((await repo.listByOwner(b.id)).map((x) => x.username)).toEqual(['bea', 'other-admin']);
      expect(await repo.listByOwner('nobody')).toEqual([]);
    });

    it('update changes only the given fields and bumps updatedAt', async () => {
      const admin = await repo.create(adminAccount());
      const user = await repo.create(teamUserAccount(admin.id));
      const later = new Date('2026-02-01T00:00:00.000Z');
      const updated = await repo.update(user.id, {
        permissions: { apps: { create: false, edit: true, delete: false, download: true } },
        allowedApps: ['app-2', 'app-3'],
        updatedAt: later,
      });
      const expected = { ...user, permissions: { apps: { create: false, edit: true, delete: false, download: true } }, allowedApps: ['app-2', 'app-3'], updatedAt: later };
      expect(updated).toEqual(expected);
      expect(await repo.findById(user.id)).toEqual(expected);

      const rehashed = await repo.update(user.id, { passwordHash: 'scrypt$4$1$1$y', passwordSalt: 'bmV3', updatedAt: later });
      expect(rehashed).toMatchObject({ passwordHash: 'scrypt$4$1$1$y', passwordSalt: 'bmV3', allowedApps: ['app-2', 'app-3'] });
    });

    it('when renamed, then the new name is found, the old is free, and renaming onto a taken name is a ConflictError', async () => {
      const admin = await repo.create(adminAccount({ username: 'first' }));
      await repo.create(adminAccount({ username: 'second' }));
      await repo.update(admin.id, { username: 'Renamed', updatedAt: new Date() });
      expect((await repo.findByUsername('renamed'))?.id).toBe(admin.id);
      expect(await repo.findByUsername('first')).toBeNull();
      await expect(repo.update(admin.id, { username: 'SECOND', updatedAt: new Date() })).rejects.toMatchObject({ code: 'username_taken' });
      expect((await repo.findById(admin.id))?.username).toBe('Renamed');
      expect(await repo.update(admin.id, { username: 'RENAMED', updatedAt: new Date() })).toMatchObject({ username: 'RENAMED' });
    });

    it('when two teams have a user of the same name, then both are stored, each found in its own team only, and neither clashes with an admin of that name', async () => {
      const a = await repo.create(adminAccount({ username: 'team-a' }));
      const b = await repo.create(adminAccount({ username: 'team-b' }));
      await repo.create(adminAccount({ username: 'dana' }));
      const inA = await repo.create(teamUserAccount(a.id, { username: 'Dana' }));
      const inB = await repo.create(teamUserAccount(b.id, { username: 'DANA' }));
      expect(await repo.findByTeamUsername(a.id, 'dana')).toEqual(inA);
      expect(await repo.findByTeamUsername(b.id, 'dana')).toEqual(inB);
      expect(await repo.findByTeamUsername('nobody', 'dana')).toBeNull();
      // The global scope holds the admin only.
      expect((await repo.findByUsername('dana'))?.role).toBe('admin');
      await expect(repo.create(teamUserAccount(a.id, { username: 'dAnA' }))).rejects.toMatchObject({ code: 'username_taken' });
      expect((await repo.listByOwner(a.id)).map((x) => x.username)).toEqual(['Dana', 'team-a']);
    });

    it('when a global team user (from before team scopes) is renamed into its team, then its old name is free in the global scope and the new one taken in the team', async () => {
      const admin = await repo.create(adminAccount({ username: 'erin-admin' }));
      const earlier = await repo.create(teamUserAccount(admin.id, { username: 'erin', usernameScope: 'global' }));
      expect(await repo.findByUsername('ERIN')).toEqual(earlier);
      expect(await repo.findByTeamUsername(admin.id, 'erin')).toBeNull();
      const moved = await repo.update(earlier.id, { username: 'erin2', usernameScope: 'team', updatedAt: new Date() });
      expect(moved).toMatchObject({ username: 'erin2', usernameScope: 'team' });
      expect(await repo.findByUsername('erin')).toBeNull();
      expect(await repo.findByUsername('erin2')).toBeNull();
      expect((await repo.findByTeamUsername(admin.id, 'Erin2'))?.id).toBe(earlier.id);
      // A rename keeps the scope it has unless told.
      expect(await repo.update(earlier.id, { username: 'erin3', updatedAt: new Date() })).toMatchObject({ usernameScope: 'team' });
      await repo.create(teamUserAccount(admin.id, { username: 'frank' }));
      await expect(repo.update(earlier.id, { username: 'FRANK', updatedAt: new Date() })).rejects.toMatchObject({ code: 'username_taken' });
    });

    it('when deleted, then it is gone and its username can be taken again', async () => {
      const admin = await repo.create(adminAccount({ username: 'carol' }));
      expect(await repo.delete(admin.id)).toBe(true);
      expect(await repo.findById(admin.id)).toBeNull();
      expect(await repo.findByUsername('carol')).toBeNull();
      await expect(repo.create(adminAccount({ username: 'Carol' }))).resolves.toMatchObject({ username: 'Carol' });
    });

    it('when the returned account is mutated, then the stored one is not', async () => {
      const admin = await repo.create(adminAccount());
      const user = await repo.create(teamUserAccount(admin.id, { allowedApps: ['a'] }));
      user.allowedApps.push('b');
      user.permissions.apps.delete = true;
      expect(await repo.findById(user.id)).toMatchObject({ allowedApps: ['a'], permissions: { apps: { delete: false } } });
    });
  });
}
