import type { Clock } from '../../ports/clock';
import type { LimitRule, LimitVerdict, RateLimiter } from '../../ports/rate-limiter';

interface Window {
  count: number;
  resetAt: number;
}

/**
 * Fixed windows that start at a key's first hit, like the Redis adapter's keys with a TTL.
 * Per process only: two instances each allow the full limit.
 */
export class MemoryRateLimiter implements RateLimiter {
  private readonly windows = new Map<string, Window>();
  private sweptAt = 0;

  /**
   * maxWindows bounds memory under a flood of made-up device ids: past it, the oldest windows are
   * forgotten (their keys may then pass again). Redis has no such bound; use it in production.
   */
  constructor(
    private readonly clock: Clock,
    private readonly maxWindows = 200_000,
  ) {}

  async peek(rule: LimitRule): Promise<LimitVerdict> {
    return this.check([rule], [windowId(rule)], this.clock.now().getTime());
  }

  async consume(rules: LimitRule[]): Promise<LimitVerdict> {
    const now = this.clock.now().getTime();
    this.sweep(now);
    const ids = rules.map(windowId);
    const verdict = this.check(rules, ids, now);
    if (!verdict.allowed) return verdict;
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i]!;
      const id = ids[i]!;
      const window = this.live(id, now);
      if (window) window.count++;
      else {
        if (this.windows.size >= this.maxWindows) this.evict(now);
        this.windows.set(id, { count: 1, resetAt: now + rule.windowSeconds * 1000 });
      }
    }
    return verdict;
  }

  async close(): Promise<void> {
    this.windows.clear();
  }

  private check(rules: LimitRule[], ids: string[], now: number): LimitVerdict {
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i]!;
      const window = this.live(ids[i]!, now);
      if (window && window.count >= rule.limit) {
        return { allowed: false, scope: rule.scope, retryAfterSeconds: Math.max(1, Math.ceil((window.resetAt - now) / 1000)) };
      }
      if (!window && rule.limit <= 0) return { allowed: false, scope: rule.scope, retryAfterSeconds: rule.windowSeconds };
    }
    return { allowed: true };
  }

  private live(id: string, now: number): Window | undefined {
    const window = this.windows.get(id);
    if (window && window.resetAt <= now) {
      this.windows.delete(id);
      return undefined;
    }
    return window;
  }

  private evict(now: number): void {
    this.sweptAt = now;
    for (const [id, window] of this.windows) if (window.resetAt <= now) this.windows.delete(id);
    // Still full: drop the oldest tenth (a Map iterates in insertion order).
    let excess = this.windows.size - Math.floor(this.maxWindows * 0.9);
    for (const id of this.windows.keys()) {
      if (excess-- <= 0) break;
      this.windows.delete(id);
    }
  }

  // Expired windows are dropped at most once a second, so memory stays bounded by live keys.
  private sweep(now: number): void {
    if (now - this.sweptAt < 1000) return;
    this.sweptAt = now;
    for (const [id, window] of this.windows) if (window.resetAt <= now) this.windows.delete(id);
  }
}

const windowId = (rule: LimitRule) => `${rule.scope}:${rule.key}`;
