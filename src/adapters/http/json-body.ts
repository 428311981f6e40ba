import type { IncomingMessage } from 'node:http';
import { NotSupportedError, PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from '../../domain/errors';

const JSON_TYPE = /^application\/([a-z0-9.+-]*\+)?json\s*(;|$)/i;

/**
 * Reads a JSON body with a hard byte cap. A declared Content-Length over the cap is refused
 * without reading a byte; a chunked body stops being read the moment it passes the cap.
 */
export function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const type = req.headers['content-type'];
  if (type === undefined || !JSON_TYPE.test(type)) {
    return Promise.reject(new UnsupportedMediaTypeError('Content-Type must be application/json'));
  }
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') {
    return Promise.reject(new UnsupportedMediaTypeError('Content-Encoding is not supported'));
  }
  // Node's parser de-chunks but leaves any other coding (gzip, chunked) to us; we decode none, and
  // reading gzip bytes as JSON text would only hide the client's mistake (RFC 9112 §6.1: 501).
  const transfer = req.headers['transfer-encoding'];
  if (transfer !== undefined && transfer.split(',').some((coding) => coding.trim().toLowerCase() !== 'chunked')) {
    return Promise.reject(new NotSupportedError('Transfer-Encoding other than chunked is not supported', 'unsupported_transfer_encoding'));
  }
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    return Promise.reject(new PayloadTooLargeError(`body exceeds ${limit} bytes`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > limit) {
        cleanup();
        req.pause();
        reject(new PayloadTooLargeError(`body exceeds ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      const decoded = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks, received).toString('utf8');
      // RFC 8259 §8.1 lets a parser ignore a leading byte order mark; JSON.parse doesn't.
      const text = decoded.charCodeAt(0) === 0xfeff ? decoded.slice(1) : decoded;
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(new ValidationError('invalid JSON body', 'invalid_json'));
      }
    };
    const onError = (error: Error) => {
      cleanup();
      reject(new ValidationError(`request body could not be read: ${error.message}`, 'body_read_failed'));
    };
    const onAborted = () => onError(new Error('aborted'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}
