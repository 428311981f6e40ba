import { MemoryVerdictStore } from '../../src/adapters/memory/memory-verdict-store';
import { MemoryWebhookStore } from '../../src/adapters/memory/memory-webhook-store';
import { SqliteVerdictStore } from '../../src/adapters/sqlite/sqlite-verdict-store';
import { SqliteWebhookStore } from '../../src/adapters/sqlite/sqlite-webhook-store';
import { tempSqlite } from '../fixtures/sqlite';
import { webhookStoreContract } from './webhook-store.contract';

webhookStoreContract('memory', async () => {
  const webhooks = new MemoryWebhookStore();
  return { webhooks, verdicts: new MemoryVerdictStore(webhooks), cleanup: async () => undefined };
});

webhookStoreContract('sqlite', async () => {
  const { db, cleanup } = tempSqlite();
  return { webhooks: new SqliteWebhookStore(db), verdicts: new SqliteVerdictStore(db), cleanup };
});
