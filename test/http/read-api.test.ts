import request from 'supertest';
import { groupHash } from '../../src/domain/group-hash';
import type { EventType, ReportDimensions } from '../../src/domain/report';
import { adminOf, readApiHarness, teamUser, type ReadApiHarness } from '../fixtures/read-api';
import { harness } from '../fixtures/harness';
import { gzipDetails, reportBody } from '../fixtures/reports';

interface Fixture {
  name: string;
  app: 'main' | 'other';
  version: string;
  channel: string;
  platform: string;
  arch: string;
  type: EventType;
  reason: string;
  minutesAgo: number;
  count: number;
  status?: 'resolved' | 'muted';
  hash?: string;
}

const FIXTURE: Fixture[] = [
  { name: 'g1', app: 'main', version: '1.0.0', channel: 'stable', platform: 'windows', arch: 'amd64', type: 'crash', reason: 'segfault', minutesAgo: 1, count: 3 },
  { name: 'g2', app: 'main', version: '1.0.0', channel: 'beta', platform: 'linux', arch: 'arm64', type: 'update_failure', reason: 'checksum_mismatch', minutesAgo: 2, count: 1 },
  { name: 'g3', app: 'main', version: '2.0.0', channel: 'stable', platform: 'macos', arch: 'arm64', type: 'install_failure', reason: 'disk_full', minutesAgo: 3, count: 2 },
  { name: 'g4', app: 'main', version: '2.0.0', channel: 'stable', platform: 'windows', arch: 'amd64', type: 'crash', reason: 'segfault', minutesAgo: 4, count: 1, status: 'resolved' },
  { name: 'g5', app: 'other', version: '1.0.0', channel: 'stable', platform: 'windows', arch: 'amd64', type: 'crash', reason: 'segfault', minutesAgo: 5, count: 4 },
  { name: 'g6', app: 'other', version: '3.1-2', channel: 'nightly', platform: 'linux', arch: 'amd64', type: 'startup_failure', reason: 'missing.lib', minutesAgo: 6, count: 1, status: 'muted' },
];

const APP_NAMES = { main: 'my-app', other: 'other-app' } as const;
const NOW = new Date('2026-01-15T12:00:00.000Z');
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000);

let h: ReadApiHarness;
let appIds: Record<'main' | 'other', string>;
let admin: string;

async function seed(): Promise<void> {
  h = await readApiHarness();
  h.clock.set(NOW);
  const main = await h.createApp(APP_NAMES.main, 'owner-1');
  const other = await h.createApp(APP_NAMES.other, 'owner-1');
  appIds = { main: main.appId, other: other.appId };
  admin = h.verifier.issue(adminOf('owner-1'));
  for (const f of FIXTURE) {
    const dimensions: ReportDimensions = {
      application: { name: APP_NAMES[f.app], version: f.version, channel: f.channel },
      system: { platform: f.platform, arch: f.arch },
      event: { type: f.type, reason: f.reason },
    };
    f.hash = groupHash(dimensions);
    for (let i = f.count - 1; i >= 0; i--) {
      await h.repository.recordEvent({ appId: appIds[f.app], groupHash: f.hash, dimensions, at: minutesAgo(f.minutesAgo + i * 60), details: 'none' });
    }
    if (f.status) await h.repository.updateTriage(appIds[f.app], f.hash, { status: f.status, at: NOW, by: 'seed' });
  }
}

const get = (path: string, token = admin) => request(h.app).get(path).set('Authorization', `Bearer ${token}`);
const names = (items: Array<{ group_hash: string }>) => items.map((i) => FIXTURE.find((f) => f.hash === i.group_hash)!.name);
const expected = (match: (f: Fixture) => boolean) => FIXTURE.filter(match).map((f) => f.name);

