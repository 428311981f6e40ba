import { UnavailableError } from '../domain/errors';
import type { PasswordHash, PasswordHasher } from '../ports/password-hasher';

export interface HashBounds {
  /** Hashes running at once. */
  maxConcurrent: number;
  /** Sign-ins that may wait for a slot; past it they are refused at once. */
  maxWaiting: number;
  /** How long a sign-in may wait for a slot before it is refused, unless it is next in line. */
  maxWaitMs: number;
}

interface Waiter {
  rank: number;
  refusable: boolean;
  /** Waited maxWaitMs while next in line: refused as soon as another pushes it back. */
  expired: boolean;
  start(): void;
  refuse(): void;
}

/** Ahead of every sign-in: an admin hashing a new password. */
const NEW_PASSWORD_RANK = -1;

/**
 * At most `maxConcurrent` hashes at once, so sign-in attempts can't fill the thread pool that blob
 * writes, zlib and the readiness probe share, nor every core. A sign-in waits for a slot only in a
 * short queue and for a short time; past either it is refused (503 with Retry-After) rather than
 * queued without end, which would only move the wait onto every client behind it.
 *
 * The sign-ins next in line (one per slot) keep waiting past `maxWaitMs`, at most one hash more:
 * were they refused, a machine slower than that per hash would sign no one in.
 *
 * The queue is ordered by rank (lower first, then by arrival). When it is full, a newcomer of a
 * lower rank takes the place of the highest-ranked waiter, which is refused instead: a caller that
 * has tried little lately is not shut out by callers that retry without pause. Hashing a new
 * password (an admin creating or changing an account) always waits for a slot, ahead of sign-ins.
 */
export class BoundedPasswordHasher implements PasswordHasher {
  private running = 0;
  /** Sorted by rank, then by arrival. */
  private readonly waiting: Waiter[] = [];

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
    await this.slot(false, NEW_PASSWORD_RANK);
    return this.run(() => this.inner.hash(password));
  }

  async verify(password: string, hash: string, salt: string, rank = 0): Promise<boolean> {
    await this.slot(true, rank);
    return this.run(() => this.inner.verify(password, hash, salt));
  }

  private slot(refusable: boolean, rank: number): Promise<void> {
    if (this.running < this.bounds.maxConcurrent) {
      this.running++;
      return Promise.resolve();
    }
    const busy = () => new UnavailableError('too many sign-ins at once; retry shortly', 1);
    if (refusable && !this.makeRoomFor(rank)) return Promise.reject(busy());
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const waiter: Waiter = {
        rank,
        refusable,
        expired: false,
        start: () => (clearTimeout(timer), resolve()),
        refuse: () => (clearTimeout(timer), reject(busy())),
      };
      if (refusable) timer = setTimeout(() => this.expire(waiter), this.bounds.maxWaitMs);
      const after = this.waiting.findIndex((w) => w.rank > rank);
      const at = after === -1 ? this.waiting.length : after;
      this.waiting.splice(at, 0, waiter);
      // The waiter this one pushed out of the front, if its time was up, goes now.
      const pushedOut = this.waiting[this.bounds.maxConcurrent];
      if (at < this.bounds.maxConcurrent && pushedOut?.expired) {
        this.remove(pushedOut);
        pushedOut.refuse();
      }
    });
  }

  /** In front (served within one hash), it waits on; further back it is refused. */
  private expire(waiter: Waiter): void {
    if (this.waiting.indexOf(waiter) < this.bounds.maxConcurrent) {
      waiter.expired = true;
      return;
    }
    this.remove(waiter);
    waiter.refuse();
  }

  /** True when a sign-in of this rank may wait: there is room, or a higher-ranked waiter gives up its place. */
  private makeRoomFor(rank: number): boolean {
    let refusable = 0;
    let worst: Waiter | undefined;
    for (const waiter of this.waiting) {
      if (!waiter.refusable) continue;
      refusable++;
      worst = waiter;
    }
    if (refusable < this.bounds.maxWaiting) return true;
    if (worst === undefined || worst.rank <= rank) return false;
    this.remove(worst);
    worst.refuse();
    return true;
  }

  private remove(waiter: Waiter): void {
    const index = this.waiting.indexOf(waiter);
    if (index !== -1) this.waiting.splice(index, 1);
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
