import pino from 'pino';
import { MemoryBlobStore } from '../../src/adapters/memory/memory-blob-store';
import { MemoryReportRepository } from '../../src/adapters/memory/memory-report-repository';
import { ManualClock } from '../fixtures/clock';
import { RetentionSweeper } from '../../src/app/retention-sweeper';
import type { BlobRecord } from '../../src/domain/report';
import { expiresAt } from '../../src/domain/retention';
import { localUrlSigner } from '../../src/domain/signed-url';
import { reportBody } from '../fixtures/reports';

const DAY = 24 * 3600 * 1000;

async function seed(repo: MemoryReportRepository, store: MemoryBlobStore, createdAt: Date, n: number, tag: string) {
  for (let i = 0; i < n; i++) {
    const key = `reports/app/${tag}-${i}.json.gz`;
    const record: BlobRecord = {
      id: `${tag}-${i}`,
      appId: 'app',
      groupHash: 'a'.repeat(64),
      ...reportBody(),
      storage: { driver: 'memory', key, compressedSize: 1, decompressedSize: 1, contentType: 'application/json', encoding: 'gzip+base64' },
      createdAt,
      expiresAt: expiresAt(createdAt, 30),
    };
    await store.put(key, Buffer.from('x'));
    await repo.insertBlob(record);
  }
}

describe('RetentionSweeper', () => {
  const setup = (lookaheadMs = 0) => {
    const clock = new ManualClock(new Date('2026-03-01T00:00:00Z'));
    const repository = new MemoryReportRepository();
    const blobStore = new MemoryBlobStore(localUrlSigner('s', 'http://x', () => 0));
    const sweeper = new RetentionSweeper({ repository, blobStore, clock, logger: pino({ level: 'silent' }), lookaheadMs, batchSize: 7 });
    return { clock, repository, blobStore, sweeper };
  };

  it('when blobs are past their retention, then their objects and metadata are deleted, and the rest stay', async () => {
    const { clock, repository, blobStore, sweeper } = setup();
    await seed(repository, blobStore, new Date(clock.now().getTime() - 31 * DAY), 20, 'old');
    await seed(repository, blobStore, new Date(clock.now().getTime() - 29 * DAY), 3, 'young');
    expect(await sweeper.sweepOnce()).toBe(20);
    expect(await blobStore.list('reports/')).toEqual(['reports/app/young-0.json.gz', 'reports/app/young-1.json.gz', 'reports/app/young-2.json.gz']);
    expect((await repository.listBlobs('app', 'a'.repeat(64))).map((b) => b.id).sort()).toEqual(['young-0', 'young-1', 'young-2']);
  });

  it('when the repository expires metadata by itself, then objects about to expire are deleted ahead of it', async () => {
    const { clock, repository, blobStore, sweeper } = setup(2 * DAY);
    await seed(repository, blobStore, new Date(clock.now().getTime() - 29 * DAY), 2, 'soon');
    expect(await sweeper.sweepOnce()).toBe(2);
    expect(await blobStore.list('reports/')).toEqual([]);
  });

  it('when deleting objects fails, then the metadata stays, so the next sweep retries and nothing is orphaned', async () => {
    const { clock, repository, blobStore, sweeper } = setup();
    await seed(repository, blobStore, new Date(clock.now().getTime() - 40 * DAY), 2, 'old');
    const del = blobStore.delete.bind(blobStore);
    blobStore.delete = async () => {
      throw new Error('S3 down');
    };
    await expect(sweeper.sweepOnce()).rejects.toThrow('S3 down');
    expect(await repository.blobsExpiringBy(clock.now(), 10)).toHaveLength(2);
    blobStore.delete = del;
    expect(await sweeper.sweepOnce()).toBe(2);
  });
});
