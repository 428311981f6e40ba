import { blobKey, blobsBeyondLimit, expiresAt, isExpired } from '../../src/domain/retention';

describe('retention', () => {
  const createdAt = new Date('2026-03-04T23:59:59.000Z');

  it('expires a blob REPORTS_BLOB_RETENTION_DAYS after it was created', () => {
    expect(expiresAt(createdAt, 30).toISOString()).toBe('2026-04-03T23:59:59.000Z');
  });

  it('treats a blob as expired from its expiresAt instant on', () => {
    const blob = { expiresAt: expiresAt(createdAt, 1) };
    expect(isExpired(blob, new Date(blob.expiresAt.getTime() - 1))).toBe(false);
    expect(isExpired(blob, blob.expiresAt)).toBe(true);
  });

  it('builds keys as prefix/app/yyyy/mm/dd/groupHash-random.json.gz in UTC', () => {
    expect(blobKey('reports', 'app1', createdAt, 'ab'.repeat(32), '0123456789abcdef')).toBe(
      `reports/app1/2026/03/04/${'ab'.repeat(32)}-0123456789abcdef.json.gz`,
    );
  });

  it('refuses a random part that is not 16 hex characters', () => {
    expect(() => blobKey('reports', 'app1', createdAt, 'ab'.repeat(32), 'xyz')).toThrow();
  });

  it('keeps the newest N blobs of a group and returns the rest, oldest last', () => {
    const blobs = [3, 1, 4, 2, 5].map((d) => ({ id: `b${d}`, createdAt: new Date(Date.UTC(2026, 0, d)) }));
    expect(blobsBeyondLimit(blobs, 3).map((b) => b.id)).toEqual(['b2', 'b1']);
    expect(blobsBeyondLimit(blobs, 10)).toEqual([]);
    expect(blobsBeyondLimit(blobs, 0).map((b) => b.id)).toEqual(['b5', 'b4', 'b3', 'b2', 'b1']);
  });

  it('breaks createdAt ties by id, so every adapter trims the same blobs', () => {
    const at = new Date(0);
    const blobs = [{ id: 'a', createdAt: at }, { id: 'c', createdAt: at }, { id: 'b', createdAt: at }];
    expect(blobsBeyondLimit(blobs, 1).map((b) => b.id)).toEqual(['b', 'a']);
  });
});
