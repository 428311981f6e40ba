// The few error classes the service raises. Each carries a stable machine-readable `code`;
// the HTTP adapter maps the class to a status in one place (adapters/http/error-handler.ts).

export class ValidationError extends Error {
  constructor(message: string, readonly code = 'invalid_request', readonly details?: unknown) {
    super(message);
    this.name = 'ValidationError';
  }
}

/** A well-formed request whose body breaks the schema (422 on the logs route). */
export class SchemaViolationError extends Error {
  constructor(message: string, readonly paths: string[], readonly code = 'schema_violation') {
    super(message);
    this.name = 'SchemaViolationError';
  }
}

export class AuthenticationError extends Error {
  constructor(message: string, readonly code = 'unauthenticated') {
    super(message);
    this.name = 'AuthenticationError';
  }
}

export class ForbiddenError extends Error {
  constructor(message: string, readonly code = 'forbidden') {
    super(message);
    this.name = 'ForbiddenError';
  }
}

export class NotFoundError extends Error {
  constructor(message: string, readonly code = 'not_found') {
    super(message);
    this.name = 'NotFoundError';
  }
}

export class ConflictError extends Error {
  constructor(message: string, readonly code = 'conflict', readonly details?: unknown) {
    super(message);
    this.name = 'ConflictError';
  }
}

/** This deployment has the feature turned off (501), e.g. login when tokens come from an external issuer. */
export class NotSupportedError extends Error {
  constructor(message: string, readonly code = 'not_supported') {
    super(message);
    this.name = 'NotSupportedError';
  }
}

export class PayloadTooLargeError extends Error {
  constructor(message: string, readonly code = 'payload_too_large') {
    super(message);
    this.name = 'PayloadTooLargeError';
  }
}

export class UnsupportedMediaTypeError extends Error {
  constructor(message: string, readonly code = 'unsupported_media_type') {
    super(message);
    this.name = 'UnsupportedMediaTypeError';
  }
}

export class RateLimitedError extends Error {
  readonly code = 'rate_limited';
  constructor(readonly scope: string, readonly retryAfterSeconds: number) {
    super('rate limit exceeded');
    this.name = 'RateLimitedError';
  }
}

/** A dependency (repository, blob store) is down; the client may retry later. */
export class UnavailableError extends Error {
  readonly code = 'unavailable';
  constructor(message: string, readonly retryAfterSeconds = 5, override readonly cause?: unknown) {
    super(message);
    this.name = 'UnavailableError';
  }
}

/**
 * Writes fail for want of space (ENOSPC, a quota, SQLITE_FULL) on the disk the service writes its
 * data to. /readyz says so in words ("disk full"): unlike other causes, it names nothing internal.
 */
export class DiskFullError extends UnavailableError {
  constructor(cause?: unknown) {
    super('disk full', 30, cause);
    this.name = 'DiskFullError';
  }
}
