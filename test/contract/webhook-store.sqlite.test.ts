import { SqliteVerdictStore } from '../../src/adapters/sqlite/sqlite-verdict-store';
import { SqliteWebhookStore } from '../../src/adapters/sqlite/sqlite-webhook-store';
import { tempSqlite } from '../fixtures/sqlite';
import { webhookStoreContract } from './webhook-store.contract';

webhookStoreContract('sqlite', async () => {
  const { db, cleanup } = tempSqlite();
  return { webhooks: new SqliteWebhookStore(db), verdicts: new SqliteVerdictStore(db), cleanup };
});
