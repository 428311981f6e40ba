import { DiskFullWatch } from '../adapters/fs/disk-full-watch';
import { observeSqliteDiskFull } from '../adapters/sqlite/sqlite-database';
import type { Closers } from './closers';
import type { Config } from './config';

/**
 * The /readyz check of the disk under DATA_DIR, when the database lives there (REPOSITORY_DRIVER=sqlite):
 * a full disk fails every report there, so the instance is not ready. Told of SQLITE_FULL, and of
 * ENOSPC from the fs blob store, it probes DATA_DIR: a full `DATA_DIR/blobs` on a disk of its own
 * leaves reports counted (details_error), and the instance ready. Null with any other repository.
 */
export function composeDiskWatch(config: Readonly<Config>, closers: Closers): DiskFullWatch | null {
  if (config.repository.driver !== 'sqlite') return null;
  const watch = new DiskFullWatch(config.dataDir);
  const stop = observeSqliteDiskFull(watch.observe);
  closers.add(async () => void stop());
  return watch;
}
