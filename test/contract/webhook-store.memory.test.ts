import { MemoryVerdictStore } from '../../src/adapters/memory/memory-verdict-store';
import { MemoryWebhookStore } from '../../src/adapters/memory/memory-webhook-store';
import { webhookStoreContract } from './webhook-store.contract';

webhookStoreContract('memory', async () => {
  const webhooks = new MemoryWebhookStore();
  return { webhooks, verdicts: new MemoryVerdictStore(webhooks), cleanup: async () => undefined };
});
