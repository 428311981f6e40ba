import { find } from 'mingo';
import type { Document } from 'mongodb';
import {
  RELAY_TOKEN_ORDER,
  fromRelayTokenDocument,
  relayTokenFilter,
  relayTokenOfAppFilter,
  relayTokensOfAppFilter,
  toRelayTokenDocument,
} from '../../src/adapters/mongo/mongo-relay-token-builders';
import { MONGO_MIGRATIONS } from '../../src/adapters/mongo/mongo-migrations';
import type { RelayToken } from '../../src/ports/relay-token-store';

const T0 = new Date('2026-03-01T10:00:00.000Z');
const token = (id: string, appId: string, minutes = 0): RelayToken => ({
  id,
  appId,
  name: `relay ${id}`,
  digest: 'ab'.repeat(32),
  lastFour: '1234',
  createdAt: new Date(T0.getTime() + minutes * 60_000),
});
const docs: Document[] = [token('t3', 'app-1', 2), token('t1', 'app-1'), token('t2', 'app-1'), token('t4', 'app-2')].map(toRelayTokenDocument);
const ids = (found: Document[]) => found.map((d) => d._id);

describe('Mongo relay token builders, evaluated with mingo', () => {
  it('when documents are read back, then fromRelayTokenDocument gives the token that was written', () => {
    expect(fromRelayTokenDocument(toRelayTokenDocument(token('t1', 'app-1')) as never)).toEqual(token('t1', 'app-1'));
  });

  it("when an app's tokens are listed, then the filter and order give that app's only, oldest first, ties by id", () => {
    expect(ids(find(docs, relayTokensOfAppFilter('app-1')).sort(RELAY_TOKEN_ORDER).all())).toEqual(['t1', 't2', 't3']);
  });

  it('when a token is looked up by id, or deleted through an app, then only that app’s token of that id matches', () => {
    expect(ids(find(docs, relayTokenFilter('t4')).all())).toEqual(['t4']);
    expect(ids(find(docs, relayTokenOfAppFilter('app-1', 't4')).all())).toEqual([]);
    expect(ids(find(docs, relayTokenOfAppFilter('app-2', 't4')).all())).toEqual(['t4']);
  });

  it('when an id is an operator object, then $eq matches it literally, not as a query', () => {
    expect(ids(find(docs, relayTokenFilter({ $ne: null } as never)).all())).toEqual([]);
  });

  it('when migration 4 runs, then it creates the index the listing uses, on relay_tokens', () => {
    const migration = MONGO_MIGRATIONS.find((m) => m.version === 4);
    expect(migration?.indexes).toEqual([{ collection: 'relay_tokens', key: { app_id: 1, createdAt: 1 }, name: 'app_created' }]);
    expect(Object.keys(RELAY_TOKEN_ORDER)).toEqual(['createdAt', '_id']);
  });
});
