import { Aggregator, Query, find, updateOne } from 'mingo';
import type { Document } from 'mongodb';
import { MemoryReportRepository } from '../../src/adapters/memory/memory-report-repository';
import { mongoIndexes } from '../../src/adapters/mongo/mongo-migrations';
import {
  APPS_BY_NAME,
  GROUP_SORT,
  appFilter,
  appsNamedFilter,
  APPS_BY_OWNER,
  appsOfOwnerFilter,
  expiringBlobsQuery,
  groupKeyFilter,
  groupListFilter,
  keyFilter,
  keyOfAppFilter,
  pageWindow,
  recordEventUpdate,
  reportsEnabledUpdate,
  setReportKeyUpdate,
  summaryPipeline,
  triageUpdate,
  trimQuery,
  type GroupDocument,
} from '../../src/adapters/mongo/mongo-builders';
import { fromBlobDocument, fromDocument, toBlobDocument } from '../../src/adapters/mongo/mongo-report-repository';
import { compareGroups, matchesFilter, type GroupFilter } from '../../src/domain/group-query';
import { dimensionsOf, type BlobRecord, type DetailsOutcome, type ReportEvent, type ReportGroup } from '../../src/domain/report';
import { blobsBeyondLimit } from '../../src/domain/retention';
import type { SummaryQuery, TriageUpdate } from '../../src/ports/report-repository';
import { reportBody } from '../fixtures/reports';

// mingo evaluates filters, update pipelines and aggregations, but it has no upsert (and no
// $setOnInsert, which is one more reason the upserts are pipelines). MongoDB's documented upsert
// rule is reproduced here: when nothing matches, the new document starts from the filter's
// equality clauses and the update pipeline runs on it. That rule is the one part of the upserts
// this file takes on trust; the Mongo contract run checks it against a server.
function upsert(collection: Document[], filter: Document, pipeline: Document[]): 'updated' | 'inserted' {
  if (updateOne(collection, filter, pipeline as never).matchedCount > 0) return 'updated';
  const seed: Document = {};
  for (const [field, condition] of Object.entries(filter)) seed[field] = (condition as { $eq: unknown }).$eq;
  collection.push(new Aggregator(pipeline).run([seed])[0]);
  return 'inserted';
}

