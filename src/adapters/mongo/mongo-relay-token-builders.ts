import type { RelayToken } from '../../ports/relay-token-store';

// The relay_tokens documents, filters and sort of MongoRelayTokenStore, built without a driver so
// test/unit/mongo-relay-token-builders.test.ts checks them with mingo. Client values go through $eq.

export const RELAY_TOKENS_COLLECTION = 'relay_tokens';

export interface RelayTokenDocument {
  _id: string;
  app_id: string;
  name: string;
  digest: string;
  lastFour: string;
  createdAt: Date;
}

export const toRelayTokenDocument = (t: RelayToken): RelayTokenDocument => ({ _id: t.id, app_id: t.appId, name: t.name, digest: t.digest, lastFour: t.lastFour, createdAt: t.createdAt });

export const fromRelayTokenDocument = (d: RelayTokenDocument): RelayToken => ({ id: d._id, appId: d.app_id, name: d.name, digest: d.digest, lastFour: d.lastFour, createdAt: d.createdAt });

export const relayTokenFilter = (id: string) => ({ _id: { $eq: id } });
export const relayTokenOfAppFilter = (appId: string, id: string) => ({ _id: { $eq: id }, app_id: { $eq: appId } });
export const relayTokensOfAppFilter = (appId: string) => ({ app_id: { $eq: appId } });
export const RELAY_TOKEN_ORDER = { createdAt: 1, _id: 1 } as const;
