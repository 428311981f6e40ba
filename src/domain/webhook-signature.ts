import { createHmac, timingSafeEqual } from 'node:crypto';

/** `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`, the X-Telltale-Signature header (Stripe's scheme). */
export function webhookSignature(secret: string, unixSeconds: number, rawBody: string): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${rawBody}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

/** True when `header` signs `rawBody` with `secret` and its t is within `toleranceSeconds` of `nowSeconds`. */
export function verifyWebhookSignature(secret: string, header: string, rawBody: string, nowSeconds: number, toleranceSeconds = 300): boolean {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  if (!match) return false;
  const t = Number(match[1]);
  if (Math.abs(nowSeconds - t) > toleranceSeconds) return false;
  const expected = Buffer.from(webhookSignature(secret, t, rawBody).slice(-64), 'hex');
  return timingSafeEqual(expected, Buffer.from(match[2]!, 'hex'));
}

export interface RetrySchedule {
  /** Delay after the first failure. */
  baseDelayMs: number;
  /** No single wait is longer. */
  maxDelayMs: number;
  /** No attempt is made later than this after the event was created. */
  giveUpAfterMs: number;
}

export const DEFAULT_RETRY_SCHEDULE: Readonly<RetrySchedule> = Object.freeze({ baseDelayMs: 10_000, maxDelayMs: 60 * 60_000, giveUpAfterMs: 24 * 60 * 60_000 });

/**
 * When to try again after failed attempt n (1-based): base·2^(n−1), capped, times a jitter factor
 * in [0.5, 1) from `random` in [0, 1) so receivers that came back are not hit in lockstep ("equal
 * jitter", AWS Architecture Blog, "Exponential Backoff and Jitter"). null once past giveUpAfterMs.
 */
export function nextAttemptAt(attempt: number, failedAt: number, eventCreatedAt: number, random: number, schedule: RetrySchedule = DEFAULT_RETRY_SCHEDULE): number | null {
  const exponential = Math.min(schedule.maxDelayMs, schedule.baseDelayMs * 2 ** Math.min(attempt - 1, 40));
  const next = failedAt + Math.round(exponential * (0.5 + random / 2));
  return next <= eventCreatedAt + schedule.giveUpAfterMs ? next : null;
}
