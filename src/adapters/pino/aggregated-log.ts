/** Writes one line standing for `count` occurrences; `sample` is the newest occurrence. */
export type AggregatedWrite<T> = (sample: T, count: number) => void;

export interface AggregatedLogOptions {
  /** At most one line per key per window. */
  windowMs?: number;
  /** Milliseconds; Date.now by default, a manual clock in tests. */
  now?: () => number;
  /**
   * Keys tracked at once; past it, new keys share one overflow key, so a flood of distinct keys
   * can't grow memory or the log.
   */
  maxKeys?: number;
  /** Flush on a timer (unref'd, so it never holds the process open). Tests flush by hand. */
  timer?: boolean;
}

interface Window<T> {
  startedAt: number;
  /** Occurrences since the key's last line. */
  pending: number;
  sample: T;
}

export const OVERFLOW_KEY = '(other)';

/**
 * Log aggregation for storms: the first occurrence of a key is written at once with count 1; the
 * ones after it in the same window are only counted, and written as one line with their count
 * when the window ends. A key that stays quiet for a whole window is forgotten, so the next
 * occurrence is again written at once. The counts of all lines of a key add up to its
 * occurrences; only the ones still pending at exit are lost, which is why metrics, not logs,
 * carry exact counts.
 */
export class AggregatedLog<T> {
  private readonly windows = new Map<string, Window<T>>();
  private readonly windowMs: number;
  private readonly now: () => number;
  private readonly maxKeys: number;
  private readonly useTimer: boolean;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly write: AggregatedWrite<T>, options: AggregatedLogOptions = {}) {
    this.windowMs = options.windowMs ?? 1000;
    this.now = options.now ?? Date.now;
    this.maxKeys = options.maxKeys ?? 1000;
    this.useTimer = options.timer ?? true;
  }

  record(key: string, sample: T): void {
    const now = this.now();
    if (!this.windows.has(key) && this.windows.size >= this.maxKeys) key = OVERFLOW_KEY;
    const window = this.windows.get(key);
    if (window === undefined) {
      this.windows.set(key, { startedAt: now, pending: 0, sample });
      this.write(sample, 1);
      this.startTimer();
      return;
    }
    window.pending++;
    window.sample = sample;
    // The timer may lag behind under load; the line is then written by the occurrence itself.
    if (now - window.startedAt >= this.windowMs) this.flushWindow(key, window, now);
  }

  /** Writes every window that has ended; forgets the keys that had nothing pending. */
  flush(): void {
    const now = this.now();
    for (const [key, window] of this.windows) if (now - window.startedAt >= this.windowMs) this.flushWindow(key, window, now);
    if (this.windows.size === 0) this.stopTimer();
  }

  /** Writes whatever is pending, ended or not, and stops the timer (at shutdown). */
  close(): void {
    for (const window of this.windows.values()) if (window.pending > 0) this.write(window.sample, window.pending);
    this.windows.clear();
    this.stopTimer();
  }

  /** Keys being tracked (for tests and bounds). */
  get size(): number {
    return this.windows.size;
  }

  private flushWindow(key: string, window: Window<T>, now: number): void {
    if (window.pending === 0) {
      this.windows.delete(key);
      return;
    }
    this.write(window.sample, window.pending);
    window.pending = 0;
    window.startedAt = now;
  }

  private startTimer(): void {
    if (!this.useTimer || this.timer !== null) return;
    // A quarter window: a pending line is written at most a quarter window late.
    this.timer = setInterval(() => this.flush(), Math.max(1, this.windowMs / 4));
    this.timer.unref();
  }

  private stopTimer(): void {
    if (this.timer === null) return;
    clearInterval(this.timer);
    this.timer = null;
  }
}
