import { MemoryBlobStore } from '../../src/adapters/memory/memory-blob-store';
import { MemoryRateLimiter } from '../../src/adapters/memory/memory-rate-limiter';
import { blobStoreContract, contractUrlSigner } from './blob-store.contract';
import { rateLimiterContract } from './rate-limiter.contract';

blobStoreContract('memory', async () => ({ store: new MemoryBlobStore(contractUrlSigner()), cleanup: async () => undefined }));

rateLimiterContract('memory', async (clock) => {
  const limiter = new MemoryRateLimiter(clock);
  return { limiter, cleanup: () => limiter.close(), advance: async (ms) => clock.advance(ms) };
});
