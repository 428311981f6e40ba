import type { Clock } from '../ports/clock';

interface Counts {
  window: number;
  current: number;
  previous: number;
  /** Epoch ms before which this address was told not to come back (Retry-After of a shed sign-in). */
  notBefore: number;
}

/**
 * How hard each address has been signing in lately: its attempts over about the last minute, a
 * failure counting once more. It decides the order in which waiting sign-ins are hashed (fewest
 * first), not whether they may try: a person who retries as told stays ahead of a sprayer that
 * retries at once, and an account owner who signs in in a loop falls behind everyone else.
 * It also remembers the Retry-After each address was last given, so that coming back earlier can
 * be refused without a place in the queue.
 *
 * Kept in this process's memory only, never stored; at most `maxAddresses` are remembered, the
 * least recently seen forgotten first (a forgotten address starts again from nothing).
 */
export class SignInTally {
  private readonly counts = new Map<string, Counts>();

  constructor(
    private readonly clock: Clock,
    private readonly options: { windowMs: number; maxAddresses: number } = { windowMs: 60_000, maxAddresses: 10_000 },
  ) {}

  record(address: string): void {
    const window = this.windowOf();
    const counts = this.current(address, window) ?? { window, current: 0, previous: 0, notBefore: 0 };
    counts.current++;
    this.counts.delete(address);
    this.counts.set(address, counts);
    if (this.counts.size > this.options.maxAddresses) this.counts.delete(this.counts.keys().next().value!);
  }

  /**
   * The sliding estimate of a fixed-window counter: this window's count plus the previous
   * window's weighted by how much of it still lies within the last `windowMs`.
   */
  rank(address: string): number {
    const counts = this.current(address, this.windowOf());
    if (counts === undefined) return 0;
    const elapsed = (this.clock.now().getTime() % this.options.windowMs) / this.options.windowMs;
    return counts.current + counts.previous * (1 - elapsed);
  }

  /** The address was refused and told to come back in `retryAfterMs`. */
  refused(address: string, retryAfterMs: number): void {
    const counts = this.counts.get(address);
    if (counts !== undefined) counts.notBefore = this.clock.now().getTime() + retryAfterMs;
  }

  /** Is the address back before the Retry-After it was last given? */
  early(address: string): boolean {
    return this.clock.now().getTime() < (this.counts.get(address)?.notBefore ?? 0);
  }

  /** The address's counts moved on to `window`: the current count becomes the previous one. */
  private current(address: string, window: number): Counts | undefined {
    const counts = this.counts.get(address);
    if (counts === undefined || counts.window === window) return counts;
    counts.previous = counts.window === window - 1 ? counts.current : 0;
    counts.current = 0;
    counts.window = window;
    return counts;
  }

  private windowOf(): number {
    return Math.floor(this.clock.now().getTime() / this.options.windowMs);
  }
}