describe('GET /reports/groups', () => {
  beforeAll(seed);

  it('when no filter is given, then every readable group comes back sorted by lastSeen desc with the default limit', async () => {
    const res = await get('/reports/groups');
    expect(res.status).toBe(200);
    expect(names(res.body.items)).toEqual(['g1', 'g2', 'g3', 'g4', 'g5', 'g6']);
    expect(res.body).toMatchObject({ total: 6, page: 1, limit: 20 });
  });

  it('when paging with limit 4, then the pages partition the list and total stays the same', async () => {
    const first = await get('/reports/groups?limit=4&page=1');
    const second = await get('/reports/groups?limit=4&page=2');
    const third = await get('/reports/groups?limit=4&page=3');
    expect(names(first.body.items)).toEqual(['g1', 'g2', 'g3', 'g4']);
    expect(names(second.body.items)).toEqual(['g5', 'g6']);
    expect(third.body.items).toEqual([]);
    for (const res of [first, second, third]) expect(res.body.total).toBe(6);
    expect(second.body).toMatchObject({ page: 2, limit: 4 });
  });

  it.each<[string, () => string, (f: Fixture) => boolean]>([
    ['app by id', () => `app=${appIds.other}`, (f) => f.app === 'other'],
    ['app by name', () => `app=${APP_NAMES.main}`, (f) => f.app === 'main'],
    ['version', () => 'version=1.0.0', (f) => f.version === '1.0.0'],
    ['channel', () => 'channel=stable', (f) => f.channel === 'stable'],
    ['platform', () => 'platform=linux', (f) => f.platform === 'linux'],
    ['arch', () => 'arch=arm64', (f) => f.arch === 'arm64'],
    ['type', () => 'type=crash', (f) => f.type === 'crash'],
    ['reason', () => 'reason=missing.lib', (f) => f.reason === 'missing.lib'],
    ['status open', () => 'status=open', (f) => f.status === undefined],
    ['status resolved', () => 'status=resolved', (f) => f.status === 'resolved'],
    ['status muted', () => 'status=muted', (f) => f.status === 'muted'],
    ['from (inclusive)', () => `from=${minutesAgo(3).toISOString()}`, (f) => f.minutesAgo <= 3],
    ['to (inclusive)', () => `to=${minutesAgo(3).toISOString()}`, (f) => f.minutesAgo >= 3],
    ['from with an offset', () => `from=${encodeURIComponent('2026-01-15T13:57:30+02:00')}`, (f) => f.minutesAgo <= 2],
    ['several at once', () => `version=1.0.0&platform=windows&type=crash&app=${appIds.main}`, (f) => f.name === 'g1'],
  ])('when filtering by %s, then exactly the matching groups come back', async (_label, query, match) => {
    const res = await get(`/reports/groups?${query()}`);
    expect(res.status).toBe(200);
    expect(names(res.body.items)).toEqual(expected(match));
    expect(res.body.total).toBe(expected(match).length);
  });

  it('when a group is listed, then it carries only the group fields, in snake_case', async () => {
    const res = await get(`/reports/groups?app=${appIds.main}&limit=1`);
    const item = res.body.items[0];
    expect(Object.keys(item).sort()).toEqual(
      ['app_id', 'application', 'created_at', 'event', 'group_hash', 'note', 'resolved_at', 'resolved_by', 'stats', 'status', 'system', 'tags', 'updated_at'].sort(),
    );
    expect(item).toEqual({
      group_hash: FIXTURE[0]!.hash,
      app_id: appIds.main,
      application: { name: 'my-app', version: '1.0.0', channel: 'stable' },
      system: { platform: 'windows', arch: 'amd64' },
      event: { type: 'crash', reason: 'segfault' },
      stats: {
        count: 3,
        first_seen: minutesAgo(121).toISOString(),
        last_seen: minutesAgo(1).toISOString(),
        details_stored: 0,
        details_rejected: 0,
      },
      status: 'open',
      resolved_at: null,
      resolved_by: null,
      tags: [],
      note: '',
      created_at: minutesAgo(121).toISOString(),
      updated_at: minutesAgo(1).toISOString(),
    });
  });

  it.each([
    ['version=abc!', 'version'],
    ['version=', 'version'],
    ['channel=st%7Cable', 'channel'],
    ['platform=win_dows', 'platform'],
    ['arch=x86%2064', 'arch'],
    ['type=explosion', 'type'],
    ['reason=has%20space', 'reason'],
    ['status=closed', 'status'],
    ['status=open&status=muted', 'status'],
    ['from=yesterday', 'from'],
    ['from=2026-02-30T00:00:00Z', 'from'],
    ['to=2026-01-15T24:00:00Z', 'to'],
    ['from=2026-01-15', 'from'],
    ['from=2026-01-15T12:00:00Z&to=2026-01-15T11:00:00Z', 'from'],
    ['page=0', 'page'],
    ['page=1.5', 'page'],
    ['page=', 'page'],
    ['limit=101', 'limit'],
    ['limit=abc', 'limit'],
    ['limit=0x10', 'limit'],
    ['limit=%2010', 'limit'],
    ['limit=1_0', 'limit'],
    ['page=1e1', 'page'],
    ['page=2.0', 'page'],
    ['page=1&page=2', 'page'],
    ['app=no%7Cpipe', 'app'],
    ['sort=asc', 'sort'],
  ])('when the query is %s, then it answers 400 naming %s', async (query, field) => {
    const res = await get(`/reports/groups?${query}`);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: expect.stringContaining(field), code: expect.any(String), details: { field } });
  });

  it('when limit is out of range, then the 400 states the range', async () => {
    const res = await get('/reports/groups?limit=101');
    expect(res.body.error).toBe('query parameter limit must be an integer from 1 to 100');
  });

  it('when the app filter names no app of the caller, then it answers 404', async () => {
    const res = await get('/reports/groups?app=nonexistent');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: 'app not found', code: 'app_not_found' });
  });

  it('when there is no valid bearer token, then every read API route answers 401', async () => {
    const hash = FIXTURE[0]!.hash!;
    const paths = ['/reports/groups', `/reports/summary?app=${appIds.main}`, `/reports/groups/${hash}`, `/reports/groups/${hash}/blobs`, '/apps', '/reports/keys'];
    for (const path of paths) {
      const res = await request(h.app).get(path).set('Authorization', 'Bearer not-a-token');
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('invalid_token');
    }
  });
});

