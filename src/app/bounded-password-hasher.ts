import { UnavailableError } from '../domain/errors';
import type { PasswordHash, PasswordHasher } from '../ports/password-hasher';

/**
 * At most `maxConcurrent` hashes at once, so sign-in attempts can't fill the thread pool that blob
 * writes, zlib and the readiness probe share. A sign-in over the bound is refused at once (503 with
 * Retry-After) rather than queued: a queue would only move the wait to every client behind it.
 * Hashing a new password (an admin creating or changing an account) waits for a slot instead.
 */
export class BoundedPasswordHasher implements PasswordHasher {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly inner: PasswordHasher,
    private readonly maxConcurrent: number,
  ) {
    if (!Number.isInteger(maxConcurrent) || maxConcurrent < 1) throw new Error('maxConcurrent must be a positive whole number');
  }

  get inFlight(): number {
    return this.running;
  }

  async hash(password: string): Promise<PasswordHash> {
    if (this.running >= this.maxConcurrent) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    return this.run(() => this.inner.hash(password));
  }

  async verify(password: string, hash: string, salt: string): Promise<boolean> {
    if (this.running >= this.maxConcurrent) throw new UnavailableError('too many sign-ins at once; retry shortly', 1);
    this.running++;
    return this.run(() => this.inner.verify(password, hash, salt));
  }

  /** A finished hash hands its slot straight to a waiting one, so `running` never dips between them. */
  private async run<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
