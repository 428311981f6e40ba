import { gzipSync } from 'node:zlib';
import { checkDetails } from '../../src/domain/details-policy';
import { gzipDetails } from '../fixtures/reports';

const limits = { maxCompressedBytes: 131_072, maxDecompressedBytes: 1_048_576 };

describe('checkDetails', () => {
  it('accepts gzip+base64 JSON and keeps the compressed bytes to store', () => {
    const details = gzipDetails({ message: 'sha mismatch', stack: '...' });
    const verdict = checkDetails(details, limits);
    expect(verdict).toMatchObject({ ok: true, contentType: 'application/json', encoding: 'gzip+base64' });
    if (!verdict.ok) throw new Error('unreachable');
    expect(verdict.compressed.equals(Buffer.from(details.payload, 'base64'))).toBe(true);
    expect(verdict.decompressedSize).toBe(JSON.stringify({ message: 'sha mismatch', stack: '...' }).length);
  });

  it('refuses another encoding or content type', () => {
    expect(checkDetails({ ...gzipDetails({}), encoding: 'gzip' }, limits)).toMatchObject({ ok: false, code: 'details_encoding_unsupported' });
    expect(checkDetails({ ...gzipDetails({}), content_type: 'text/plain' }, limits)).toMatchObject({
      ok: false,
      code: 'details_content_type_unsupported',
    });
  });

  it('refuses an oversized base64 string by its length, before decoding it', () => {
    const huge = 'A'.repeat(Math.ceil(limits.maxCompressedBytes / 3) * 4 + 4);
    expect(checkDetails({ ...gzipDetails({}), payload: huge }, limits)).toMatchObject({ ok: false, code: 'details_compressed_too_large' });
  });

  it('accepts compressed details of exactly the limit and refuses one byte more', () => {
    const small = { maxCompressedBytes: 0, maxDecompressedBytes: 1_000_000 };
    const payload = gzipSync(Buffer.from(JSON.stringify({ a: 'x'.repeat(50) })));
    const exact = checkDetails({ ...gzipDetails({}), payload: payload.toString('base64') }, { ...small, maxCompressedBytes: payload.length });
    expect(exact.ok).toBe(true);
    const over = checkDetails({ ...gzipDetails({}), payload: payload.toString('base64') }, { ...small, maxCompressedBytes: payload.length - 1 });
    expect(over).toMatchObject({ ok: false, code: 'details_compressed_too_large' });
  });

  it('refuses base64 that is malformed', () => {
    expect(checkDetails({ ...gzipDetails({}), payload: 'not base64!' }, limits)).toMatchObject({ ok: false, code: 'details_invalid_base64' });
    expect(checkDetails({ ...gzipDetails({}), payload: '' }, limits)).toMatchObject({ ok: false, code: 'details_invalid_base64' });
  });

  it('refuses bytes that are not gzip, and a truncated gzip stream', () => {
    const plain = Buffer.from(JSON.stringify({ hello: 'world, this is not compressed' })).toString('base64');
    expect(checkDetails({ ...gzipDetails({}), payload: plain }, limits)).toMatchObject({ ok: false, code: 'details_invalid_gzip' });
    const gz = gzipSync(Buffer.from(JSON.stringify({ a: 'b'.repeat(1000) })));
    const truncated = gz.subarray(0, gz.length - 10);
    const b64 = truncated.toString('base64');
    const padded = b64 + '='.repeat((4 - (b64.length % 4)) % 4);
    expect(checkDetails({ ...gzipDetails({}), payload: padded }, limits)).toMatchObject({ ok: false, code: 'details_invalid_gzip' });
  });

  it('refuses gzip whose content is not JSON', () => {
    const payload = gzipSync(Buffer.from('this is not json')).toString('base64');
    expect(checkDetails({ ...gzipDetails({}), payload }, limits)).toMatchObject({ ok: false, code: 'details_invalid_json' });
  });

  it('stops a gzip bomb at the decompressed cap without inflating it all', () => {
    // 64 MiB of zeros compresses to ~64 KiB: under the compressed cap, far over the inflated one.
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 });
    expect(bomb.length).toBeLessThan(limits.maxCompressedBytes);
    const before = process.memoryUsage().arrayBuffers;
    const verdict = checkDetails({ ...gzipDetails({}), payload: bomb.toString('base64') }, limits);
    expect(verdict).toMatchObject({ ok: false, code: 'details_decompressed_too_large' });
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 * 1024 * 1024);
  });

  it('accepts decompressed details of exactly the cap and refuses one byte more', () => {
    const json = JSON.stringify({ a: 'x'.repeat(1000) });
    const payload = gzipSync(Buffer.from(json)).toString('base64');
    expect(checkDetails({ ...gzipDetails({}), payload }, { maxCompressedBytes: 10_000, maxDecompressedBytes: json.length }).ok).toBe(true);
    expect(checkDetails({ ...gzipDetails({}), payload }, { maxCompressedBytes: 10_000, maxDecompressedBytes: json.length - 1 })).toMatchObject({
      ok: false,
      code: 'details_decompressed_too_large',
    });
  });
});
