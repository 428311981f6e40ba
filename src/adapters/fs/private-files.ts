import { chmodSync, closeSync, mkdirSync, openSync, statSync } from 'node:fs';

// DATA_DIR holds password hashes, report keys, webhook secrets and signing secrets: only the
// service's own user may read it. What we create is created so; what an older version left
// behind is tightened when it is opened.

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Creates `dir` and any missing parent as 0700; an existing one is left as it is (see tighten). */
export function makePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
}

/** Creates `file` empty as 0600 unless it exists. */
export function touchPrivateFile(file: string): void {
  closeSync(openSync(file, 'a', PRIVATE_FILE_MODE));
}

export type Tightened = 'tightened' | 'already' | 'missing' | 'not_permitted';

/**
 * Takes group and other permissions off `path` (to 0700 or 0600). 'not_permitted' when the
 * path is not ours to change, e.g. a mounted volume owned by root: the caller decides whether
 * that is fatal.
 */
export function tighten(path: string, mode: number = PRIVATE_FILE_MODE): Tightened {
  let current: number;
  try {
    current = statSync(path).mode & 0o777;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw error;
  }
  if ((current & 0o077) === 0) return 'already';
  try {
    chmodSync(path, current & mode);
  } catch (error) {
    if (['EPERM', 'EACCES', 'EROFS'].includes((error as NodeJS.ErrnoException).code ?? '')) return 'not_permitted';
    throw error;
  }
  return 'tightened';
}
