import { gunzipSync } from 'node:zlib';

export interface DetailsLimits {
  maxCompressedBytes: number;
  maxDecompressedBytes: number;
}

export interface AcceptedDetails {
  ok: true;
  compressed: Buffer;
  decompressedSize: number;
  contentType: 'application/json';
  encoding: 'gzip+base64';
}

export interface RejectedDetails {
  ok: false;
  code: string;
  message: string;
}

export type DetailsVerdict = AcceptedDetails | RejectedDetails;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

const reject = (code: string, message: string): RejectedDetails => ({ ok: false, code, message });

/**
 * Decides whether a report's details may be stored. Every check that can refuse cheaply runs
 * before any allocation proportional to the input: the base64 length bounds the decoded size,
 * and the inflater stops at maxDecompressedBytes, so a gzip bomb never allocates past the cap.
 */
export function checkDetails(
  details: { encoding: string; content_type: string; payload: string },
  limits: DetailsLimits,
): DetailsVerdict {
  if (details.encoding !== 'gzip+base64') return reject('details_encoding_unsupported', 'details.encoding must be gzip+base64');
  if (details.content_type !== 'application/json') {
    return reject('details_content_type_unsupported', 'details.content_type must be application/json');
  }
  const payload = details.payload;
  const maxBase64Length = Math.ceil(limits.maxCompressedBytes / 3) * 4;
  if (payload.length > maxBase64Length) return reject('details_compressed_too_large', 'compressed details too large');
  if (payload.length === 0 || payload.length % 4 !== 0 || !BASE64.test(payload)) {
    return reject('details_invalid_base64', 'details.payload is not valid base64');
  }
  const compressed = Buffer.from(payload, 'base64');
  if (compressed.length > limits.maxCompressedBytes) return reject('details_compressed_too_large', 'compressed details too large');
  if (compressed.length < 18 || compressed[0] !== 0x1f || compressed[1] !== 0x8b) {
    return reject('details_invalid_gzip', 'details.payload is not a gzip stream');
  }
  let inflated: Buffer;
  try {
    inflated = gunzipSync(compressed, { maxOutputLength: limits.maxDecompressedBytes });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) {
      return reject('details_decompressed_too_large', 'decompressed details too large');
    }
    return reject('details_invalid_gzip', 'details.payload is not a valid gzip stream');
  }
  try {
    JSON.parse(inflated.toString('utf8'));
  } catch {
    return reject('details_invalid_json', 'decompressed details are not JSON');
  }
  return { ok: true, compressed, decompressedSize: inflated.length, contentType: 'application/json', encoding: 'gzip+base64' };
}
