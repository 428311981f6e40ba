import type { Express } from 'express';
import request from 'supertest';
import { randomHex } from '../../src/composition/compose';
import type { Principal } from '../../src/domain/access';
import { adminOf, teamUser, type ReadApiHarness } from '../fixtures/read-api';
import { gzipDetails, reportBody } from '../fixtures/reports';

// Two accounts, each with an admin, a team user restricted to one app (with download) and a team
// user without download, plus a misconfigured user whose allowed_apps names another owner's app.
// Every endpoint is tried by every principal against every app it may not act on: the answer is
// 403 when the principal lacks the permission outright and 404 otherwise, and in both cases it is
// exactly the answer for an app or group that does not exist, so nothing about it leaks.

type AppName = 'A1' | 'A2' | 'B1' | 'B2';
type Permission = 'download' | 'edit' | 'delete';
type ActorName = 'adminA' | 'userA' | 'noDownloadA' | 'strayA' | 'adminB' | 'userB' | 'noDownloadB';

const APPS: Record<AppName, { owner: string; name: string }> = {
  // A1 and B1 share a name, so their groups share a hash: only (app_id, groupHash) tells them apart.
  A1: { owner: 'owner-a', name: 'mobile' },
  A2: { owner: 'owner-a', name: 'desktop-a' },
  B1: { owner: 'owner-b', name: 'mobile' },
  B2: { owner: 'owner-b', name: 'desktop-b' },
};

/** What each actor may do, written out: everything not listed here must be refused. */
const GRANTS: Record<ActorName, Partial<Record<Permission, AppName[]>>> = {
  adminA: { download: ['A1', 'A2'], edit: ['A1', 'A2'], delete: ['A1', 'A2'] },
  userA: { download: ['A1'] },
  noDownloadA: {},
  strayA: { download: ['A1'], edit: ['A1'], delete: ['A1'] },
  adminB: { download: ['B1', 'B2'], edit: ['B1', 'B2'], delete: ['B1', 'B2'] },
  userB: { download: ['B1'] },
  noDownloadB: {},
};

interface Target {
  appId: string;
  appName: string;
  hash: string;
}

interface Endpoint {
  name: string;
  permission: Permission;
  call(app: Express, token: string, t: Target): request.Test;
}

const bearer = (r: request.Test, token: string) => r.set('Authorization', `Bearer ${token}`);
const get = (app: Express, token: string, path: string) => bearer(request(app).get(path), token);

const ENDPOINTS: Endpoint[] = [
  { name: 'GET /reports/groups?app=<id>', permission: 'download', call: (app, tk, t) => get(app, tk, `/reports/groups?app=${t.appId}`) },
  { name: 'GET /reports/summary', permission: 'download', call: (app, tk, t) => get(app, tk, `/reports/summary?app=${t.appId}&group_by=version`) },
  { name: 'GET /reports/groups/:hash', permission: 'download', call: (app, tk, t) => get(app, tk, `/reports/groups/${t.hash}?app=${t.appId}`) },
  { name: 'GET /reports/groups/:hash/blobs', permission: 'download', call: (app, tk, t) => get(app, tk, `/reports/groups/${t.hash}/blobs?app=${t.appId}`) },
  { name: 'GET /apps/:id', permission: 'download', call: (app, tk, t) => get(app, tk, `/apps/${t.appId}`) },
  {
    name: 'PATCH /reports/groups/:hash',
    permission: 'edit',
    call: (app, tk, t) => bearer(request(app).patch(`/reports/groups/${t.hash}?app=${t.appId}`), tk).send({ status: 'muted', note: 'taken' }),
  },
  { name: 'PATCH /apps/:id', permission: 'edit', call: (app, tk, t) => bearer(request(app).patch(`/apps/${t.appId}`), tk).send({ reports: false }) },
  {
    name: 'POST /reports/keys/regenerate',
    permission: 'edit',
    call: (app, tk, t) => bearer(request(app).post('/reports/keys/regenerate'), tk).send({ app_id: t.appId }),
  },
  { name: 'DELETE /reports/groups/:hash', permission: 'delete', call: (app, tk, t) => bearer(request(app).delete(`/reports/groups/${t.hash}?app=${t.appId}`), tk) },
  { name: 'DELETE /apps/:id', permission: 'delete', call: (app, tk, t) => bearer(request(app).delete(`/apps/${t.appId}`), tk) },
];

