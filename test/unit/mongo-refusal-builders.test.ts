import { Aggregator, find } from 'mingo';
import type { Document } from 'mongodb';
import { upsert } from '../fixtures/mingo';
import {
  UNMATCHED_ORDER,
  fromRefusalGroup,
  fromUnmatchedGroup,
  refusalAddUpdate,
  refusalExpiryFilter,
  refusalIdFilter,
  refusalTotalsPipeline,
  unmatchedAddUpdate,
  unmatchedExpiryFilter,
  unmatchedHourFilter,
  unmatchedIdFilter,
  unmatchedPipeline,
} from '../../src/adapters/mongo/mongo-refusal-builders';
import type { RefusalCount, UnmatchedCount } from '../../src/ports/beacon-refusals';

const HOUR = new Date('2026-03-01T10:00:00.000Z');
const DAY = new Date('2026-03-01T00:00:00.000Z');
const CELL = { version: '1.4.2', channel: 'stable', platform: 'linux', arch: 'x64' };
const expiresAt = new Date('2026-03-09T00:00:00.000Z');
const row = (overrides: Partial<RefusalCount> = {}): RefusalCount => ({ appId: 'app-1', cell: CELL, granularity: 'hour', bucket: HOUR, reason: 'ip_limit', count: 1, ...overrides });
const add = (collection: Document[], c: RefusalCount) => upsert(collection, refusalIdFilter(c), refusalAddUpdate(c, expiresAt));

describe('Mongo refusal builders (evaluated with mingo)', () => {
  test('when one row is added to twice, then one document holds the sum', () => {
    const collection: Document[] = [];
    add(collection, row({ count: 2 }));
    add(collection, row({ count: 3 }));
    add(collection, row({ cell: null, count: 1 }));
    expect(collection).toHaveLength(2);
    expect(collection.find((d) => d.cell !== '')).toMatchObject({ app_id: 'app-1', granularity: 'hour', cell: '1.4.2|stable|linux|x64', reason: 'ip_limit', count: 5, expiresAt });
  });

  test('when totals are asked for, then the pipeline sums per cell and reason over the window, for that app and granularity only', () => {
    const collection: Document[] = [];
    add(collection, row({ count: 2 }));
    add(collection, row({ bucket: new Date(HOUR.getTime() + 3_600_000), count: 3 }));
    add(collection, row({ cell: null, reason: 'cell_cap', count: 7 }));
    add(collection, row({ appId: 'app-2', count: 50 }));
    add(collection, row({ granularity: 'day', bucket: DAY, count: 60 }));
    add(collection, row({ bucket: new Date(HOUR.getTime() + 2 * 3_600_000), count: 70 }));
    const groups = new Aggregator(refusalTotalsPipeline({ appId: 'app-1', granularity: 'hour', from: HOUR, to: new Date(HOUR.getTime() + 2 * 3_600_000) })).run(collection);
    const totals = groups.map((g) => fromRefusalGroup(g as never));
    expect(totals).toHaveLength(2);
    expect(totals).toEqual(expect.arrayContaining([{ cell: CELL, reason: 'ip_limit', count: 5 }, { cell: null, reason: 'cell_cap', count: 7 }]));
  });

  test('when unmatched names are added and read, then rows sum per name and hour, the read sums hours, largest first, and the trim order ranks by count', () => {
    const collection: Document[] = [];
    const name = (owner: string, appName: string, count: number): UnmatchedCount => ({ owner, appName, reason: 'unknown_app', count });
    const put = (hour: Date, c: UnmatchedCount) => upsert(collection, unmatchedIdFilter(hour, c), unmatchedAddUpdate(hour, c, expiresAt));
    put(HOUR, name('acme', 'desk', 2));
    put(HOUR, name('acme', 'desk', 3));
    put(HOUR, name('$ne', '{"a":1}', 1));
    put(new Date(HOUR.getTime() + 3_600_000), name('acme', 'desk', 4));
    expect(collection).toHaveLength(3);
    const read = new Aggregator(unmatchedPipeline(HOUR, new Date(HOUR.getTime() + 2 * 3_600_000))).run(collection).map((g) => fromUnmatchedGroup(g as never));
    expect(read).toEqual([name('acme', 'desk', 9), name('$ne', '{"a":1}', 1)]);
    const ranked = find(collection, unmatchedHourFilter(HOUR)).sort(UNMATCHED_ORDER).all();
    expect(ranked.map((d) => d.count)).toEqual([5, 1]);
  });

  test('when rows expire, then only those of the granularity (or unmatched hours) before the horizon match', () => {
    const collection: Document[] = [];
    add(collection, row({ bucket: new Date(HOUR.getTime() - 3_600_000) }));
    add(collection, row());
    add(collection, row({ granularity: 'day', bucket: new Date(0) }));
    expect(find(collection, refusalExpiryFilter('hour', HOUR)).all()).toHaveLength(1);
    const unmatched: Document[] = [{ hour: new Date(HOUR.getTime() - 1) }, { hour: HOUR }];
    expect(find(unmatched, unmatchedExpiryFilter(HOUR)).all()).toHaveLength(1);
  });
});