const T0 = new Date('2026-03-01T10:00:00.000Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

function event(overrides: Partial<ReportEvent> & { version?: string; reason?: string } = {}): ReportEvent {
  const dims = dimensionsOf(reportBody({ application: { version: overrides.version ?? '1.4.2' }, event: { reason: overrides.reason ?? 'checksum_mismatch' } }));
  return { appId: 'app-1', groupHash: `h-${dims.application.version}-${dims.event.reason}`, dimensions: dims, at: T0, details: 'none', ...overrides };
}

/** The memory adapter (the reference) and a mingo-evaluated collection, fed the same writes. */
class Twins {
  readonly memory = new MemoryReportRepository();
  readonly docs: Document[] = [];

  async record(e: ReportEvent) {
    await this.memory.recordEvent(e);
    return upsert(this.docs, groupKeyFilter(e.appId, e.groupHash), recordEventUpdate(e));
  }

  async triage(appId: string, groupHash: string, update: TriageUpdate) {
    await this.memory.updateTriage(appId, groupHash, update);
    updateOne(this.docs, groupKeyFilter(appId, groupHash), triageUpdate(update) as never);
  }

  doc(appId: string, groupHash: string): GroupDocument & Document {
    return find(this.docs, groupKeyFilter(appId, groupHash)).all()[0] as GroupDocument & Document;
  }

  async expectSameGroup(appId: string, groupHash: string) {
    const reference = await this.memory.findGroup(appId, groupHash);
    expect(fromDocument(this.doc(appId, groupHash))).toEqual(reference);
  }

  groups(): ReportGroup[] {
    return this.docs.map((d) => fromDocument(d as unknown as GroupDocument));
  }
}

describe('recordEventUpdate, evaluated by mingo', () => {
  it('when a group is seen for the first time, then the upsert creates it open with count 1 and the event as first and last seen', async () => {
    const twins = new Twins();
    const e = event({ details: 'stored' });
    expect(await twins.record(e)).toBe('inserted');
    expect(twins.doc(e.appId, e.groupHash)).toEqual({
      app_id: 'app-1',
      groupHash: e.groupHash,
      application: { name: 'my-app', version: '1.4.2', channel: 'stable' },
      system: { platform: 'windows', arch: 'amd64' },
      event: { type: 'update_failure', reason: 'checksum_mismatch' },
      stats: { count: 1, firstSeen: T0, lastSeen: T0, detailsStored: 1, detailsRejected: 0 },
      status: 'open',
      resolvedAt: null,
      resolvedBy: null,
      tags: [],
      note: '',
      createdAt: T0,
      updatedAt: T0,
    });
    await twins.expectSameGroup(e.appId, e.groupHash);
  });

  it('when a second event arrives, then count, lastSeen and the details counters move and createdAt stays', async () => {
    const twins = new Twins();
    await twins.record(event());
    expect(await twins.record(event({ at: at(5), details: 'rejected' }))).toBe('updated');
    const doc = twins.doc('app-1', event().groupHash);
    expect(doc.stats).toEqual({ count: 2, firstSeen: T0, lastSeen: at(5), detailsStored: 0, detailsRejected: 1 });
    expect(doc.createdAt).toEqual(T0);
    expect(doc.updatedAt).toEqual(at(5));
    expect(twins.docs).toHaveLength(1);
    await twins.expectSameGroup('app-1', event().groupHash);
  });

  // Not compared with the memory adapter: it keeps firstSeen at the first recorded event even when
  // an earlier one arrives later, where the issue asks for the minimum.
  it('when events arrive out of order, then lastSeen keeps the latest and firstSeen the earliest', async () => {
    const twins = new Twins();
    await twins.record(event({ at: at(10) }));
    await twins.record(event({ at: at(2) }));
    await twins.record(event({ at: at(7) }));
    expect(twins.doc('app-1', event().groupHash)).toMatchObject({
      stats: { count: 3, firstSeen: at(2), lastSeen: at(10) },
      createdAt: at(10),
      updatedAt: at(7),
    });
  });

  it('when a resolved group gets a new event, then it reopens and keeps its resolution record', async () => {
    const twins = new Twins();
    await twins.record(event());
    await twins.triage('app-1', event().groupHash, { status: 'resolved', at: at(1), by: 'admin-1' });
    await twins.record(event({ at: at(2) }));
    expect(twins.doc('app-1', event().groupHash)).toMatchObject({ status: 'open', resolvedAt: at(1), resolvedBy: 'admin-1' });
    await twins.expectSameGroup('app-1', event().groupHash);
  });

  it('when a muted group gets a new event, then it stays muted and is still counted', async () => {
    const twins = new Twins();
    await twins.record(event());
    await twins.triage('app-1', event().groupHash, { status: 'muted', at: at(1), by: 'admin-1' });
    await twins.record(event({ at: at(2) }));
    expect(twins.doc('app-1', event().groupHash)).toMatchObject({ status: 'muted', stats: { count: 2 } });
    await twins.expectSameGroup('app-1', event().groupHash);
  });

  it('when triage set tags and a note, then a new event leaves them alone', async () => {
    const twins = new Twins();
    await twins.record(event());
    await twins.triage('app-1', event().groupHash, { tags: ['hot'], note: 'looking', at: at(1), by: 'admin-1' });
    await twins.record(event({ at: at(2) }));
    expect(twins.doc('app-1', event().groupHash)).toMatchObject({ tags: ['hot'], note: 'looking' });
    await twins.expectSameGroup('app-1', event().groupHash);
  });

  it('when two apps have the same groupHash, then each counts only its own events', async () => {
    const twins = new Twins();
    await twins.record(event({ appId: 'app-1' }));
    await twins.record(event({ appId: 'app-2' }));
    await twins.record(event({ appId: 'app-2', at: at(1) }));
    expect(twins.doc('app-1', event().groupHash).stats.count).toBe(1);
    expect(twins.doc('app-2', event().groupHash).stats.count).toBe(2);
  });

  it('is a single update pipeline, so the server applies it in one round trip', () => {
    const update = recordEventUpdate(event());
    expect(update).toHaveLength(1);
    expect(Object.keys(update[0])).toEqual(['$set']);
  });
});

describe('triageUpdate, evaluated by mingo', () => {
  const hash = event().groupHash;
  async function recorded() {
    const twins = new Twins();
    await twins.record(event());
    return twins;
  }

  it('when an open group is resolved, then resolvedAt and resolvedBy are recorded', async () => {
    const twins = await recorded();
    await twins.triage('app-1', hash, { status: 'resolved', at: at(3), by: 'admin-1' });
    expect(twins.doc('app-1', hash)).toMatchObject({ status: 'resolved', resolvedAt: at(3), resolvedBy: 'admin-1', updatedAt: at(3) });
    await twins.expectSameGroup('app-1', hash);
  });

  it('when a resolved group is resolved again, then the first resolution is kept', async () => {
    const twins = await recorded();
    await twins.triage('app-1', hash, { status: 'resolved', at: at(3), by: 'admin-1' });
    await twins.triage('app-1', hash, { status: 'resolved', at: at(4), by: 'admin-2' });
    expect(twins.doc('app-1', hash)).toMatchObject({ resolvedAt: at(3), resolvedBy: 'admin-1', updatedAt: at(4) });
    await twins.expectSameGroup('app-1', hash);
  });

  it('when a reopened group is resolved again, then the new resolution replaces the old one', async () => {
    const twins = await recorded();
    await twins.triage('app-1', hash, { status: 'resolved', at: at(3), by: 'admin-1' });
    await twins.record(event({ at: at(4) }));
    await twins.triage('app-1', hash, { status: 'resolved', at: at(5), by: 'admin-2' });
    expect(twins.doc('app-1', hash)).toMatchObject({ status: 'resolved', resolvedAt: at(5), resolvedBy: 'admin-2' });
    await twins.expectSameGroup('app-1', hash);
  });

  it('when a resolved group is muted, then the status changes and the resolution record stays', async () => {
    const twins = await recorded();
    await twins.triage('app-1', hash, { status: 'resolved', at: at(3), by: 'admin-1' });
    await twins.triage('app-1', hash, { status: 'muted', at: at(4), by: 'admin-2' });
    expect(twins.doc('app-1', hash)).toMatchObject({ status: 'muted', resolvedAt: at(3), resolvedBy: 'admin-1' });
    await twins.expectSameGroup('app-1', hash);
  });

  it('when only tags and note change, then the status is untouched and values starting with "$" are stored literally', async () => {
    const twins = await recorded();
    await twins.triage('app-1', hash, { tags: ['$status', 'b'], note: '$note', at: at(3), by: 'admin-1' });
    expect(twins.doc('app-1', hash)).toMatchObject({ status: 'open', tags: ['$status', 'b'], note: '$note', resolvedAt: null });
    await twins.expectSameGroup('app-1', hash);
  });
});

describe('groupListFilter, evaluated by mingo, agrees with matchesFilter', () => {
  const plan: Array<{ e: ReportEvent; triage?: TriageUpdate }> = [
    { e: event({ appId: 'app-1', version: '1.0.0', reason: 'a', at: at(0) }) },
    { e: event({ appId: 'app-1', version: '1.0.0', reason: 'b', at: at(10) }), triage: { status: 'resolved', at: at(11), by: 'u' } },
    { e: event({ appId: 'app-1', version: '2.0.0', reason: 'a', at: at(20) }), triage: { status: 'muted', at: at(21), by: 'u' } },
    { e: event({ appId: 'app-2', version: '1.0.0', reason: 'a', at: at(30) }) },
    { e: event({ appId: 'app-2', version: '2.0.0', reason: 'c', at: at(10) }) },
    { e: event({ appId: 'app-3', version: '3.0.0', reason: 'a', at: at(40) }) },
  ];
  const other = dimensionsOf(reportBody({ application: { channel: 'beta' }, system: { platform: 'linux', arch: 'arm64' }, event: { type: 'crash' } }));
  plan.push({ e: { ...event({ appId: 'app-1', at: at(50) }), groupHash: 'h-other', dimensions: other } });

  async function loaded() {
    const twins = new Twins();
    for (const { e, triage } of plan) {
      await twins.record(e);
      if (triage) await twins.triage(e.appId, e.groupHash, triage);
    }
    return twins;
  }

  const all = ['app-1', 'app-2', 'app-3'];
  const filters: Array<[string, GroupFilter]> = [
    ['empty appIds', { appIds: [] }],
    ['one app', { appIds: ['app-2'] }],
    ['unknown app', { appIds: ['nope'] }],
    ['all apps', { appIds: all }],
    ['version', { appIds: all, version: '1.0.0' }],
    ['channel', { appIds: all, channel: 'beta' }],
    ['platform', { appIds: all, platform: 'linux' }],
    ['arch', { appIds: all, arch: 'arm64' }],
    ['type', { appIds: all, type: 'crash' }],
    ['reason', { appIds: all, reason: 'a' }],
    ['status open', { appIds: all, status: 'open' }],
    ['status resolved', { appIds: all, status: 'resolved' }],
    ['status muted', { appIds: all, status: 'muted' }],
    ['from, inclusive', { appIds: all, from: at(20) }],
    ['to, inclusive', { appIds: all, to: at(10) }],
    ['from and to on the same instant', { appIds: all, from: at(30), to: at(30) }],
    ['from after to', { appIds: all, from: at(31), to: at(29) }],
    ['several fields', { appIds: ['app-1', 'app-2'], version: '1.0.0', reason: 'a', status: 'open', from: at(0), to: at(30) }],
    ['a value that looks like an operator', { appIds: all, version: '$gt' }],
  ];

  it.each(filters)('when filtering by %s, then every group matches exactly as matchesFilter says', async (_name, filter) => {
    const twins = await loaded();
    const groups = twins.groups();
    expect(groups).toHaveLength(plan.length);
    const query = new Query(groupListFilter(filter));
    for (const g of groups) {
      const matched = query.test(twins.doc(g.appId, g.groupHash));
      expect({ group: g.groupHash, app: g.appId, matched }).toEqual({ group: g.groupHash, app: g.appId, matched: matchesFilter(g, filter) });
    }
  });

  it('when every filter is applied, then at least one matches something and one matches nothing (the fixture is discriminating)', async () => {
    const groups = (await loaded()).groups();
    const counts = filters.map(([, f]) => groups.filter((g) => matchesFilter(g, f)).length);
    expect(Math.max(...counts)).toBe(plan.length);
    expect(counts.filter((n) => n > 0 && n < plan.length).length).toBeGreaterThan(10);
  });

  it.each([
    [1, 3],
    [2, 3],
    [3, 3],
    [1, 100],
  ])('when listing page %i of size %i, then the order and page equal the memory adapter', async (page, limit) => {
    const twins = await loaded();
    const filter: GroupFilter = { appIds: all };
    const window = pageWindow(page, limit);
    const docs = find(twins.docs, groupListFilter(filter)).sort(GROUP_SORT as Record<string, 1 | -1>).skip(window.skip).limit(window.limit).all();
    const reference = await twins.memory.listGroups(filter, page, limit);
    expect(docs.map((d) => fromDocument(d as unknown as GroupDocument))).toEqual(reference.items);
    expect(twins.groups().sort(compareGroups).slice(window.skip, window.skip + limit)).toEqual(reference.items);
  });

  it('when two groups share lastSeen, then groupHash and then app_id break the tie', async () => {
    const twins = new Twins();
    for (const [appId, groupHash] of [['b', 'h2'], ['a', 'h2'], ['c', 'h1']]) await twins.record({ ...event({ appId }), groupHash });
    const docs = find(twins.docs, groupListFilter({ appIds: ['a', 'b', 'c'] })).sort(GROUP_SORT as Record<string, 1 | -1>).all();
    expect(docs.map((d) => `${d.app_id}/${d.groupHash}`)).toEqual(['c/h1', 'a/h2', 'b/h2']);
  });
});

describe('summaryPipeline, evaluated by mingo, agrees with the memory adapter', () => {
  const events: ReportEvent[] = [
    event({ version: '1.0.0', reason: 'a', at: at(1) }),
    event({ version: '1.0.0', reason: 'a', at: at(2) }),
    event({ version: '1.0.0', reason: 'a', at: at(3) }),
    event({ version: '1.0.0', reason: 'b', at: at(4) }),
    event({ version: '2.0.0', reason: 'a', at: at(5) }),
    event({ version: '2.0.0', reason: 'a', at: at(6) }),
    event({ version: '2.0.0', reason: 'c', at: at(7) }),
    event({ version: '3.0.0', reason: 'c', at: at(20) }),
    event({ appId: 'app-2', version: '1.0.0', reason: 'a', at: at(8) }),
  ];
  const queries: Array<[string, SummaryQuery]> = [
    ['version', { appId: 'app-1', groupBy: ['version'] }],
    ['reason', { appId: 'app-1', groupBy: ['reason'] }],
    ['version and reason', { appId: 'app-1', groupBy: ['version', 'reason'] }],
    ['nothing (one bucket)', { appId: 'app-1', groupBy: [] }],
    ['platform, arch and type', { appId: 'app-1', groupBy: ['platform', 'arch', 'type'] }],
    ['version within a window', { appId: 'app-1', groupBy: ['version'], from: at(3), to: at(7) }],
    ['an app without groups', { appId: 'nope', groupBy: ['version'] }],
  ];

  it.each(queries)('when summarizing by %s, then the buckets equal the memory adapter', async (_name, query) => {
    const twins = new Twins();
    for (const e of events) await twins.record(e);
    const rows = new Aggregator(summaryPipeline(query)).run(twins.docs);
    const buckets = rows.map((r) => ({ key: { ...(r._id as object) }, count: r.count, groups: r.groups, lastSeen: r.lastSeen }));
    expect(buckets).toEqual(await twins.memory.summarize(query));
  });

  it('when summarizing by version, then counts add up the groups of each version', async () => {
    const twins = new Twins();
    for (const e of events) await twins.record(e);
    const rows = new Aggregator(summaryPipeline({ appId: 'app-1', groupBy: ['version'] })).run(twins.docs);
    expect(rows).toEqual([
      { _id: { version: '1.0.0' }, count: 4, groups: 2, lastSeen: at(4) },
      { _id: { version: '2.0.0' }, count: 3, groups: 2, lastSeen: at(7) },
      { _id: { version: '3.0.0' }, count: 1, groups: 1, lastSeen: at(20) },
    ]);
  });
});

describe('blob queries, evaluated by mingo', () => {
  function blob(id: string, createdAtMinutes: number, overrides: Partial<BlobRecord> = {}): BlobRecord {
    const createdAt = at(createdAtMinutes);
    return {
      id,
      appId: 'app-1',
      groupHash: 'h1',
      ...dimensionsOf(reportBody()),
      storage: { driver: 'memory', key: `k/${id}`, compressedSize: 10, decompressedSize: 20, contentType: 'application/json', encoding: 'gzip' },
      createdAt,
      expiresAt: new Date(createdAt.getTime() + 30 * 24 * 3600_000),
      ...overrides,
    };
  }
  const records = [
    blob('b1', 1),
    blob('b2', 5),
    blob('b3', 5),
    blob('b4', 3),
    blob('b5', 9),
    blob('x1', 0, { groupHash: 'h2' }),
    blob('y1', 0, { appId: 'app-2' }),
  ];
  const docs = (): Document[] => records.map(toBlobDocument);

  it('maps a blob record to a document and back without loss', () => {
    for (const r of records) expect(fromBlobDocument(toBlobDocument(r))).toEqual(r);
  });

  it.each([0, 1, 2, 4, 10])('when trimming a group to %i, then the records beyond the newest are exactly those blobsBeyondLimit picks', (keep) => {
    const q = trimQuery('app-1', 'h1', keep);
    const found = find(docs(), q.filter).sort(q.sort as Record<string, 1 | -1>).skip(q.skip).all();
    const mine = records.filter((r) => r.appId === 'app-1' && r.groupHash === 'h1');
    expect(found.map((d) => d._id)).toEqual(blobsBeyondLimit(mine, keep).map((r) => r.id));
  });

  it('when looking for expiring blobs, then those at or before the instant come oldest first, up to the limit', () => {
    const q = expiringBlobsQuery(records[1].expiresAt, 3);
    const found = find(docs(), q.filter).sort(q.sort as Record<string, 1 | -1>).limit(q.limit).all();
    expect(found.map((d) => d._id)).toEqual(['x1', 'y1', 'b1']);
    const all = find(docs(), expiringBlobsQuery(records[1].expiresAt, 10).filter).all();
    expect(all.map((d) => d._id).sort()).toEqual(['b1', 'b2', 'b3', 'b4', 'x1', 'y1']);
  });
});

describe('app directory queries, evaluated by mingo', () => {
  const apps = () => [
    { _id: 'a1', owner: 'o1', name: 'zeta', reports: true, createdAt: T0, updatedAt: T0 },
    { _id: 'a2', owner: 'o1', name: 'alpha', reports: true, createdAt: T0, updatedAt: T0 },
    { _id: 'a3', owner: 'o2', name: 'beta', reports: true, createdAt: T0, updatedAt: T0 },
  ];

  it('when finding apps by name, then every owner\'s app of that name comes back, sorted by owner', () => {
    const docs = [...apps(), { _id: 'a9', owner: 'o0', name: 'alpha', reports: true, createdAt: T0, updatedAt: T0 }];
    expect(find(docs, appsNamedFilter('alpha')).sort(APPS_BY_OWNER as Record<string, 1>).all().map((a) => [a._id, a.owner])).toEqual([['a9', 'o0'], ['a2', 'o1']]);
  });

  it("when listing an owner's apps, then only theirs come back, sorted by name", () => {
    expect(find(apps(), appsOfOwnerFilter('o1')).sort(APPS_BY_NAME as Record<string, 1>).all().map((a) => a.name)).toEqual(['alpha', 'zeta']);
  });

  it('when reports are disabled, then only that app changes, with updatedAt', () => {
    const docs = apps();
    updateOne(docs, appFilter('a2'), reportsEnabledUpdate(false, at(1)));
    expect(docs.map((d) => [d._id, d.reports, d.updatedAt])).toEqual([['a1', true, T0], ['a2', false, at(1)], ['a3', true, T0]]);
  });

  it("when an app gets its first key and then a new one, then the old value stops matching and createdAt stays", () => {
    const keys: Document[] = [{ app_id: 'a2', key: 'rpk_other', createdAt: T0, updatedAt: T0 }];
    expect(upsert(keys, keyOfAppFilter('a1'), setReportKeyUpdate('a1', 'rpk_old', at(1)))).toBe('inserted');
    expect(upsert(keys, keyOfAppFilter('a1'), setReportKeyUpdate('a1', 'rpk_new', at(5)))).toBe('updated');
    expect(keys).toEqual([
      { app_id: 'a2', key: 'rpk_other', createdAt: T0, updatedAt: T0 },
      { app_id: 'a1', key: 'rpk_new', createdAt: at(1), updatedAt: at(5) },
    ]);
    expect(find(keys, keyFilter('rpk_old')).all()).toEqual([]);
    expect(find(keys, keyFilter('rpk_new')).all()).toHaveLength(1);
  });
});

describe('index specifications', () => {
  it('declares the unique, sort and TTL indexes the issue asks for', () => {
    const byName = Object.fromEntries(mongoIndexes().map((i) => [`${i.collection}:${JSON.stringify(i.key)}`, i]));
    expect(byName['report_keys:{"app_id":1}']?.unique).toBe(true);
    expect(byName['report_keys:{"key":1}']?.unique).toBe(true);
    expect(byName['report_groups:{"app_id":1,"groupHash":1}']?.unique).toBe(true);
    expect(byName['report_groups:{"app_id":1,"stats.lastSeen":-1}']).toBeDefined();
    expect(byName['report_blobs:{"app_id":1,"groupHash":1,"createdAt":-1}']).toBeDefined();
    expect(byName['report_blobs:{"expiresAt":1}']?.expireAfterSeconds).toBe(0);
    expect(byName['apps:{"owner":1,"name":1}']?.unique).toBe(true);
  });
});

it.each<DetailsOutcome>(['none', 'stored', 'rejected'])('when the details outcome is %s, then only the matching counter moves', async (details) => {
  const twins = new Twins();
  await twins.record(event({ details }));
  await twins.record(event({ details, at: at(1) }));
  const stats = twins.doc('app-1', event().groupHash).stats;
  expect([stats.detailsStored, stats.detailsRejected]).toEqual(details === 'stored' ? [2, 0] : details === 'rejected' ? [0, 2] : [0, 0]);
});
