import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { makePrivateDir, tighten } from '../adapters/fs/private-files';
import { join } from 'node:path';

export const randomHex = (bytes: number) => randomBytes(bytes).toString('hex');

/**
 * A secret the embedded default keeps under DATA_DIR, so signed URLs and tokens survive restarts
 * without any configuration. An explicitly configured value always wins.
 */
export function loadOrCreateSecret(dataDir: string, name: string): string {
  makePrivateDir(dataDir);
  const path = join(dataDir, `${name}.secret`);
  if (existsSync(path)) {
    tighten(path);
    return readFileSync(path, 'utf8').trim();
  }
  const secret = randomHex(32);
  writeFileSync(path, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
  return secret;
}
