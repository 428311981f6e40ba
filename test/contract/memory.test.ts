import { MemoryAppDirectory } from '../../src/adapters/memory/memory-app-directory';
import { MemoryReportRepository } from '../../src/adapters/memory/memory-report-repository';
import { appDirectoryContract } from './app-directory.contract';
import { reportRepositoryContract } from './report-repository.contract';

const nothingToClean = async () => undefined;

reportRepositoryContract('memory', async () => ({ repo: new MemoryReportRepository(), cleanup: nothingToClean }));
appDirectoryContract('memory', async () => ({ directory: new MemoryAppDirectory(), cleanup: nothingToClean }));
