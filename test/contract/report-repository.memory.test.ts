import { MemoryReportRepository } from '../../src/adapters/memory/memory-report-repository';
import { reportRepositoryContract } from './report-repository.contract';

reportRepositoryContract('memory', async () => ({ repo: new MemoryReportRepository(), cleanup: async () => undefined }));
