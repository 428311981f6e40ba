import type { ReportRepository } from '../../src/ports/report-repository';
import { MINUTE, T0, at, blobRecord, dimensions, reportEvent } from '../fixtures/groups';

/** What every ReportRepository must do; memory-report-repository.ts is the reference. */
export function reportRepositoryContract(
  adapterName: string,
  make: () => Promise<{ repo: ReportRepository; cleanup(): Promise<void> }>,
): void {
  describe(`ReportRepository contract — ${adapterName}`, () => {
    let repo: ReportRepository;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ repo, cleanup } = await make());
    });
    afterEach(async () => {
      await cleanup();
    });

    const hashOf = (name: string) => reportEvent({ event: { reason: name } }).groupHash;

    describe('recordEvent', () => {
      it('when the first event of a group arrives, then the group exists with count 1 and firstSeen = lastSeen', async () => {
        const event = reportEvent({ at: at(5) });
        await repo.recordEvent(event);
        expect(await repo.findGroup('app-1', event.groupHash)).toEqual({
          appId: 'app-1',
          groupHash: event.groupHash,
          ...dimensions(),
          stats: { count: 1, firstSeen: at(5), lastSeen: at(5), detailsStored: 0, detailsRejected: 0 },
          status: 'open',
          resolvedAt: null,
          resolvedBy: null,
          tags: [],
          note: '',
          createdAt: at(5),
          updatedAt: at(5),
        });
      });

      it('when a group sees more events, then count and lastSeen move and firstSeen stays', async () => {
        await repo.recordEvent(reportEvent({ at: at(0) }));
        await repo.recordEvent(reportEvent({ at: at(MINUTE) }));
        await repo.recordEvent(reportEvent({ at: at(2 * MINUTE) }));
        const group = await repo.findGroup('app-1', reportEvent().groupHash);
        expect(group?.stats).toEqual({ count: 3, firstSeen: at(0), lastSeen: at(2 * MINUTE), detailsStored: 0, detailsRejected: 0 });
        expect(group?.createdAt).toEqual(at(0));
        expect(group?.updatedAt).toEqual(at(2 * MINUTE));
      });

      it('when events carry details outcomes, then detailsStored and detailsRejected count them apart', async () => {
        await repo.recordEvent(reportEvent({ details: 'stored' }));
        await repo.recordEvent(reportEvent({ details: 'rejected' }));
        await repo.recordEvent(reportEvent({ details: 'stored' }));
        await repo.recordEvent(reportEvent({ details: 'none' }));
        const group = await repo.findGroup('app-1', reportEvent().groupHash);
        expect(group?.stats).toMatchObject({ count: 4, detailsStored: 2, detailsRejected: 1 });
      });

      it('when an event arrives out of order, then it is counted, lastSeen never moves backwards and firstSeen moves back to it', async () => {
        await repo.recordEvent(reportEvent({ at: at(10 * MINUTE) }));
        await repo.recordEvent(reportEvent({ at: at(MINUTE) }));
        const group = await repo.findGroup('app-1', reportEvent().groupHash);
        expect(group?.stats).toMatchObject({ count: 2, firstSeen: at(MINUTE), lastSeen: at(10 * MINUTE) });
      });

      it('when a resolved group sees a new event, then it is open again and keeps its resolvedAt', async () => {
        const event = reportEvent();
        await repo.recordEvent(event);
        await repo.updateTriage('app-1', event.groupHash, { status: 'resolved', at: at(MINUTE), by: 'admin-1' });
        await repo.recordEvent(reportEvent({ at: at(2 * MINUTE) }));
        const group = await repo.findGroup('app-1', event.groupHash);
        expect(group).toMatchObject({ status: 'open', resolvedAt: at(MINUTE), resolvedBy: 'admin-1' });
        expect(group?.stats.count).toBe(2);
      });

      it('when a muted group sees a new event, then it stays muted', async () => {
        const event = reportEvent();
        await repo.recordEvent(event);
        await repo.updateTriage('app-1', event.groupHash, { status: 'muted', at: at(MINUTE), by: 'admin-1' });
        await repo.recordEvent(reportEvent({ at: at(2 * MINUTE) }));
        expect((await repo.findGroup('app-1', event.groupHash))?.status).toBe('muted');
      });

      it('when events create, bump, reopen and bump a group, then each write tells created and reopened', async () => {
        const event = reportEvent();
        expect(await repo.recordEvent(event)).toEqual({ created: true, reopened: false });
        expect(await repo.recordEvent(reportEvent({ at: at(MINUTE) }))).toEqual({ created: false, reopened: false });
        await repo.updateTriage('app-1', event.groupHash, { status: 'resolved', at: at(2 * MINUTE), by: 'admin-1' });
        expect(await repo.recordEvent(reportEvent({ at: at(3 * MINUTE) }))).toEqual({ created: false, reopened: true });
        expect(await repo.recordEvent(reportEvent({ at: at(4 * MINUTE) }))).toEqual({ created: false, reopened: false });
      });

      it('when a muted group sees a new event, then recordEvent tells neither created nor reopened', async () => {
        const event = reportEvent();
        await repo.recordEvent(event);
        await repo.updateTriage('app-1', event.groupHash, { status: 'muted', at: at(MINUTE), by: 'admin-1' });
        expect(await repo.recordEvent(reportEvent({ at: at(2 * MINUTE) }))).toEqual({ created: false, reopened: false });
      });

      it('when 50 first events of one new group race, then exactly one is told created', async () => {
        const outcomes = await Promise.all(Array.from({ length: 50 }, (_, i) => repo.recordEvent(reportEvent({ at: at(i) }))));
        expect(outcomes.filter((o) => o.created)).toHaveLength(1);
        expect(outcomes.some((o) => o.reopened)).toBe(false);
      });

      it('when two apps report the same groupHash, then they are two groups', async () => {
        await repo.recordEvent(reportEvent({ appId: 'app-1' }));
        await repo.recordEvent(reportEvent({ appId: 'app-2' }));
        await repo.recordEvent(reportEvent({ appId: 'app-2' }));
        const hash = reportEvent().groupHash;
        expect((await repo.findGroup('app-1', hash))?.stats.count).toBe(1);
        expect((await repo.findGroup('app-2', hash))?.stats.count).toBe(2);
        expect((await repo.listGroups({ appIds: ['app-1', 'app-2'] }, 1, 10)).total).toBe(2);
      });

      it('when 1000 events of one new group arrive at once, then there is one group with count 1000', async () => {
        await Promise.all(Array.from({ length: 1000 }, (_, i) => repo.recordEvent(reportEvent({ at: at(i) }))));
        const page = await repo.listGroups({ appIds: ['app-1'] }, 1, 10);
        expect(page.total).toBe(1);
        expect(page.items[0]?.stats).toMatchObject({ count: 1000, lastSeen: at(999) });
      });

      it('when 50 groups get 20 interleaved events each at once, then there are 50 groups of 20', async () => {
        const events = Array.from({ length: 20 }, (_, round) =>
          Array.from({ length: 50 }, (_, g) => reportEvent({ event: { reason: `reason-${g}` }, at: at(round) })),
        ).flat();
        await Promise.all(events.map((e) => repo.recordEvent(e)));
        const page = await repo.listGroups({ appIds: ['app-1'] }, 1, 100);
        expect(page.total).toBe(50);
        expect(page.items.map((g) => g.stats.count)).toEqual(Array(50).fill(20));
      });
    });

    describe('findGroup', () => {
      it('when the group is unknown or belongs to another app, then it is null', async () => {
        const event = reportEvent({ appId: 'app-1' });
        await repo.recordEvent(event);
        expect(await repo.findGroup('app-1', hashOf('other'))).toBeNull();
        expect(await repo.findGroup('app-2', event.groupHash)).toBeNull();
      });
    });

    describe('listGroups', () => {
      it('when no app is allowed, then nothing matches', async () => {
        await repo.recordEvent(reportEvent());
        expect(await repo.listGroups({ appIds: [] }, 1, 10)).toEqual({ items: [], total: 0 });
      });

      it('when groups are listed, then they come lastSeen descending, then by groupHash, then by appId', async () => {
        await repo.recordEvent(reportEvent({ appId: 'app-2', event: { reason: 'a' }, at: at(MINUTE) }));
        await repo.recordEvent(reportEvent({ appId: 'app-1', event: { reason: 'a' }, at: at(MINUTE) }));
        await repo.recordEvent(reportEvent({ appId: 'app-1', event: { reason: 'b' }, at: at(MINUTE) }));
        await repo.recordEvent(reportEvent({ appId: 'app-1', event: { reason: 'c' }, at: at(2 * MINUTE) }));
        const { items } = await repo.listGroups({ appIds: ['app-1', 'app-2'] }, 1, 10);
        const expectedTies = [
          { appId: 'app-1', groupHash: hashOf('a') },
          { appId: 'app-2', groupHash: hashOf('a') },
          { appId: 'app-1', groupHash: hashOf('b') },
        ].sort((x, y) => (x.groupHash < y.groupHash ? -1 : x.groupHash > y.groupHash ? 1 : x.appId < y.appId ? -1 : 1));
        expect(items.map((g) => ({ appId: g.appId, groupHash: g.groupHash }))).toEqual([
          { appId: 'app-1', groupHash: hashOf('c') },
          ...expectedTies,
        ]);
      });

      it('when the result spans pages, then each page holds its slice and total counts all matches', async () => {
        for (let i = 0; i < 5; i++) await repo.recordEvent(reportEvent({ event: { reason: `r${i}` }, at: at(i * MINUTE) }));
        const first = await repo.listGroups({ appIds: ['app-1'] }, 1, 2);
        const second = await repo.listGroups({ appIds: ['app-1'] }, 2, 2);
        const third = await repo.listGroups({ appIds: ['app-1'] }, 3, 2);
        const beyond = await repo.listGroups({ appIds: ['app-1'] }, 4, 2);
        expect([first, second, third, beyond].map((p) => p.total)).toEqual([5, 5, 5, 5]);
        expect([...first.items, ...second.items, ...third.items].map((g) => g.event.reason)).toEqual(['r4', 'r3', 'r2', 'r1', 'r0']);
        expect(beyond.items).toEqual([]);
      });

      it('when filtered by dimensions and status, then only matching groups of the allowed apps come back', async () => {
        await repo.recordEvent(reportEvent({ application: { version: '1.0.0' } }));
        await repo.recordEvent(reportEvent({ application: { version: '2.0.0', channel: 'beta' } }));
        await repo.recordEvent(reportEvent({ system: { platform: 'linux', arch: 'arm64' } }));
        await repo.recordEvent(reportEvent({ event: { type: 'crash', reason: 'segfault' } }));
        await repo.recordEvent(reportEvent({ appId: 'app-2', application: { version: '1.0.0' } }));
        const muted = reportEvent({ application: { version: '3.0.0' } });
        await repo.recordEvent(muted);
        await repo.updateTriage('app-1', muted.groupHash, { status: 'muted', at: at(1), by: 'admin-1' });

        const count = async (filter: Parameters<ReportRepository['listGroups']>[0]) => (await repo.listGroups(filter, 1, 50)).total;
        expect(await count({ appIds: ['app-1'] })).toBe(5);
        expect(await count({ appIds: ['app-1'], version: '1.0.0' })).toBe(1);
        expect(await count({ appIds: ['app-1', 'app-2'], version: '1.0.0' })).toBe(2);
        expect(await count({ appIds: ['app-1'], channel: 'beta' })).toBe(1);
        expect(await count({ appIds: ['app-1'], platform: 'linux' })).toBe(1);
        expect(await count({ appIds: ['app-1'], arch: 'arm64' })).toBe(1);
        expect(await count({ appIds: ['app-1'], type: 'crash' })).toBe(1);
        expect(await count({ appIds: ['app-1'], reason: 'segfault' })).toBe(1);
        expect(await count({ appIds: ['app-1'], status: 'muted' })).toBe(1);
        expect(await count({ appIds: ['app-1'], status: 'open' })).toBe(4);
        expect(await count({ appIds: ['app-3'] })).toBe(0);
        const onlyOther = await repo.listGroups({ appIds: ['app-2'] }, 1, 50);
        expect(onlyOther.items.map((g) => g.appId)).toEqual(['app-2']);
      });

      it('when filtered by from and to, then both bounds on lastSeen are inclusive', async () => {
        for (let i = 0; i < 4; i++) await repo.recordEvent(reportEvent({ event: { reason: `r${i}` }, at: at(i * MINUTE) }));
        const reasons = async (from?: Date, to?: Date) =>
          (await repo.listGroups({ appIds: ['app-1'], from, to }, 1, 10)).items.map((g) => g.event.reason);
        expect(await reasons(at(MINUTE), at(2 * MINUTE))).toEqual(['r2', 'r1']);
        expect(await reasons(at(MINUTE + 1), at(2 * MINUTE - 1))).toEqual([]);
        expect(await reasons(at(3 * MINUTE))).toEqual(['r3']);
        expect(await reasons(undefined, at(0))).toEqual(['r0']);
      });
    });

    describe('summarize', () => {
      beforeEach(async () => {
        await repo.recordEvent(reportEvent({ application: { version: '1.0.0' }, at: at(0) }));
        await repo.recordEvent(reportEvent({ application: { version: '1.0.0' }, at: at(MINUTE) }));
        await repo.recordEvent(reportEvent({ application: { version: '1.0.0' }, system: { platform: 'linux' }, at: at(2 * MINUTE) }));
        await repo.recordEvent(reportEvent({ application: { version: '2.0.0' }, at: at(3 * MINUTE) }));
        await repo.recordEvent(reportEvent({ appId: 'app-2', application: { version: '1.0.0' }, at: at(9 * MINUTE) }));
      });

      it('when grouped by no dimension, then one bucket totals the app', async () => {
        expect(await repo.summarize({ appId: 'app-1', groupBy: [] })).toEqual([{ key: {}, count: 4, groups: 3, lastSeen: at(3 * MINUTE) }]);
      });

      it('when the app has no groups, then there are no buckets', async () => {
        expect(await repo.summarize({ appId: 'app-9', groupBy: [] })).toEqual([]);
        expect(await repo.summarize({ appId: 'app-9', groupBy: ['version'] })).toEqual([]);
      });

      it('when grouped by one dimension, then buckets come most reports first', async () => {
        expect(await repo.summarize({ appId: 'app-1', groupBy: ['version'] })).toEqual([
          { key: { version: '1.0.0' }, count: 3, groups: 2, lastSeen: at(2 * MINUTE) },
          { key: { version: '2.0.0' }, count: 1, groups: 1, lastSeen: at(3 * MINUTE) },
        ]);
      });

      it('when grouped by two dimensions, then ties on count go most recent first', async () => {
        expect(await repo.summarize({ appId: 'app-1', groupBy: ['version', 'platform'] })).toEqual([
          { key: { version: '1.0.0', platform: 'windows' }, count: 2, groups: 1, lastSeen: at(MINUTE) },
          { key: { version: '2.0.0', platform: 'windows' }, count: 1, groups: 1, lastSeen: at(3 * MINUTE) },
          { key: { version: '1.0.0', platform: 'linux' }, count: 1, groups: 1, lastSeen: at(2 * MINUTE) },
        ]);
      });

      it('when from and to are given, then only groups last seen within them count', async () => {
        expect(await repo.summarize({ appId: 'app-1', groupBy: ['version'], from: at(2 * MINUTE), to: at(3 * MINUTE) })).toEqual([
          { key: { version: '2.0.0' }, count: 1, groups: 1, lastSeen: at(3 * MINUTE) },
          { key: { version: '1.0.0' }, count: 1, groups: 1, lastSeen: at(2 * MINUTE) },
        ]);
      });
    });

    describe('updateTriage', () => {
      const hash = reportEvent().groupHash;
      beforeEach(async () => {
        await repo.recordEvent(reportEvent());
      });

      it('when the group is unknown or another app’s, then it is null and nothing changes', async () => {
        expect(await repo.updateTriage('app-1', hashOf('nope'), { status: 'resolved', at: at(1), by: 'a' })).toBeNull();
        expect(await repo.updateTriage('app-2', hash, { status: 'resolved', at: at(1), by: 'a' })).toBeNull();
        expect((await repo.findGroup('app-1', hash))?.status).toBe('open');
      });

      it('when a group becomes resolved, then resolvedAt and resolvedBy are set, and resolving again keeps them', async () => {
        const resolved = await repo.updateTriage('app-1', hash, { status: 'resolved', at: at(MINUTE), by: 'admin-1' });
        expect(resolved).toMatchObject({ status: 'resolved', resolvedAt: at(MINUTE), resolvedBy: 'admin-1', updatedAt: at(MINUTE) });
        const again = await repo.updateTriage('app-1', hash, { status: 'resolved', at: at(2 * MINUTE), by: 'admin-2' });
        expect(again).toMatchObject({ status: 'resolved', resolvedAt: at(MINUTE), resolvedBy: 'admin-1', updatedAt: at(2 * MINUTE) });
      });

      it('when a resolved group is reopened by hand, then resolvedAt stays as it was', async () => {
        await repo.updateTriage('app-1', hash, { status: 'resolved', at: at(MINUTE), by: 'admin-1' });
        const reopened = await repo.updateTriage('app-1', hash, { status: 'open', at: at(2 * MINUTE), by: 'admin-2' });
        expect(reopened).toMatchObject({ status: 'open', resolvedAt: at(MINUTE), resolvedBy: 'admin-1' });
      });

      it('when only tags or note are given, then only they change, and the result is what is stored', async () => {
        await repo.updateTriage('app-1', hash, { tags: ['ui', 'p1'], at: at(1), by: 'a' });
        const noted = await repo.updateTriage('app-1', hash, { note: 'seen on 1.4.2', at: at(2), by: 'a' });
        expect(noted).toMatchObject({ status: 'open', tags: ['ui', 'p1'], note: 'seen on 1.4.2', resolvedAt: null, updatedAt: at(2) });
        expect(await repo.findGroup('app-1', hash)).toEqual(noted);
        const cleared = await repo.updateTriage('app-1', hash, { tags: [], note: '', at: at(3), by: 'a' });
        expect(cleared).toMatchObject({ tags: [], note: '' });
      });
    });

    describe('blobs', () => {
      const hash = reportEvent().groupHash;

      it('when a blob is inserted, then findBlob returns it as written, but only within its app', async () => {
        const blob = blobRecord({ appId: 'app-1' });
        await repo.insertBlob(blob);
        expect(await repo.findBlob('app-1', blob.id)).toEqual(blob);
        expect(await repo.findBlob('app-2', blob.id)).toBeNull();
        expect(await repo.findBlob('app-1', 'missing')).toBeNull();
      });

      it('when a group has blobs, then listBlobs gives them newest first, ties by id descending, and only that group', async () => {
        await repo.insertBlob(blobRecord({ id: 'b1', createdAt: at(0) }));
        await repo.insertBlob(blobRecord({ id: 'b3', createdAt: at(2 * MINUTE) }));
        await repo.insertBlob(blobRecord({ id: 'b2', createdAt: at(MINUTE) }));
        await repo.insertBlob(blobRecord({ id: 'b2b', createdAt: at(MINUTE) }));
        await repo.insertBlob(blobRecord({ id: 'other-group', groupHash: hashOf('x'), createdAt: at(5 * MINUTE) }));
        await repo.insertBlob(blobRecord({ id: 'other-app', appId: 'app-2', createdAt: at(5 * MINUTE) }));
        expect((await repo.listBlobs('app-1', hash)).map((b) => b.id)).toEqual(['b3', 'b2b', 'b2', 'b1']);
      });

      it('when trimmed to N, then the newest N stay and the removed ones are returned', async () => {
        for (let i = 0; i < 5; i++) await repo.insertBlob(blobRecord({ id: `b${i}`, createdAt: at(i * MINUTE) }));
        await repo.insertBlob(blobRecord({ id: 'other-app', appId: 'app-2', createdAt: at(-MINUTE) }));
        const removed = await repo.trimBlobs('app-1', hash, 2);
        expect(removed.map((b) => b.id).sort()).toEqual(['b0', 'b1', 'b2']);
        expect(removed[0]).toEqual(blobRecord({ id: removed[0]!.id, createdAt: removed[0]!.createdAt }));
        expect((await repo.listBlobs('app-1', hash)).map((b) => b.id)).toEqual(['b4', 'b3']);
        expect(await repo.trimBlobs('app-1', hash, 2)).toEqual([]);
        expect(await repo.findBlob('app-2', 'other-app')).not.toBeNull();
      });

      it('when blobs expire, then blobsExpiringBy lists those at or before the instant, oldest first, up to the limit', async () => {
        await repo.insertBlob(blobRecord({ id: 'late', expiresAt: at(3 * MINUTE) }));
        await repo.insertBlob(blobRecord({ id: 'early', appId: 'app-2', expiresAt: at(MINUTE) }));
        await repo.insertBlob(blobRecord({ id: 'edge', expiresAt: at(2 * MINUTE) }));
        await repo.insertBlob(blobRecord({ id: 'future', expiresAt: at(10 * MINUTE) }));
        expect((await repo.blobsExpiringBy(at(3 * MINUTE), 10)).map((b) => b.id)).toEqual(['early', 'edge', 'late']);
        expect((await repo.blobsExpiringBy(at(3 * MINUTE), 2)).map((b) => b.id)).toEqual(['early', 'edge']);
        expect(await repo.blobsExpiringBy(at(0), 10)).toEqual([]);
      });

      it('when blobs are deleted by id, then exactly those are gone and unknown ids are ignored', async () => {
        await repo.insertBlob(blobRecord({ id: 'keep' }));
        await repo.insertBlob(blobRecord({ id: 'drop-1' }));
        await repo.insertBlob(blobRecord({ id: 'drop-2', appId: 'app-2' }));
        await repo.deleteBlobs(['drop-1', 'drop-2', 'never-existed']);
        await repo.deleteBlobs([]);
        expect(await repo.findBlob('app-1', 'keep')).not.toBeNull();
        expect(await repo.findBlob('app-1', 'drop-1')).toBeNull();
        expect(await repo.findBlob('app-2', 'drop-2')).toBeNull();
      });
    });

    describe('deleting', () => {
      const hash = reportEvent().groupHash;
      const otherHash = hashOf('other');

      beforeEach(async () => {
        await repo.recordEvent(reportEvent({ appId: 'app-1' }));
        await repo.recordEvent(reportEvent({ appId: 'app-1', event: { reason: 'other' } }));
        await repo.recordEvent(reportEvent({ appId: 'app-2' }));
        await repo.insertBlob(blobRecord({ id: 'mine', appId: 'app-1', groupHash: hash }));
        await repo.insertBlob(blobRecord({ id: 'sibling', appId: 'app-1', groupHash: otherHash }));
        await repo.insertBlob(blobRecord({ id: 'tenant', appId: 'app-2', groupHash: hash }));
      });

      it('when a group is deleted, then it and its blobs are gone and nothing else is', async () => {
        expect(await repo.deleteGroup('app-1', hash)).toBe(true);
        expect(await repo.findGroup('app-1', hash)).toBeNull();
        expect(await repo.findBlob('app-1', 'mine')).toBeNull();
        expect(await repo.findGroup('app-1', otherHash)).not.toBeNull();
        expect(await repo.findGroup('app-2', hash)).not.toBeNull();
        expect(await repo.findBlob('app-1', 'sibling')).not.toBeNull();
        expect(await repo.findBlob('app-2', 'tenant')).not.toBeNull();
        expect(await repo.deleteGroup('app-1', hash)).toBe(false);
      });

      it('when an app’s data is deleted, then all its groups and blobs are gone and other apps keep theirs', async () => {
        await repo.deleteAppData('app-1');
        expect((await repo.listGroups({ appIds: ['app-1'] }, 1, 10)).total).toBe(0);
        expect(await repo.listBlobs('app-1', hash)).toEqual([]);
        expect(await repo.listBlobs('app-1', otherHash)).toEqual([]);
        expect(await repo.findGroup('app-2', hash)).not.toBeNull();
        expect(await repo.findBlob('app-2', 'tenant')).not.toBeNull();
      });
    });

    it('when pinged, then it resolves', async () => {
      await expect(repo.ping()).resolves.toBeUndefined();
    });

    it('when a date has milliseconds, then it comes back exact', async () => {
      const precise = new Date(T0.getTime() + 123);
      await repo.recordEvent(reportEvent({ at: precise }));
      expect((await repo.findGroup('app-1', reportEvent().groupHash))?.stats.lastSeen.getTime()).toBe(precise.getTime());
    });
  });
}
