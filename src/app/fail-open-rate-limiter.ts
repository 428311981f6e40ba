import type { Clock } from '../ports/clock';
import type { Logger } from '../ports/logger';
import type { Metrics } from '../ports/metrics';
import type { LimitRule, LimitVerdict, RateLimiter } from '../ports/rate-limiter';

/**
 * Rate limits are abuse control, not a trust boundary: when the store fails, the request is
 * allowed, the failure is counted, and the warning is logged at most once per interval so an
 * outage can't flood the log.
 */
export class FailOpenRateLimiter implements RateLimiter {
  private lastWarnAt = Number.NEGATIVE_INFINITY;
  private suppressed = 0;

  constructor(
    private readonly inner: RateLimiter,
    private readonly deps: { metrics: Metrics; logger: Logger; clock: Clock; warnIntervalMs?: number },
  ) {}

  peek(rule: LimitRule): Promise<LimitVerdict> {
    return this.guard('peek', () => this.inner.peek(rule));
  }

  consume(rules: LimitRule[]): Promise<LimitVerdict> {
    return this.guard('consume', () => this.inner.consume(rules));
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private async guard(op: string, run: () => Promise<LimitVerdict>): Promise<LimitVerdict> {
    try {
      return await run();
    } catch (error) {
      this.deps.metrics.increment('rate_limiter_errors_total', { op });
      const now = this.deps.clock.now().getTime();
      if (now - this.lastWarnAt >= (this.deps.warnIntervalMs ?? 10_000)) {
        this.deps.logger.warn(
          { err: { message: (error as Error).message }, suppressed: this.suppressed },
          'rate limiter store failed; allowing the request (fail-open)',
        );
        this.lastWarnAt = now;
        this.suppressed = 0;
      } else {
        this.suppressed++;
      }
      return { allowed: true };
    }
  }
}
