import { LeasedTask } from '../app/leased-task';
import { RetentionSweeper } from '../app/retention-sweeper';
import type { BlobStore } from '../ports/blob-store';
import type { Clock } from '../ports/clock';
import type { Lease } from '../ports/lease';
import type { Logger } from '../ports/logger';
import type { ReportRepository } from '../ports/report-repository';
import type { Closers } from './closers';
import type { Config } from './config';

export interface Retention {
  sweeper: RetentionSweeper;
  /** Runs the sweeper on one instance of many; main.ts starts it. Null when REPORTS_SWEEP_INTERVAL_MS=0. */
  sweepTask: LeasedTask | null;
}

/** The sweep of expired detail blobs, under the lease so one instance of many runs it. */
export function composeRetention(
  config: Readonly<Config>,
  deps: { repository: ReportRepository; blobStore: BlobStore; expiresMetadataItself: boolean; clock: Clock; logger: Logger; lease: Lease; holder: string },
  closers: Closers,
): Retention {
  const { repository, blobStore, clock, logger, lease, holder } = deps;
  const intervalMs = config.reports.sweepIntervalMs;
  const sweeper = new RetentionSweeper({ repository, blobStore, clock, logger, lookaheadMs: deps.expiresMetadataItself ? intervalMs + 60_000 : 0 });
  closers.add(() => sweeper.stop());
  const sweepTask = intervalMs > 0 ? new LeasedTask({ lease, name: 'retention-sweep', holder, intervalMs, job: () => sweeper.sweepOnce(), clock, logger }) : null;
  // Stops before the sweeper's closer (closers run in reverse): waits for a running sweep, then releases.
  if (sweepTask) closers.add(() => sweepTask.stop());
  return { sweeper, sweepTask };
}
