import { MemoryAppDirectory } from '../../src/adapters/memory/memory-app-directory';
import { MemoryReportRepository } from '../../src/adapters/memory/memory-report-repository';
import { ingestConcurrencySuite } from '../contract/ingest-concurrency.contract';

ingestConcurrencySuite('memory', async () => ({
  repository: new MemoryReportRepository(),
  directory: new MemoryAppDirectory(),
  cleanup: async () => undefined,
}));