describe('GET /reports/summary', () => {
  beforeAll(seed);

  it('when grouped by version and platform, then counts and groups are summed per bucket', async () => {
    const res = await get(`/reports/summary?app=${appIds.main}&group_by=version,platform`);
    expect(res.status).toBe(200);
    expect(res.body.app_id).toBe(appIds.main);
    expect(res.body.group_by).toEqual(['version', 'platform']);
    expect(res.body.buckets).toEqual(
      expect.arrayContaining([
        { version: '1.0.0', platform: 'windows', count: 3, groups: 1, last_seen: minutesAgo(1).toISOString() },
        { version: '1.0.0', platform: 'linux', count: 1, groups: 1, last_seen: minutesAgo(2).toISOString() },
        { version: '2.0.0', platform: 'macos', count: 2, groups: 1, last_seen: minutesAgo(3).toISOString() },
        { version: '2.0.0', platform: 'windows', count: 1, groups: 1, last_seen: minutesAgo(4).toISOString() },
      ]),
    );
    expect(res.body.buckets).toHaveLength(4);
  });

  it('when grouped by type within a time range, then only groups last seen in the range count', async () => {
    const from = encodeURIComponent(minutesAgo(3).toISOString());
    const res = await get(`/reports/summary?app=${APP_NAMES.main}&group_by=type&from=${from}`);
    expect(res.body.buckets).toEqual(
      expect.arrayContaining([
        { type: 'crash', count: 3, groups: 1, last_seen: minutesAgo(1).toISOString() },
        { type: 'update_failure', count: 1, groups: 1, last_seen: minutesAgo(2).toISOString() },
        { type: 'install_failure', count: 2, groups: 1, last_seen: minutesAgo(3).toISOString() },
      ]),
    );
    expect(res.body.buckets).toHaveLength(3);
  });

  it('when group_by is absent, then one bucket holds the whole app', async () => {
    const res = await get(`/reports/summary?app=${appIds.other}`);
    expect(res.body.buckets).toEqual([{ count: 5, groups: 2, last_seen: minutesAgo(5).toISOString() }]);
  });

  it.each([
    ['group_by=version', 'app'],
    ['app=my-app&group_by=device', 'group_by'],
    ['app=my-app&group_by=version,version', 'group_by'],
    ['app=my-app&to=soon', 'to'],
    ['app=my-app&page=1', 'page'],
  ])('when the query is %s, then it answers 400 naming %s', async (query, field) => {
    const res = await get(`/reports/summary?${query}`);
    expect(res.status).toBe(400);
    expect(res.body.details).toEqual({ field });
  });
});

