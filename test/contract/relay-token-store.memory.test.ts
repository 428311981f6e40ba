import { MemoryRelayTokenStore } from '../../src/adapters/memory/memory-relay-token-store';
import { relayTokenStoreContract } from './relay-token-store.contract';

relayTokenStoreContract('memory', async () => ({ store: new MemoryRelayTokenStore(), cleanup: async () => undefined }));
