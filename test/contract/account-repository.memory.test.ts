import { MemoryAccountRepository } from '../../src/adapters/memory/memory-account-repository';
import { accountRepositoryContract } from './account-repository.contract';

accountRepositoryContract('memory', async () => ({ repo: new MemoryAccountRepository(), cleanup: async () => undefined }));
