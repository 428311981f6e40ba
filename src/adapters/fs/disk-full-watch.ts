import { randomBytes } from 'node:crypto';
import { open, statfs, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { DiskFullError } from '../../domain/errors';
import { PRIVATE_FILE_MODE } from './private-files';

const DISK_FULL_CODES = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL']);

/** An error, or one of its causes, that says the disk (or the user's quota) is full. */
export function isDiskFull(error: unknown): boolean {
  for (let depth = 0; depth < 5 && typeof error === 'object' && error !== null; depth++) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && DISK_FULL_CODES.has(code)) return true;
    error = (error as { cause?: unknown }).cause;
  }
  return false;
}

export interface DiskFullWatchOptions {
  /** The probe's size: room for a few report writes (a details blob is at most 128 KiB compressed). */
  probeBytes?: number;
  /** Below this much free space, every check probes even when no write has failed yet. */
  lowSpaceBytes?: number;
}

/**
 * Whether writes under `dir` fail for want of space. Told of failed writes (`observe`: ENOSPC from
 * the blob store, SQLITE_FULL from the database), or seeing little free space itself, it confirms
 * with a probe: a write of `probeBytes`, flushed, then removed. While probes fail, `check` throws
 * DiskFullError; the first that succeeds clears it, so readiness recovers without a restart once
 * space is freed. Free space alone never fails it: root may write into reserved blocks, so only a
 * write that fails counts.
 */
export class DiskFullWatch {
  private suspected = false;
  private probing: Promise<void> | null = null;
  private readonly probeBytes: number;
  private readonly lowSpaceBytes: number;

  constructor(private readonly dir: string, options: DiskFullWatchOptions = {}) {
    this.probeBytes = options.probeBytes ?? 64 * 1024;
    this.lowSpaceBytes = options.lowSpaceBytes ?? 8 * 1024 * 1024;
  }

  readonly observe = (error: unknown): void => {
    if (isDiskFull(error)) this.suspected = true;
  };

  async check(): Promise<void> {
    if (!this.suspected && !(await this.lowOnSpace())) return;
    // One probe at a time: concurrent readiness checks share it.
    this.probing ??= this.probe().finally(() => (this.probing = null));
    await this.probing;
  }

  private async lowOnSpace(): Promise<boolean> {
    const space = await statfs(this.dir);
    return space.bavail * space.bsize < this.lowSpaceBytes || (space.files > 0 && space.ffree === 0);
  }

  private async probe(): Promise<void> {
    // Named per process: the CLI may probe the same DATA_DIR. Random bytes, so that a compressing
    // filesystem can't store the probe in less than it takes.
    const path = join(this.dir, `.disk-probe-${process.pid}`);
    try {
      const file = await open(path, 'w', PRIVATE_FILE_MODE);
      try {
        await file.writeFile(randomBytes(this.probeBytes));
        await file.sync();
      } finally {
        await file.close();
      }
      this.suspected = false;
    } catch (error) {
      if (!isDiskFull(error)) throw error;
      this.suspected = true;
      throw new DiskFullError(error);
    } finally {
      await unlink(path).catch(() => undefined);
    }
  }
}
