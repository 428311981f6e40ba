import type { BlobStore } from '../ports/blob-store';
import type { Clock } from '../ports/clock';
import type { Logger } from '../ports/logger';
import type { ReportRepository } from '../ports/report-repository';

export interface SweeperDeps {
  repository: ReportRepository;
  blobStore: BlobStore;
  clock: Clock;
  logger: Logger;
  /**
   * How far ahead of expiresAt to sweep. Where the repository removes expired metadata on its own
   * (MongoDB's TTL index), objects must go before their record does, or they would be orphaned:
   * so there the sweep reaches one interval (plus the TTL monitor's minute) into the future.
   */
  lookaheadMs: number;
  batchSize?: number;
}

/** Deletes expired detail blobs: the objects first, then their metadata, so no object is orphaned. */
export class RetentionSweeper {
  private running: Promise<number> | null = null;

  constructor(private readonly deps: SweeperDeps) {}

  async sweepOnce(): Promise<number> {
    if (this.running) return this.running;
    this.running = this.sweep().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Waits for a running sweep (its LeasedTask schedules it; see composition/retention.ts). */
  async stop(): Promise<void> {
    await this.running?.catch(() => undefined);
  }

  private async sweep(): Promise<number> {
    const horizon = new Date(this.deps.clock.now().getTime() + this.deps.lookaheadMs);
    const batchSize = this.deps.batchSize ?? 500;
    let deleted = 0;
    for (;;) {
      const batch = await this.deps.repository.blobsExpiringBy(horizon, batchSize);
      if (batch.length === 0) break;
      await this.deps.blobStore.delete(batch.map((b) => b.storage.key));
      await this.deps.repository.deleteBlobs(batch.map((b) => b.id));
      deleted += batch.length;
      if (batch.length < batchSize) break;
    }
    if (deleted > 0) this.deps.logger.info({ deleted }, 'retention sweep removed expired detail blobs');
    return deleted;
  }
}
