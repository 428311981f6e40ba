import { UnavailableError } from '../domain/errors';
import type { PasswordHash, PasswordHasher } from '../ports/password-hasher';

export interface HashBounds {
  /** Hashes running at once. */
  maxConcurrent: number;
  /** Sign-ins that may wait for a slot; past it they are refused at once. */
  maxWaiting: number;
  /** How long a sign-in may wait for a slot before it is refused. */
  maxWaitMs: number;
}

/**
 * At most `maxConcurrent` hashes at once, so sign-in attempts can't fill the thread pool that blob
 * writes, zlib and the readiness probe share, nor every core. A sign-in waits for a slot only in a
 * short queue and for a short time; past either it is refused (503 with Retry-After) rather than
 * queued without end, which would only move the wait onto every client behind it. Hashing a new
 * password (an admin creating or changing an account) always waits for a slot.
 */
export class BoundedPasswordHasher implements PasswordHasher {
  private running = 0;
  private readonly waiting: Array<{ start: () => void; refusable: boolean }> = [];

  constructor(
    private readonly inner: PasswordHasher,
    private readonly bounds: HashBounds,
  ) {
    if (!Number.isInteger(bounds.maxConcurrent) || bounds.maxConcurrent < 1) throw new Error('maxConcurrent must be a positive whole number');
  }

  get inFlight(): number {
    return this.running;
  }

  async hash(password: string): Promise<PasswordHash> {
    await this.slot(false);
    return this.run(() => this.inner.hash(password));
  }

  async verify(password: string, hash: string, salt: string): Promise<boolean> {
    await this.slot(true);
    return this.run(() => this.inner.verify(password, hash, salt));
  }

  private slot(refusable: boolean): Promise<void> {
    if (this.running < this.bounds.maxConcurrent) {
      this.running++;
      return Promise.resolve();
    }
    const busy = () => new UnavailableError('too many sign-ins at once; retry shortly', 1);
    if (refusable && this.waiting.filter((w) => w.refusable).length >= this.bounds.maxWaiting) return Promise.reject(busy());
    return new Promise((resolve, reject) => {
      const entry = { start: () => (clearTimeout(timer), resolve()), refusable };
      const timer = refusable
        ? setTimeout(() => {
            this.waiting.splice(this.waiting.indexOf(entry), 1);
            reject(busy());
          }, this.bounds.maxWaitMs)
        : undefined;
      this.waiting.push(entry);
    });
  }

  /** A finished hash hands its slot straight to the next in line, so `running` never dips between them. */
  private async run<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next.start();
      else this.running--;
    }
  }
}
