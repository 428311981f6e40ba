export interface LimitRule {
  /** Named in the 429 body: which limit tripped. */
  scope: string;
  key: string;
  /**
   * Rules with the same partition are stored together (one Redis Cluster slot), so one atomic
   * call can check them all: every rule of one `consume` call must carry the same partition
   * (report ingestion uses the app id). Unset means the rule's own scope and key, which suits a
   * call with a single rule. It only places counters: `scope` and `key` still identify them.
   */
  partition?: string;
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
   * The rules must share one partition (see LimitRule.partition); shared stores refuse a mix.
   */
  consume(rules: LimitRule[]): Promise<LimitVerdict>;
  close(): Promise<void>;
}
