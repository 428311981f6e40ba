import { ConflictError } from '../../src/domain/errors';
import type { AppDirectory } from '../../src/ports/app-directory';
import { MINUTE, T0, appRecord, at } from '../fixtures/groups';
import { newReportKey } from '../fixtures/reports';

/** What every AppDirectory must do; memory-app-directory.ts is the reference. */
export function appDirectoryContract(
  adapterName: string,
  make: () => Promise<{ directory: AppDirectory; cleanup(): Promise<void> }>,
): void {
  describe(`AppDirectory contract — ${adapterName}`, () => {
    let directory: AppDirectory;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ directory, cleanup } = await make());
    });
    afterEach(async () => {
      await cleanup();
    });

    describe('apps', () => {
      it('when an app is created, then getApp returns it as written', async () => {
        const app = appRecord({ id: 'app-1', createdAt: at(7), updatedAt: at(7) });
        expect(await directory.createApp(app)).toEqual(app);
        expect(await directory.getApp('app-1')).toEqual(app);
        expect(await directory.getApp('app-unknown')).toBeNull();
      });

      it('when an owner lists apps, then they are that owner’s only, sorted by name', async () => {
        await directory.createApp(appRecord({ owner: 'owner-1', name: 'zeta' }));
        await directory.createApp(appRecord({ owner: 'owner-1', name: 'alpha' }));
        await directory.createApp(appRecord({ owner: 'owner-2', name: 'beta' }));
        await directory.createApp(appRecord({ owner: 'owner-1', name: 'Mid app' }));
        expect((await directory.listApps('owner-1')).map((a) => a.name)).toEqual(['Mid app', 'alpha', 'zeta']);
        expect(await directory.listApps('owner-3')).toEqual([]);
      });

      it('when several owners have an app of one name, then findAppsByName returns each of them, sorted by owner', async () => {
        await directory.createApp(appRecord({ id: 'app-b', owner: 'owner-2', name: 'desktop' }));
        await directory.createApp(appRecord({ id: 'app-a', owner: 'owner-1', name: 'desktop' }));
        await directory.createApp(appRecord({ id: 'app-c', owner: 'owner-1', name: 'mobile' }));
        expect((await directory.findAppsByName('desktop')).map((a) => [a.id, a.owner])).toEqual([['app-a', 'owner-1'], ['app-b', 'owner-2']]);
        expect(await directory.findAppsByName('Desktop')).toEqual([]);
      });

      it('when apps of several owners exist, then listAppIds returns every id, sorted', async () => {
        await directory.createApp(appRecord({ id: 'app-b', owner: 'owner-1', name: 'one' }));
        await directory.createApp(appRecord({ id: 'app-a', owner: 'owner-2', name: 'two' }));
        expect(await directory.listAppIds()).toEqual(['app-a', 'app-b']);
      });

      it('when an owner reuses an app name, then ConflictError app_exists; another owner may use it', async () => {
        await directory.createApp(appRecord({ owner: 'owner-1', name: 'my-app' }));
        const duplicate = directory.createApp(appRecord({ owner: 'owner-1', name: 'my-app' }));
        await expect(duplicate).rejects.toBeInstanceOf(ConflictError);
        await expect(directory.createApp(appRecord({ owner: 'owner-1', name: 'my-app' }))).rejects.toMatchObject({ code: 'app_exists' });
        await expect(directory.createApp(appRecord({ owner: 'owner-2', name: 'my-app' }))).resolves.toMatchObject({ owner: 'owner-2' });
        expect(await directory.listApps('owner-1')).toHaveLength(1);
      });

      it('when an app id is reused, then ConflictError app_exists and the first app is untouched', async () => {
        await directory.createApp(appRecord({ id: 'app-1', name: 'first' }));
        await expect(directory.createApp(appRecord({ id: 'app-1', name: 'second' }))).rejects.toMatchObject({ code: 'app_exists' });
        expect((await directory.getApp('app-1'))?.name).toBe('first');
      });

      it('when reports are disabled and enabled again, then the app and its key context follow', async () => {
        await directory.createApp(appRecord({ id: 'app-1' }));
        const key = newReportKey();
        await directory.setReportKey('app-1', key, T0);
        expect(await directory.setReportsEnabled('app-1', false, at(MINUTE))).toMatchObject({ reports: false, updatedAt: at(MINUTE) });
        expect((await directory.getApp('app-1'))?.reports).toBe(false);
        expect((await directory.findByReportKey(key))?.reports).toBe(false);
        expect(await directory.setReportsEnabled('app-1', true, at(2 * MINUTE))).toMatchObject({ reports: true, updatedAt: at(2 * MINUTE) });
        expect((await directory.findByReportKey(key))?.reports).toBe(true);
        expect(await directory.setReportsEnabled('app-unknown', false, T0)).toBeNull();
      });

      it('when an app is given to another owner, then it is listed under the new owner with its key; a name clash is ConflictError', async () => {
        await directory.createApp(appRecord({ id: 'app-1', owner: 'owner-1', name: 'my-app' }));
        await directory.createApp(appRecord({ id: 'app-2', owner: 'owner-2', name: 'taken' }));
        await directory.createApp(appRecord({ id: 'app-3', owner: 'owner-1', name: 'taken' }));
        const key = newReportKey();
        await directory.setReportKey('app-1', key, T0);
        expect(await directory.setOwner('app-1', 'owner-2', at(MINUTE))).toMatchObject({ id: 'app-1', owner: 'owner-2', updatedAt: at(MINUTE) });
        expect((await directory.listApps('owner-2')).map((a) => a.id)).toEqual(['app-1', 'app-2']);
        expect(await directory.listApps('owner-1')).toHaveLength(1);
        expect((await directory.findByReportKey(key))?.owner).toBe('owner-2');
        await expect(directory.setOwner('app-3', 'owner-2', at(MINUTE))).rejects.toMatchObject({ code: 'app_exists' });
        expect((await directory.getApp('app-3'))?.owner).toBe('owner-1');
        expect(await directory.setOwner('app-unknown', 'owner-2', T0)).toBeNull();
      });

      it('when an app is deleted, then it and its key are gone', async () => {
        await directory.createApp(appRecord({ id: 'app-1' }));
        await directory.createApp(appRecord({ id: 'app-2', name: 'other' }));
        const key = newReportKey();
        await directory.setReportKey('app-1', key, T0);
        expect(await directory.deleteApp('app-1')).toBe(true);
        expect(await directory.getApp('app-1')).toBeNull();
        expect(await directory.getReportKey('app-1')).toBeNull();
        expect(await directory.findByReportKey(key)).toBeNull();
        expect(await directory.getApp('app-2')).not.toBeNull();
        expect(await directory.deleteApp('app-1')).toBe(false);
      });

      it('when an app is deleted, then its name is free again for the owner', async () => {
        await directory.createApp(appRecord({ id: 'app-1', name: 'my-app' }));
        await directory.deleteApp('app-1');
        await expect(directory.createApp(appRecord({ id: 'app-2', name: 'my-app' }))).resolves.toMatchObject({ id: 'app-2' });
      });
    });

    describe('report keys', () => {
      beforeEach(async () => {
        await directory.createApp(appRecord({ id: 'app-1', owner: 'owner-1', name: 'my-app' }));
        await directory.createApp(appRecord({ id: 'app-2', owner: 'owner-2', name: 'my-app', reports: false }));
      });

      it('when a key is set, then it resolves to its app context and getReportKey returns it', async () => {
        const key = newReportKey();
        expect(await directory.setReportKey('app-1', key, at(1))).toEqual({ appId: 'app-1', key, createdAt: at(1), updatedAt: at(1) });
        expect(await directory.findByReportKey(key)).toEqual({ appId: 'app-1', owner: 'owner-1', name: 'my-app', reports: true });
        expect(await directory.getReportKey('app-1')).toEqual({ appId: 'app-1', key, createdAt: at(1), updatedAt: at(1) });
        expect(await directory.getReportKey('app-2')).toBeNull();
        expect(await directory.findByReportKey(newReportKey())).toBeNull();
      });

      it('when a key is replaced, then the old one resolves to null at once and createdAt is kept', async () => {
        const oldKey = newReportKey();
        const newKey = newReportKey();
        await directory.setReportKey('app-1', oldKey, at(1));
        expect(await directory.setReportKey('app-1', newKey, at(2))).toEqual({ appId: 'app-1', key: newKey, createdAt: at(1), updatedAt: at(2) });
        expect(await directory.findByReportKey(oldKey)).toBeNull();
        expect((await directory.findByReportKey(newKey))?.appId).toBe('app-1');
      });

      it('when two apps have keys, then each key resolves to its own app', async () => {
        const one = newReportKey();
        const two = newReportKey();
        await directory.setReportKey('app-1', one, T0);
        await directory.setReportKey('app-2', two, T0);
        expect(await directory.findByReportKey(one)).toMatchObject({ appId: 'app-1', owner: 'owner-1', reports: true });
        expect(await directory.findByReportKey(two)).toMatchObject({ appId: 'app-2', owner: 'owner-2', reports: false });
      });

      it('when a key is already another app’s, then ConflictError key_exists and both keep theirs', async () => {
        const one = newReportKey();
        const two = newReportKey();
        await directory.setReportKey('app-1', one, T0);
        await directory.setReportKey('app-2', two, T0);
        await expect(directory.setReportKey('app-2', one, at(1))).rejects.toMatchObject({ code: 'key_exists' });
        expect((await directory.findByReportKey(one))?.appId).toBe('app-1');
        expect((await directory.findByReportKey(two))?.appId).toBe('app-2');
      });

      it('when the app does not exist, then setReportKey fails with ConflictError app_missing', async () => {
        const attempt = directory.setReportKey('app-unknown', newReportKey(), T0);
        await expect(attempt).rejects.toBeInstanceOf(ConflictError);
        await expect(directory.setReportKey('app-unknown', newReportKey(), T0)).rejects.toMatchObject({ code: 'app_missing' });
      });
    });

    it('when pinged, then it resolves', async () => {
      await expect(directory.ping()).resolves.toBeUndefined();
    });
  });
}
