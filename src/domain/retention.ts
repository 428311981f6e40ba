const DAY_MS = 24 * 60 * 60 * 1000;

export function expiresAt(createdAt: Date, retentionDays: number): Date {
  return new Date(createdAt.getTime() + retentionDays * DAY_MS);
}

export function isExpired(blob: { expiresAt: Date }, now: Date): boolean {
  return blob.expiresAt.getTime() <= now.getTime();
}

const pad = (n: number) => String(n).padStart(2, '0');

/** `<prefix>/<app>/<yyyy>/<mm>/<dd>/<groupHash>-<16 random hex>.json.gz`, dated in UTC. */
export function blobKey(prefix: string, appId: string, createdAt: Date, groupHash: string, randomHex: string): string {
  if (!/^[0-9a-f]{16}$/.test(randomHex)) throw new Error('blobKey needs 16 lowercase hex characters');
  const date = `${createdAt.getUTCFullYear()}/${pad(createdAt.getUTCMonth() + 1)}/${pad(createdAt.getUTCDate())}`;
  return `${prefix}/${appId}/${date}/${groupHash}-${randomHex}.json.gz`;
}

/**
 * Which blobs fall outside the newest `keep` of a group. Ties on createdAt are broken by id,
 * so every adapter trims the same records.
 */
export function blobsBeyondLimit<T extends { id: string; createdAt: Date }>(blobs: readonly T[], keep: number): T[] {
  const newestFirst = [...blobs].sort(
    (a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0),
  );
  return newestFirst.slice(Math.max(0, keep));
}
