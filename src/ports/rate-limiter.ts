export interface LimitRule {
  /** Named in the 429 body: which limit tripped. */
  scope: string;
  key: string;
  limit: number;
  windowSeconds: number;
}

export type LimitVerdict = { allowed: true } | { allowed: false; scope: string; retryAfterSeconds: number };

export interface RateLimiter {
  /** Would one more request pass `rule`? Spends nothing. */
  peek(rule: LimitRule): Promise<LimitVerdict>;
  /**
   * All or nothing, atomically: when every rule allows, spends one from each; otherwise spends
   * nothing and names the first rule that refused. A window's counter always carries a TTL.
   */
  consume(rules: LimitRule[]): Promise<LimitVerdict>;
  close(): Promise<void>;
}
