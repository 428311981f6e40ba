import { find } from 'mingo';
import type { Document } from 'mongodb';
import { mongoIndexes } from '../../src/adapters/mongo/mongo-migrations';
import {
  COLLECTIONS,
  SHARD_KEYS,
  appDataFilter,
  blobFilter,
  blobIdsFilter,
  blobIdsOfAppFilter,
  blobsOfGroupFilter,
  expiringBlobsQuery,
  groupKeyFilter,
  groupListFilter,
  recordEventUpdate,
  summaryPipeline,
  triageUpdate,
  trimQuery,
} from '../../src/adapters/mongo/mongo-builders';
import { dimensionsOf } from '../../src/domain/report';
import { reportBody } from '../fixtures/reports';

// Sharded on {app_id, groupHash}, report_groups and report_blobs answer a query from the shards
// that own its app only when the filter pins app_id. Each filter is also run over two apps' data
// with the same groupHash and blob id, so "carries app_id" means "matches only that app".

const T = new Date('2026-03-01T00:00:00Z');
const dims = dimensionsOf(reportBody());
const docs: Document[] = ['app-a', 'app-b'].flatMap((app_id) => [
  { _id: 'blob-1', app_id, groupHash: 'h', ...dims, stats: { lastSeen: T, count: 1 }, createdAt: T, expiresAt: T },
  { _id: 'blob-2', app_id, groupHash: 'h2', ...dims, stats: { lastSeen: T, count: 1 }, createdAt: T, expiresAt: T },
]);

const perApp: Array<[string, string, Document]> = [
  ['groupKeyFilter (recordEvent upsert, findGroup, updateTriage, deleteGroup)', COLLECTIONS.reportGroups, groupKeyFilter('app-a', 'h')],
  ['groupListFilter (listGroups)', COLLECTIONS.reportGroups, groupListFilter({ appIds: ['app-a'] })],
  ['summaryPipeline $match (summarize)', COLLECTIONS.reportGroups, summaryPipeline({ appId: 'app-a', groupBy: ['version'] })[0]!.$match],
  ['appDataFilter (deleteAppData)', COLLECTIONS.reportGroups, appDataFilter('app-a')],
  ['appDataFilter (deleteAppData)', COLLECTIONS.reportBlobs, appDataFilter('app-a')],
  ['blobsOfGroupFilter (listBlobs, deleteGroup)', COLLECTIONS.reportBlobs, blobsOfGroupFilter('app-a', 'h')],
  ['blobFilter (findBlob)', COLLECTIONS.reportBlobs, blobFilter('app-a', 'blob-1')],
  ['trimQuery (trimBlobs: find)', COLLECTIONS.reportBlobs, trimQuery('app-a', 'h', 0).filter],
  ['blobIdsOfAppFilter (trimBlobs: delete)', COLLECTIONS.reportBlobs, blobIdsOfAppFilter('app-a', ['blob-1', 'blob-2'])],
];

describe('MongoDB sharding readiness', () => {
  it.each(perApp)('%s on %s pins app_id and matches only that app', (_name, _collection, filter) => {
    const pin = filter.app_id as { $eq?: unknown; $in?: unknown[] } | undefined;
    expect(pin?.$eq ?? pin?.$in).toBeDefined();
    const matched = find(docs, filter).all();
    expect(matched.length).toBeGreaterThan(0);
    expect(new Set(matched.map((d) => d.app_id))).toEqual(new Set(['app-a']));
  });

  it('when a report is counted, then the upsert filter pins the whole shard key by equality, so it goes to one shard', () => {
    expect(Object.keys(groupKeyFilter('app-a', 'h')).sort()).toEqual(Object.keys(SHARD_KEYS[COLLECTIONS.reportGroups]!).sort());
    expect(groupKeyFilter('app-a', 'h')).toEqual({ app_id: { $eq: 'app-a' }, groupHash: { $eq: 'h' } });
  });

  it('when documents are updated, then no update changes app_id or groupHash (shard key values stay put)', () => {
    const event = { appId: 'app-a', groupHash: 'h', dimensions: dims, at: T, details: 'none' as const };
    const recorded = recordEventUpdate(event)[0]!.$set;
    expect(recorded.app_id).toEqual({ $literal: 'app-a' });
    expect(recorded.groupHash).toEqual({ $literal: 'h' });
    const triaged = triageUpdate({ status: 'resolved', tags: ['x'], note: 'n', at: T, by: 'u' })[0]!.$set;
    expect(triaged).not.toHaveProperty('app_id');
    expect(triaged).not.toHaveProperty('groupHash');
  });

  it('when the retention sweep runs, then its two filters are the documented cross-app scatter-gathers', () => {
    expect(expiringBlobsQuery(T, 10).filter).toEqual({ expiresAt: { $lte: T } });
    expect(blobIdsFilter(['blob-1'])).toEqual({ _id: { $in: ['blob-1'] } });
  });

  it('when indexes are declared on the sharded collections, then each starts with app_id except the TTL index, and unique ones start with the shard key', () => {
    for (const spec of mongoIndexes().filter((i) => SHARD_KEYS[i.collection])) {
      const fields = Object.keys(spec.key);
      if (spec.expireAfterSeconds !== undefined) expect(fields).toEqual(['expiresAt']);
      else expect(fields[0]).toBe('app_id');
      if (spec.unique) expect(fields.slice(0, 2)).toEqual(Object.keys(SHARD_KEYS[spec.collection]!));
    }
  });
});
