import { MemoryAppDirectory } from '../../src/adapters/memory/memory-app-directory';
import { appDirectoryContract } from './app-directory.contract';

appDirectoryContract('memory', async () => ({ directory: new MemoryAppDirectory(), cleanup: async () => undefined }));
