import { MemoryRelayTokenStore } from '../../src/adapters/memory/memory-relay-token-store';
import { SqliteRelayTokenStore } from '../../src/adapters/sqlite/sqlite-relay-token-store';
import { tempSqlite } from '../fixtures/sqlite';
import { relayTokenStoreContract } from './relay-token-store.contract';

relayTokenStoreContract('memory', async () => ({ store: new MemoryRelayTokenStore(), cleanup: async () => undefined }));

relayTokenStoreContract('sqlite', async () => {
  const { db, cleanup } = tempSqlite();
  return { store: new SqliteRelayTokenStore(db), cleanup };
});
