import { MemoryBlobStore } from '../../src/adapters/memory/memory-blob-store';
import { blobStoreContract, contractUrlSigner } from './blob-store.contract';

blobStoreContract('memory', async () => ({ store: new MemoryBlobStore(contractUrlSigner()), cleanup: async () => undefined }));
