import pino from 'pino';
import { MemoryBlobStore } from '../../src/adapters/memory/memory-blob-store';
import { MemoryMetrics } from '../../src/adapters/memory/memory-metrics';
import { MemoryRateLimiter } from '../../src/adapters/memory/memory-rate-limiter';
import { ManualClock } from '../fixtures/clock';
import { randomHex } from '../../src/composition/compose';
import { loadConfig } from '../../src/composition/config';
import { ReportIngestion } from '../../src/app/report-ingestion';
import { localUrlSigner } from '../../src/domain/signed-url';
import type { AppDirectory } from '../../src/ports/app-directory';
import type { ReportRepository } from '../../src/ports/report-repository';
import { newDeviceId, newReportKey, reportBody } from '../fixtures/reports';

export interface Store {
  repository: ReportRepository;
  directory: AppDirectory;
  cleanup(): Promise<void>;
}

/** 1,000 concurrent ingests through the use case, on the given repository. */
export function ingestConcurrencySuite(adapterName: string, makeStore: () => Promise<Store>): void {
  describe(`concurrent ingestion on ${adapterName}`, () => {
    let store: Store;
    let ingestion: ReportIngestion;
    let key: string;
    let appId: string;

    beforeEach(async () => {
      store = await makeStore();
      const clock = new ManualClock();
      const settings = loadConfig({
        REPORTS_RATE_LIMIT_PER_KEY_PER_MINUTE: '1000000',
        REPORTS_RATE_LIMIT_PER_GROUP_PER_MINUTE: '1000000',
      }).reports;
      ingestion = new ReportIngestion({
        directory: store.directory,
        repository: store.repository,
        blobStore: new MemoryBlobStore(localUrlSigner('s', 'http://x', () => 0)),
        limiter: new MemoryRateLimiter(clock),
        clock,
        metrics: new MemoryMetrics(),
        logger: pino({ level: 'silent' }),
        randomHex,
        settings,
      });
      appId = randomHex(12);
      key = newReportKey();
      await store.directory.createApp({ id: appId, owner: 'o', name: 'my-app', reports: true, createdAt: clock.now(), updatedAt: clock.now() });
      await store.directory.setReportKey(appId, key, clock.now());
    });
    afterEach(() => store.cleanup());

    const ingestOne = async (body: unknown) => ingestion.ingest(await ingestion.authorize(`Bearer ${key}`, newDeviceId()), body);

    it('when 1,000 devices report one new group at once, then it is one group with count exactly 1,000', async () => {
      const results = await Promise.all(Array.from({ length: 1000 }, () => ingestOne(reportBody())));
      const page = await store.repository.listGroups({ appIds: [appId] }, 1, 100);
      expect(page.total).toBe(1);
      expect(page.items[0]!.stats.count).toBe(1000);
      expect(new Set(results.map((r) => r.groupHash)).size).toBe(1);
    });

    it('when 50 new groups are reported 20 times each, interleaved, then there are 50 groups of exactly 20', async () => {
      const bodies = Array.from({ length: 1000 }, (_, i) => reportBody({ event: { reason: `reason-${i % 50}` } }));
      await Promise.all(bodies.map(ingestOne));
      const page = await store.repository.listGroups({ appIds: [appId] }, 1, 100);
      expect(page.total).toBe(50);
      expect(page.items.map((g) => g.stats.count)).toEqual(Array(50).fill(20));
    });
  });
}