describe('GET and PATCH /reports/groups/:groupHash', () => {
  beforeEach(seed);

  it('when the hash is one of the caller’s groups, then the group comes back with or without the app query', async () => {
    const hash = FIXTURE[4]!.hash!;
    const plain = await get(`/reports/groups/${hash}`);
    const scoped = await get(`/reports/groups/${hash}?app=${appIds.other}`);
    expect(plain.status).toBe(200);
    expect(plain.body.app_id).toBe(appIds.other);
    expect(scoped.body).toEqual(plain.body);
  });

  it('when the hash is malformed, then it answers 400; when it is unknown or in another of the caller’s apps, then 404', async () => {
    expect((await get('/reports/groups/ABC')).status).toBe(400);
    expect((await get(`/reports/groups/${'A'.repeat(64)}`)).status).toBe(400);
    expect((await get(`/reports/groups/${'0'.repeat(64)}`)).status).toBe(404);
    const wrongApp = await get(`/reports/groups/${FIXTURE[4]!.hash}?app=${appIds.main}`);
    expect(wrongApp.status).toBe(404);
    expect(wrongApp.body).toEqual({ error: 'group not found', code: 'group_not_found' });
  });

  const patch = (hash: string, body: unknown, token = admin) =>
    request(h.app).patch(`/reports/groups/${hash}`).set('Authorization', `Bearer ${token}`).send(body as object);

  it('when an admin resolves a group with tags and a note, then resolvedAt and resolvedBy are recorded', async () => {
    const hash = FIXTURE[0]!.hash!;
    h.clock.advance(1000);
    const res = await patch(hash, { status: 'resolved', tags: ['ui', 'needs-repro'], note: 'tracked in JIRA-123' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ group_hash: hash, updated: true });
    const stored = await h.repository.findGroup(appIds.main, hash);
    expect(stored).toMatchObject({ status: 'resolved', tags: ['ui', 'needs-repro'], note: 'tracked in JIRA-123', resolvedBy: 'admin-owner-1' });
    expect(stored!.resolvedAt).toEqual(h.clock.now());
    expect(res.body.group).toMatchObject({ status: 'resolved', resolved_by: 'admin-owner-1', resolved_at: h.clock.now().toISOString() });
  });

  it('when a team user with apps.edit triages an allowed app’s group, then it is updated; without edit, then 403', async () => {
    const editor = h.verifier.issue(teamUser('owner-1', 'editor', [appIds.main], { download: true, edit: true }));
    const reader = h.verifier.issue(teamUser('owner-1', 'reader', [appIds.main], { download: true }));
    expect((await patch(FIXTURE[0]!.hash!, { status: 'muted' }, editor)).status).toBe(200);
    expect((await patch(FIXTURE[4]!.hash!, { status: 'muted' }, editor)).status).toBe(404);
    const denied = await patch(FIXTURE[1]!.hash!, { status: 'muted' }, reader);
    expect(denied.status).toBe(403);
    expect(denied.body.code).toBe('permission_denied');
    expect((await h.repository.findGroup(appIds.main, FIXTURE[1]!.hash!))!.status).toBe('open');
  });

  it.each([
    [{}, undefined],
    [{ status: 'closed' }, 'status'],
    [{ tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }, 'tags'],
    [{ tags: ['has space'] }, 'tags.0'],
    [{ tags: ['x'.repeat(65)] }, 'tags.0'],
    [{ tags: ['a', 'a'] }, 'tags'],
    [{ note: 'n'.repeat(2001) }, 'note'],
    [{ note: 5 }, 'note'],
    [{ status: 'open', owner: 'me' }, 'owner'],
    [['status'], undefined],
  ])('when the body is %j, then it answers 400 and nothing changes', async (body, field) => {
    const hash = FIXTURE[1]!.hash!;
    const before = await h.repository.findGroup(appIds.main, hash);
    const res = await patch(hash, body);
    expect(res.status).toBe(400);
    if (field) expect(res.body.details).toEqual({ field });
    expect(await h.repository.findGroup(appIds.main, hash)).toEqual(before);
  });

  it('when 20 valid tags and a 2000-character note are sent, then they are accepted', async () => {
    const tags = Array.from({ length: 20 }, (_, i) => `tag.${i}_x-${'y'.repeat(50)}`);
    const res = await patch(FIXTURE[1]!.hash!, { tags, note: 'n'.repeat(2000) });
    expect(res.status).toBe(200);
    expect(res.body.group.tags).toEqual(tags);
  });
});

