import { Aggregator, find } from 'mingo';
import type { Document } from 'mongodb';
import { upsert } from '../fixtures/mingo';
import {
  fromSketchDocument,
  sketchCellsPipeline,
  sketchExpiryFilter,
  sketchIdFilter,
  sketchMergeUpdate,
  sketchReadFilter,
  type SketchDocument,
} from '../../src/adapters/mongo/mongo-sketch-builders';
import { estimateCardinality, mergedRegisters } from '../../src/domain/hyperloglog';
import type { SketchKey } from '../../src/ports/device-sketches';
import { sketchOf } from '../contract/device-sketches.contract';

const HOUR = new Date('2026-03-01T10:00:00.000Z');
const key = (overrides: Partial<SketchKey> = {}): SketchKey => ({
  appId: 'app-1',
  cell: { version: '1.4.2', channel: 'stable', platform: 'linux', arch: 'x64' },
  granularity: 'hour',
  bucket: HOUR,
  kind: 'active',
  ...overrides,
});
const expiresAt = new Date('2026-03-08T11:00:00.000Z');
const ids = (prefix: string, n: number, from = 0) => Array.from({ length: n }, (_, i) => `${prefix}${from + i}`);

describe('Mongo sketch builders (evaluated with mingo)', () => {
  test('when two sketches are merged with $max, then the document holds their register-wise max', () => {
    const collection: Document[] = [];
    const a = sketchOf(ids('d', 4000));
    const b = sketchOf(ids('d', 4000, 3000));
    upsert(collection, sketchIdFilter(key()), sketchMergeUpdate(key(), a, expiresAt));
    upsert(collection, sketchIdFilter(key()), sketchMergeUpdate(key(), b, expiresAt));
    expect(collection).toHaveLength(1);
    const { key: read, registers } = fromSketchDocument(collection[0] as SketchDocument);
    expect(read).toEqual(key());
    expect(Buffer.from(registers).equals(Buffer.from(mergedRegisters(a, b)))).toBe(true);
    expect(Math.abs(estimateCardinality(registers) - 7000) / 7000).toBeLessThan(0.02);
    expect((collection[0] as SketchDocument).expiresAt).toEqual(expiresAt);
  });

  test('when reading, then the filter keeps the app, granularity, [from, to), cell fields and kinds', () => {
    const collection: Document[] = [];
    const next = new Date(HOUR.getTime() + 3_600_000);
    const keys = [key(), key({ bucket: next }), key({ appId: 'app-2' }), key({ kind: 'arrivals' }), key({ cell: { ...key().cell, platform: 'windows' } }), key({ granularity: 'day' })];
    for (const k of keys) upsert(collection, sketchIdFilter(k), sketchMergeUpdate(k, sketchOf(['x']), expiresAt));
    const query = { appId: 'app-1', granularity: 'hour' as const, from: HOUR, to: next };
    expect(find(collection, sketchReadFilter(query)).all()).toHaveLength(3);
    expect(find(collection, sketchReadFilter({ ...query, cell: { platform: 'windows' } })).all()).toHaveLength(1);
    expect(find(collection, sketchReadFilter({ ...query, kinds: ['arrivals', 'first_runs'] })).all()).toHaveLength(1);
    expect(find(collection, sketchReadFilter({ ...query, to: new Date(next.getTime() + 1) })).all()).toHaveLength(4);
  });

  test('when a client value starts with $, then it is matched literally, never read as an operator', () => {
    const collection: Document[] = [];
    upsert(collection, sketchIdFilter(key()), sketchMergeUpdate(key(), sketchOf(['x']), expiresAt));
    const query = { appId: 'app-1', granularity: 'hour' as const, from: HOUR, to: new Date(HOUR.getTime() + 1), cell: { version: '$ne' } };
    expect(find(collection, sketchReadFilter(query)).all()).toHaveLength(0);
  });

  test('when hourly buckets expire, then only those before the horizon match', () => {
    const collection: Document[] = [];
    for (const k of [key(), key({ bucket: new Date(HOUR.getTime() - 3_600_000) }), key({ granularity: 'day', bucket: new Date(0) })]) {
      upsert(collection, sketchIdFilter(k), sketchMergeUpdate(k, sketchOf(['x']), expiresAt));
    }
    expect(find(collection, sketchExpiryFilter('hour', HOUR)).all()).toHaveLength(1);
  });

  test('when the cells of a day are asked for, then the pipeline gives each cell with a daily sketch once, for that app and day only', () => {
    const collection: Document[] = [];
    const day = new Date('2026-03-01T00:00:00.000Z');
    const other = { ...key().cell, version: '1.4.3' };
    const keys = [
      key({ granularity: 'day', bucket: day }),
      key({ granularity: 'day', bucket: day, kind: 'arrivals' }),
      key({ granularity: 'day', bucket: day, cell: other }),
      key(),
      key({ granularity: 'day', bucket: day, appId: 'app-2', cell: { ...other, version: '9.9.9' } }),
      key({ granularity: 'day', bucket: new Date(day.getTime() - 86_400_000), cell: { ...other, version: '8.8.8' } }),
    ];
    for (const k of keys) upsert(collection, sketchIdFilter(k), sketchMergeUpdate(k, sketchOf(['x']), expiresAt));
    const groups = new Aggregator(sketchCellsPipeline('app-1', day)).run(collection) as Array<{ _id: { version: string } }>;
    expect(groups.map((g) => g._id.version).sort()).toEqual(['1.4.2', '1.4.3']);
    expect(groups[0]!._id).toEqual(expect.objectContaining({ channel: 'stable', platform: 'linux', arch: 'x64' }));
  });
});
