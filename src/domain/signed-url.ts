import { createHmac, timingSafeEqual } from 'node:crypto';

// Local blob stores (fs, memory) have no presigner of their own, so the service signs
// `key + expiry` with HMAC-SHA256 and serves the download route that checks both.

export function signBlobKey(secret: string, key: string, expiresEpochSeconds: number): string {
  return createHmac('sha256', secret).update(`${key}\n${expiresEpochSeconds}`).digest('hex');
}

export type SignatureVerdict = 'valid' | 'expired' | 'invalid';

export function verifyBlobSignature(
  secret: string,
  key: string,
  expiresEpochSeconds: number,
  signature: string,
  nowEpochSeconds: number,
): SignatureVerdict {
  if (!/^[0-9a-f]{64}$/.test(signature) || !Number.isSafeInteger(expiresEpochSeconds)) return 'invalid';
  const expected = Buffer.from(signBlobKey(secret, key, expiresEpochSeconds), 'hex');
  if (!timingSafeEqual(expected, Buffer.from(signature, 'hex'))) return 'invalid';
  return expiresEpochSeconds <= nowEpochSeconds ? 'expired' : 'valid';
}

export interface LocalUrlSigner {
  /** Builds `<baseUrl>/reports/blobs/download?key=…&expires=…&signature=…`. */
  url(key: string, ttlSeconds: number): string;
}

export function localUrlSigner(secret: string, baseUrl: string, nowEpochSeconds: () => number): LocalUrlSigner {
  return {
    url(key, ttlSeconds) {
      const expires = nowEpochSeconds() + ttlSeconds;
      const query = new URLSearchParams({ key, expires: String(expires), signature: signBlobKey(secret, key, expires) });
      return `${baseUrl.replace(/\/$/, '')}/reports/blobs/download?${query.toString()}`;
    },
  };
}