/** The same group endpoints without ?app=: the hash is looked up across the caller's own apps. */
const HASH_ONLY: Endpoint[] = [
  { name: 'GET /reports/groups/:hash (no app)', permission: 'download', call: (app, tk, t) => get(app, tk, `/reports/groups/${t.hash}`) },
  { name: 'GET /reports/groups/:hash/blobs (no app)', permission: 'download', call: (app, tk, t) => get(app, tk, `/reports/groups/${t.hash}/blobs`) },
  {
    name: 'PATCH /reports/groups/:hash (no app)',
    permission: 'edit',
    call: (app, tk, t) => bearer(request(app).patch(`/reports/groups/${t.hash}`), tk).send({ note: 'taken' }),
  },
  { name: 'DELETE /reports/groups/:hash (no app)', permission: 'delete', call: (app, tk, t) => bearer(request(app).delete(`/reports/groups/${t.hash}`), tk) },
];

const ghost = (): Target => ({ appId: randomHex(12), appName: 'ghost', hash: randomHex(32) });
const ACTORS = Object.keys(GRANTS) as ActorName[];
const APP_NAMES = Object.keys(APPS) as AppName[];
const granted = (actor: ActorName, permission: Permission, app: AppName) => (GRANTS[actor][permission] ?? []).includes(app);
const expectedDenial = (actor: ActorName, permission: Permission) => ((GRANTS[actor][permission] ?? []).length === 0 ? 403 : 404);

const CASES = ACTORS.flatMap((actor) =>
  APP_NAMES.flatMap((app) =>
    ENDPOINTS.filter((e) => !granted(actor, e.permission, app)).map((e) => [actor, e.name, app, e] as const),
  ),
);

// Without ?app= a shared hash legitimately finds the caller's own group, so only unshared hashes count.
const HASH_ONLY_CASES = ACTORS.flatMap((actor) =>
  (['A2', 'B2'] as const).flatMap((app) =>
    HASH_ONLY.filter((e) => !granted(actor, e.permission, app)).map((e) => [actor, e.name, app, e] as const),
  ),
);

/**
 * The matrix as a suite, so it runs on every adapter set: the in-memory harness in test/http and
 * the production adapters (SQLite, S3, Redis) in test/integration. `makeHarness` gives a fresh,
 * empty service each time; the suite closes it.
 */
