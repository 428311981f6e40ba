import type { Collection, Db } from 'mongodb';
import type { RelayToken, RelayTokenStore } from '../../ports/relay-token-store';
import { guarded } from './mongo-errors';
import {
  RELAY_TOKEN_ORDER,
  RELAY_TOKENS_COLLECTION,
  fromRelayTokenDocument,
  relayTokenFilter,
  relayTokenOfAppFilter,
  relayTokensOfAppFilter,
  toRelayTokenDocument,
  type RelayTokenDocument,
} from './mongo-relay-token-builders';

/** The relay_tokens collection; its index comes from Mongo migration 4. */
export class MongoRelayTokenStore implements RelayTokenStore {
  private readonly tokens: Collection<RelayTokenDocument>;

  constructor(db: Db) {
    this.tokens = db.collection(RELAY_TOKENS_COLLECTION);
  }

  async create(t: RelayToken): Promise<void> {
    await guarded('createRelayToken', () => this.tokens.insertOne(toRelayTokenDocument(t)));
  }

  async listByApp(appId: string): Promise<RelayToken[]> {
    return guarded('listRelayTokens', async () => (await this.tokens.find(relayTokensOfAppFilter(appId)).sort(RELAY_TOKEN_ORDER).toArray()).map(fromRelayTokenDocument));
  }

  async find(id: string): Promise<RelayToken | null> {
    const doc = await guarded('findRelayToken', () => this.tokens.findOne(relayTokenFilter(id)));
    return doc ? fromRelayTokenDocument(doc) : null;
  }

  async delete(appId: string, id: string): Promise<boolean> {
    return guarded('deleteRelayToken', async () => (await this.tokens.deleteOne(relayTokenOfAppFilter(appId, id))).deletedCount > 0);
  }

  async deleteByApp(appId: string): Promise<number> {
    return guarded('deleteRelayTokensOfApp', async () => (await this.tokens.deleteMany(relayTokensOfAppFilter(appId))).deletedCount);
  }
}
