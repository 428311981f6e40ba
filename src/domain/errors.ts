// The few error classes the service raises. Each carries a stable machine-readable `code`;
// the HTTP adapter maps the class to a status in one place (adapters/http/error-handler.ts).

/** What every error raised on purpose has: its class's name, and a code (the class's default unless the thrower names one). */
export abstract class DomainError extends Error {
  static readonly defaultCode: string;
  readonly code: string;

  constructor(message: string, code?: string) {
    super(message);
    this.name = new.target.name;
    this.code = code ?? (new.target as typeof DomainError).defaultCode;
  }
}

export class ValidationError extends DomainError {
  static override readonly defaultCode = 'invalid_request';
  constructor(message: string, code?: string, readonly details?: unknown) {
    super(message, code);
  }
}

/** A well-formed request whose body breaks the schema (422 on the logs route). */
export class SchemaViolationError extends DomainError {
  static override readonly defaultCode = 'schema_violation';
  constructor(message: string, readonly paths: string[], code?: string) {
    super(message, code);
  }
}

export class AuthenticationError extends DomainError {
  static override readonly defaultCode = 'unauthenticated';
}

export class ForbiddenError extends DomainError {
  static override readonly defaultCode = 'forbidden';
}

export class NotFoundError extends DomainError {
  static override readonly defaultCode = 'not_found';
}

export class ConflictError extends DomainError {
  static override readonly defaultCode = 'conflict';
  constructor(message: string, code?: string, readonly details?: unknown) {
    super(message, code);
  }
}

/** This deployment has the feature turned off (501), e.g. login when tokens come from an external issuer. */
export class NotSupportedError extends DomainError {
  static override readonly defaultCode = 'not_supported';
}

export class PayloadTooLargeError extends DomainError {
  static override readonly defaultCode = 'payload_too_large';
}

export class UnsupportedMediaTypeError extends DomainError {
  static override readonly defaultCode = 'unsupported_media_type';
}

export class RateLimitedError extends DomainError {
  static override readonly defaultCode = 'rate_limited';
  constructor(readonly scope: string, readonly retryAfterSeconds: number) {
    super('rate limit exceeded');
  }
}

/** A dependency (repository, blob store) is down; the client may retry later. */
export class UnavailableError extends DomainError {
  static override readonly defaultCode: string = 'unavailable';
  constructor(message: string, readonly retryAfterSeconds = 5, override readonly cause?: unknown) {
    super(message);
  }
}

/**
 * Writes fail for want of space (ENOSPC, a quota, SQLITE_FULL) on the disk the service writes its
 * data to. /readyz says so in words ("disk full"): unlike other causes, it names nothing internal.
 */
export class DiskFullError extends UnavailableError {
  static override readonly defaultCode = 'disk_full';
  constructor(cause?: unknown) {
    super('disk full', 30, cause);
  }
}
