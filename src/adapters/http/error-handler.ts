import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import {
  AuthenticationError,
  ConflictError,
  DomainError,
  ForbiddenError,
  NotFoundError,
  NotSupportedError,
  PayloadTooLargeError,
  RateLimitedError,
  SchemaViolationError,
  UnavailableError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../../domain/errors';
import type { Logger } from '../../ports/logger';
import { AggregatedLog } from '../pino/aggregated-log';
import { JSON_HEADERS } from './json-headers';

/** The one place error classes become HTTP statuses. Bodies are always `{error, code, …}`. */
export function statusOf(error: unknown): number {
  if (error instanceof ValidationError) return 400;
  if (error instanceof AuthenticationError) return 401;
  if (error instanceof ForbiddenError) return 403;
  if (error instanceof NotFoundError) return 404;
  if (error instanceof ConflictError) return 409;
  if (error instanceof PayloadTooLargeError) return 413;
  if (error instanceof UnsupportedMediaTypeError) return 415;
  if (error instanceof SchemaViolationError) return 422;
  if (error instanceof RateLimitedError) return 429;
  if (error instanceof UnavailableError) return 503;
  if (error instanceof NotSupportedError) return 501;
  return 500;
}

/** `now` times the aggregation windows (milliseconds; the composition's clock, so tests can move it). */
export function errorHandler(logger: Logger, now: () => number = Date.now): ErrorRequestHandler {
  // A store that is down makes every request a 503: one line per second per cause, no stack,
  // with the number of requests it stands for.
  // `cause`, not `err`: pino's err serializer would add the stack back.
  const unavailable = new AggregatedLog<{ cause: object; msg: string }>((line, count) => logger.warn({ cause: line.cause, count }, line.msg), { now });
  return (raised, req, res, _next) => {
    const error = fromExpress(raised);
    const status = statusOf(error);
    // The request log's aggregation key and reason.
    res.locals.errorCode = status === 500 ? 'internal' : error instanceof DomainError ? error.code : String(status);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (status === 500) {
      logger.error({ err: serializeError(error), method: req.method, path: req.path }, 'unhandled error');
      res.status(500).set(JSON_HEADERS).json({ error: 'internal server error', code: 'internal' });
      return;
    }
    if (status === 503) {
      const cause = (error as UnavailableError).cause ?? error;
      const summary = cause instanceof Error ? { type: cause.name, message: cause.message } : { message: String(cause) };
      unavailable.record(`${(error as Error).message}|${summary.message}`, { cause: summary, msg: (error as Error).message });
    }
    sendError(res, error, status);
  };
}

/**
 * Writes the answer to a known error class (never a 500) directly, without res.json(): a storm of
 * refusals is answered about as cheaply as accepted reports. Sets the request log's reason.
 */
export function sendError(res: Response, error: unknown, status = statusOf(error)): void {
  const code = error instanceof DomainError ? error.code : String(status);
  res.locals.errorCode = code;
  const body: Record<string, unknown> = { error: (error as Error).message, code };
  const headers: Record<string, string | number> = { ...JSON_HEADERS };
  if ((error instanceof ValidationError || error instanceof ConflictError) && error.details !== undefined) body.details = error.details;
  if (error instanceof SchemaViolationError) body.paths = error.paths;
  if (error instanceof RateLimitedError) {
    body.scope = error.scope;
    body.retry_after = error.retryAfterSeconds;
    headers['Retry-After'] = String(error.retryAfterSeconds);
  }
  if (error instanceof UnavailableError) headers['Retry-After'] = String(error.retryAfterSeconds);
  // The rest of an oversized body is not read: close the connection instead of draining it.
  if (error instanceof PayloadTooLargeError) headers.Connection = 'close';
  const json = JSON.stringify(body);
  headers['Content-Length'] = Buffer.byteLength(json);
  res.writeHead(status, headers);
  res.end(json);
}

export const notFoundHandler: RequestHandler = (req, res) => {
  res.locals.errorCode = 'route_not_found';
  res.status(404).set(JSON_HEADERS).json({ error: `no route for ${req.method} ${req.path}`, code: 'route_not_found' });
};

/**
 * Express and its router raise their own errors for a malformed request, e.g. a path parameter
 * that is not valid percent-encoding, marked with a 4xx `status`. They are the client's fault,
 * so they become a ValidationError; their message, which echoes the raw input, is not sent.
 */
function fromExpress(error: unknown): unknown {
  const status = (error as { status?: unknown } | null)?.status;
  if (typeof status === 'number' && status >= 400 && status < 500 && statusOf(error) === 500) {
    return new ValidationError('malformed request', 'bad_request');
  }
  return error;
}

function serializeError(error: unknown): object {
  if (error instanceof Error) return { type: error.name, message: error.message, stack: error.stack };
  return { message: String(error) };
}