describe('apps and report keys', () => {
  beforeEach(seed);

  const send = (method: 'post' | 'patch' | 'delete', path: string, body?: object, token = admin) => {
    const req = request(h.app)[method](path).set('Authorization', `Bearer ${token}`);
    return body === undefined ? req : req.send(body);
  };

  it('when an admin creates an app, then it answers 201 with its id and a fresh report key that ingests at once', async () => {
    const res = await send('post', '/apps', { name: 'new app', reports: true });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{24}$/),
      name: 'new app',
      reports: true,
      report_key: expect.stringMatching(/^rpk_[0-9a-f]{64}$/),
      created_at: NOW.toISOString(),
      updated_at: NOW.toISOString(),
    });
    expect((await h.directory.getApp(res.body.id))!.owner).toBe('owner-1');
    const ingest = await h.ingest(res.body.report_key, reportBody({ application: { name: 'new app' } }));
    expect(ingest.status).toBe(202);
  });

  it('when the name is taken in the account, then 409 gives the id of the app that has it', async () => {
    const taken = await send('post', '/apps', { name: APP_NAMES.main });
    expect({ status: taken.status, body: taken.body }).toEqual({
      status: 409,
      body: { error: `an app named "${APP_NAMES.main}" already exists: ${appIds.main}`, code: 'app_exists', details: { app_id: appIds.main } },
    });
  });

  it('when the name is taken in the account, invalid, or the caller lacks apps.create, then the app is refused', async () => {
    expect((await send('post', '/apps', { name: APP_NAMES.main })).status).toBe(409);
    expect((await send('post', '/apps', { name: 'bad|name' })).status).toBe(400);
    expect((await send('post', '/apps', { name: 'ok', reports: 'yes' })).status).toBe(400);
    expect((await send('post', '/apps', { name: 'ok', owner: 'owner-2' })).status).toBe(400);
    const user = h.verifier.issue(teamUser('owner-1', 'reader', [appIds.main], { download: true }));
    expect((await send('post', '/apps', { name: 'ok' }, user)).status).toBe(403);
    const creator = h.verifier.issue(teamUser('owner-1', 'creator', [], { create: true }));
    const created = await send('post', '/apps', { name: 'by-creator' }, creator);
    expect(created.status).toBe(201);
    expect((await h.directory.getApp(created.body.id))!.owner).toBe('owner-1');
  });

  it('when listing apps, then the admin sees every app of the account and a team user only its allowed ones', async () => {
    const all = await get('/apps');
    expect(all.body.items.map((a: { name: string }) => a.name)).toEqual(['my-app', 'other-app']);
    const user = h.verifier.issue(teamUser('owner-1', 'reader', [appIds.other], { download: true }));
    const mine = await get('/apps', user);
    expect(mine.body.items.map((a: { id: string }) => a.id)).toEqual([appIds.other]);
    expect((await get(`/apps/${appIds.other}`, user)).status).toBe(200);
    expect((await get(`/apps/${appIds.main}`, user)).status).toBe(404);
  });

  it('when reports are switched off, then ingestion is refused at once; switched back on, then it is accepted', async () => {
    const key = (await h.directory.getReportKey(appIds.main))!.key;
    expect((await h.ingest(key)).status).toBe(202);
    const off = await send('patch', `/apps/${appIds.main}`, { reports: false });
    expect(off.status).toBe(200);
    expect(off.body.reports).toBe(false);
    expect((await h.ingest(key)).body.code).toBe('reports_disabled');
    await send('patch', `/apps/${appIds.main}`, { reports: true });
    expect((await h.ingest(key)).status).toBe(202);
    expect((await send('patch', `/apps/${appIds.main}`, {})).status).toBe(400);
  });

  it('when a report key is regenerated, then the old key stops working at once and the new one works', async () => {
    const oldKey = (await h.directory.getReportKey(appIds.main))!.key;
    expect((await h.ingest(oldKey)).status).toBe(202);
    const res = await send('post', '/reports/keys/regenerate', { app_id: appIds.main });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ app_id: appIds.main, app_name: 'my-app', report_key: expect.stringMatching(/^rpk_[0-9a-f]{64}$/) });
    expect(res.body.report_key).not.toBe(oldKey);
    expect((await h.ingest(oldKey)).status).toBe(401);
    expect((await h.ingest(res.body.report_key)).status).toBe(202);
    const keys = await get('/reports/keys');
    expect(keys.body.items).toEqual([
      expect.objectContaining({ app_id: appIds.main, report_key: res.body.report_key }),
      expect.objectContaining({ app_id: appIds.other, report_key: (await h.directory.getReportKey(appIds.other))!.key }),
    ]);
  });

  it('when an app is deleted, then its key, groups, blob records and objects are gone and other apps are untouched', async () => {
    const key = (await h.directory.getReportKey(appIds.main))!.key;
    const withDetails = reportBody({ details: gzipDetails({ trace: 'x' }) });
    const ingested = await h.ingest(key, withDetails);
    expect(ingested.body.stored_details).toBe(true);
    const otherKey = (await h.directory.getReportKey(appIds.other))!.key;
    await h.ingest(otherKey, { ...withDetails, application: { ...withDetails.application, name: 'other-app' } });
    expect(await h.blobStore.list(`reports/${appIds.main}/`)).toHaveLength(1);

    const res = await send('delete', `/apps/${appIds.main}`);
    expect(res.status).toBe(200);
    expect(await h.directory.getApp(appIds.main)).toBeNull();
    expect(await h.directory.getReportKey(appIds.main)).toBeNull();
    expect((await h.ingest(key)).status).toBe(401);
    expect(await h.blobStore.list(`reports/${appIds.main}/`)).toEqual([]);
    expect(await h.repository.listBlobs(appIds.main, ingested.body.group_hash)).toEqual([]);
    expect((await h.repository.listGroups({ appIds: [appIds.main] }, 1, 100)).total).toBe(0);
    expect((await h.repository.listGroups({ appIds: [appIds.other] }, 1, 100)).total).toBe(3);
    expect(await h.blobStore.list(`reports/${appIds.other}/`)).toHaveLength(1);
    expect((await get(`/apps/${appIds.main}`)).status).toBe(404);
  });
});

describe('read API as compose mounts it', () => {
  it('when no identity provider is composed yet, then JWT routes answer 401 and the signed download needs no token', async () => {
    const plain = await harness();
    expect((await request(plain.app).get('/reports/groups').set('Authorization', 'Bearer anything')).status).toBe(401);
    expect((await request(plain.app).get('/apps')).status).toBe(401);
    const download = await request(plain.app).get(`/reports/blobs/download?key=k&expires=1&signature=${'0'.repeat(64)}`);
    expect(download.status).toBe(403);
  });

  it('when REPORTS_ENABLED=false, then the reports read API is not mounted but apps still are', async () => {
    const off = await harness({ REPORTS_ENABLED: 'false' });
    expect((await request(off.app).get('/reports/groups')).body.code).toBe('route_not_found');
    expect((await request(off.app).get('/apps')).status).toBe(401);
  });
});