export function tenantIsolationContract(adapters: string, makeHarness: () => Promise<ReadApiHarness>): void {
  describe(`tenant isolation: ${adapters}`, () => {
    let h: ReadApiHarness;
    const apps = {} as Record<AppName, Target & { key: string }>;
    const tokens = {} as Record<ActorName, string>;

    async function snapshot(): Promise<unknown> {
      const state: Record<string, unknown> = {};
      for (const name of APP_NAMES) {
        const { appId, hash } = apps[name];
        state[name] = {
          app: await h.directory.getApp(appId),
          key: await h.directory.getReportKey(appId),
          group: await h.repository.findGroup(appId, hash),
          blobs: await h.repository.listBlobs(appId, hash),
          objects: await h.blobStore.list(`reports/${appId}/`),
        };
      }
      return state;
    }

    let before: unknown;

    beforeAll(async () => {
      h = await makeHarness();
      for (const name of APP_NAMES) {
        const { owner, name: appName } = APPS[name];
        const { appId, key } = await h.createApp(appName, owner);
        const res = await h.ingest(key, reportBody({ application: { name: appName }, details: gzipDetails({ app: name }) }));
        expect(res.body.stored_details).toBe(true);
        apps[name] = { appId, appName, hash: res.body.group_hash, key };
      }
      expect(apps.A1.hash).toBe(apps.B1.hash);
      const principals: Record<ActorName, Principal> = {
        adminA: adminOf('owner-a'),
        userA: teamUser('owner-a', 'user-a', [apps.A1.appId], { download: true }),
        noDownloadA: teamUser('owner-a', 'nodl-a', [apps.A1.appId], { create: true, edit: false, delete: false, download: false }),
        strayA: teamUser('owner-a', 'stray-a', [apps.A1.appId, apps.B1.appId, apps.B2.appId], { download: true, edit: true, delete: true }),
        adminB: adminOf('owner-b'),
        userB: teamUser('owner-b', 'user-b', [apps.B1.appId], { download: true }),
        noDownloadB: teamUser('owner-b', 'nodl-b', [apps.B1.appId], {}),
      };
      for (const actor of ACTORS) tokens[actor] = h.verifier.issue(principals[actor]);
      before = await snapshot();
    });

    afterAll(async () => {
      await h?.close();
    });

    it.each(CASES)('%s: %s on %s is refused exactly like a missing resource', async (actor, _name, app, endpoint) => {
      const real = await endpoint.call(h.app, tokens[actor], apps[app]);
      const missing = await endpoint.call(h.app, tokens[actor], ghost());
      expect(real.status).toBe(expectedDenial(actor, endpoint.permission));
      expect(real.body).toEqual(missing.body);
      expect(JSON.stringify(real.body)).not.toContain(apps[app].appId);
    });

    it.each(HASH_ONLY_CASES)('%s: %s on %s is refused exactly like a missing group', async (actor, _name, app, endpoint) => {
      const real = await endpoint.call(h.app, tokens[actor], apps[app]);
      const missing = await endpoint.call(h.app, tokens[actor], ghost());
      expect(real.status).toBe(expectedDenial(actor, endpoint.permission));
      expect(real.body).toEqual(missing.body);
    });

    it('when every refused request has been made, then no app, key, group, blob record or object changed', async () => {
      expect(await snapshot()).toEqual(before);
    });

    it.each(ACTORS)('%s: the lists show exactly the apps it may read, and no one else’s keys or groups', async (actor) => {
      const readable = GRANTS[actor].download ?? [];
      const responses = [
        await get(h.app, tokens[actor], '/apps'),
        await get(h.app, tokens[actor], '/reports/keys'),
        await get(h.app, tokens[actor], '/reports/groups'),
        await get(h.app, tokens[actor], '/reports/groups?app=mobile'),
      ];
      for (const res of responses) {
        if (readable.length === 0) {
          expect(res.status).toBe(403);
          continue;
        }
        expect(res.status).toBe(200);
        const text = JSON.stringify(res.body);
        for (const name of APP_NAMES) {
          if (!readable.includes(name)) {
            expect(text).not.toContain(apps[name].appId);
            expect(text).not.toContain(apps[name].key);
          }
        }
      }
      const [appList, keys, groups] = responses;
      if (readable.length > 0) {
        expect(appList!.body.items.map((a: { id: string }) => a.id).sort()).toEqual(readable.map((n) => apps[n].appId).sort());
        expect(keys!.body.items.map((k: { report_key: string }) => k.report_key).sort()).toEqual(readable.map((n) => apps[n].key).sort());
        expect(groups!.body.total).toBe(readable.length);
      }
    });

    it.each(ACTORS.flatMap((actor) => (GRANTS[actor].download ?? []).map((app) => [actor, app] as const)))(
      '%s: reading its own %s works, so the refusals above are not vacuous',
      async (actor, app) => {
        const group = await get(h.app, tokens[actor], `/reports/groups/${apps[app].hash}?app=${apps[app].appId}`);
        expect(group.status).toBe(200);
        expect(group.body.app_id).toBe(apps[app].appId);
        const blobs = await get(h.app, tokens[actor], `/reports/groups/${apps[app].hash}/blobs`);
        expect(blobs.body.items.map((b: { app_id: string }) => b.app_id)).toEqual([apps[app].appId]);
      },
    );

    it('when a shared hash is looked up without ?app=, then each account gets its own group', async () => {
      const a = await get(h.app, tokens.adminA, `/reports/groups/${apps.A1.hash}`);
      const b = await get(h.app, tokens.adminB, `/reports/groups/${apps.B1.hash}`);
      expect(a.body.app_id).toBe(apps.A1.appId);
      expect(b.body.app_id).toBe(apps.B1.appId);
    });

    it('when a team user edits a shared-hash group by name, then only its own account’s group changes', async () => {
      const res = await bearer(request(h.app).patch(`/reports/groups/${apps.A1.hash}?app=mobile`), tokens.strayA).send({ note: 'ours' });
      expect(res.status).toBe(200);
      expect((await h.repository.findGroup(apps.A1.appId, apps.A1.hash))!.note).toBe('ours');
      expect((await h.repository.findGroup(apps.B1.appId, apps.B1.hash))!.note).toBe('');
    });
  });
}
