import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, chmod, mkdir, open, readdir, readFile, rename, rm, rmdir, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { ValidationError } from '../../domain/errors';
import type { LocalUrlSigner } from '../../domain/signed-url';
import type { BlobStore } from '../../ports/blob-store';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from './private-files';

const TMP_DIR = '.tmp';

/**
 * Objects as files under `<dataDir>/blobs`, the key's `/` segments as directories. Writes go to
 * a temp file in `.tmp` and are renamed into place, so a reader never sees half an object.
 * Segments may not start with '.', which rules out `..`, `.` and the temp directory at once.
 */
export class FsBlobStore implements BlobStore {
  readonly driver = 'fs';
  private readonly root: string;

  /** `onWriteError` hears every failed put, e.g. a DiskFullWatch told of ENOSPC. */
  constructor(dataDir: string, private readonly signer: LocalUrlSigner, private readonly onWriteError?: (error: unknown) => void) {
    this.root = resolve(dataDir, 'blobs');
  }

  /** The content type and encoding live in the blob's record; a file keeps only the bytes. */
  async put(key: string, body: Buffer, _meta?: { contentType: string; contentEncoding?: string }): Promise<void> {
    const path = this.pathOf(key);
    const tmpDir = join(this.root, TMP_DIR);
    await mkdir(tmpDir, { recursive: true, mode: PRIVATE_DIR_MODE });
    const tmp = join(tmpDir, `${randomBytes(8).toString('hex')}.part`);
    // Any failure (disk full while writing, fsync, close, rename) removes the temp file: a failed
    // write must not leave partial report details behind, outside retention's reach.
    try {
      const file = await open(tmp, 'wx', PRIVATE_FILE_MODE);
      try {
        await file.writeFile(body);
        await file.sync();
      } finally {
        await file.close();
      }
      await this.moveIntoPlace(tmp, path);
    } catch (error) {
      await rm(tmp, { force: true }).catch(() => undefined);
      this.onWriteError?.(error);
      throw error;
    }
  }

  /**
   * Removes temp files a crash left behind. Only those untouched for `olderThanMs`, so a write in
   * flight in another process on the same DATA_DIR (say, during a restart) keeps its file.
   * Returns how many were removed.
   */
  async clearLeftovers(now: Date, olderThanMs = 60_000): Promise<number> {
    const tmpDir = join(this.root, TMP_DIR);
    let names: string[];
    try {
      names = await readdir(tmpDir);
    } catch (error) {
      if (isMissing(error)) return 0;
      throw error;
    }
    let removed = 0;
    for (const name of names) {
      const path = join(tmpDir, name);
      const info = await stat(path).catch(() => null);
      if (info === null || !info.isFile() || now.getTime() - info.mtimeMs < olderThanMs) continue;
      await rm(path, { force: true });
      removed++;
    }
    return removed;
  }

  /**
   * Makes every folder 0700 and every file 0600 under the root, as they are created now, when
   * the root is not so already (a store an older version wrote). The root goes last: it marks the
   * walk done. Returns how many entries were changed.
   */
  async tightenModes(): Promise<number> {
    const root = await stat(this.root).catch(() => null);
    if (root === null || (root.mode & 0o077) === 0) return 0;
    const changed = await this.tightenUnder(this.root);
    await chmod(this.root, PRIVATE_DIR_MODE);
    return changed + 1;
  }

  private async tightenUnder(dir: string): Promise<number> {
    let changed = 0;
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        changed += await this.tightenUnder(path);
        await chmod(path, PRIVATE_DIR_MODE);
        changed++;
      } else if (entry.isFile()) {
        await chmod(path, PRIVATE_FILE_MODE);
        changed++;
      }
    }
    return changed;
  }

  async get(key: string): Promise<Buffer | null> {
    try {
      return await readFile(this.pathOf(key));
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  async delete(keys: string[]): Promise<void> {
    for (const key of keys) {
      const path = this.pathOf(key);
      try {
        await unlink(path);
      } catch (error) {
        if (!isMissing(error)) throw error;
        continue;
      }
      await this.pruneEmptyDirs(dirname(path));
    }
  }

  async list(prefix: string): Promise<string[]> {
    // Walk only the deepest directory the prefix fully names; the rest of the prefix filters names.
    const cut = prefix.lastIndexOf('/');
    const dirKey = cut === -1 ? '' : prefix.slice(0, cut);
    const start = dirKey === '' ? this.root : this.pathOf(dirKey);
    const keys: string[] = [];
    await this.walk(start, dirKey === '' ? '' : `${dirKey}/`, prefix, keys);
    return keys.sort();
  }

  async signedUrl(key: string, ttlSeconds: number): Promise<string> {
    this.pathOf(key);
    return this.signer.url(key, ttlSeconds);
  }

  async ping(): Promise<void> {
    await mkdir(this.root, { recursive: true, mode: PRIVATE_DIR_MODE });
    await access(this.root, constants.R_OK | constants.W_OK);
  }

  async close(): Promise<void> {}

  private pathOf(key: string): string {
    const segments = key.split('/');
    const valid =
      key.length > 0 &&
      key.length <= 1024 &&
      !/[\\\0]/.test(key) &&
      segments.every((s) => s.length > 0 && s.length <= 255 && !s.startsWith('.'));
    const path = resolve(this.root, ...segments);
    if (!valid || !path.startsWith(this.root + sep)) throw new ValidationError(`invalid blob key "${key.slice(0, 80)}"`, 'invalid_blob_key');
    return path;
  }

  private async walk(dir: string, keyPrefix: string, filter: string, out: string[]): Promise<void> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (isMissing(error)) return;
      throw error;
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const key = `${keyPrefix}${entry.name}`;
      if (entry.isDirectory()) {
        if (key.startsWith(filter) || filter.startsWith(`${key}/`)) await this.walk(join(dir, entry.name), `${key}/`, filter, out);
      } else if (entry.isFile() && key.startsWith(filter)) {
        out.push(key);
      }
    }
  }

  // A concurrent delete may prune the directory between mkdir and rename; then make it again.
  private async moveIntoPlace(tmp: string, path: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      await mkdir(dirname(path), { recursive: true, mode: PRIVATE_DIR_MODE });
      try {
        return await rename(tmp, path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 3) throw error;
      }
    }
  }

  // Date-partitioned keys would otherwise leave a trail of empty directories behind retention.
  private async pruneEmptyDirs(dir: string): Promise<void> {
    while (dir.startsWith(this.root + sep)) {
      try {
        await rmdir(dir);
      } catch {
        return;
      }
      dir = dirname(dir);
    }
  }
}

const isMissing = (error: unknown) => ['ENOENT', 'ENOTDIR'].includes((error as NodeJS.ErrnoException).code ?? '');
