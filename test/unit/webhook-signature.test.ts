import { execFileSync } from 'node:child_process';
import { DEFAULT_RETRY_SCHEDULE, nextAttemptAt, verifyWebhookSignature, webhookSignature } from '../../src/domain/webhook-signature';

describe('webhookSignature', () => {
  it('when signed, then openssl computes the same HMAC-SHA256 over "<t>.<body>"', () => {
    const body = '{"id":"evt_1","type":"group.new"}';
    const header = webhookSignature('whsec_test', 1717243200, body);
    const openssl = execFileSync('openssl', ['dgst', '-sha256', '-hmac', 'whsec_test'], { input: `1717243200.${body}` }).toString();
    expect(header).toBe(`t=1717243200,v1=${openssl.trim().split(/\s+/).pop()}`);
  });

  it('when the body, secret or time is off, then verification fails', () => {
    const header = webhookSignature('s', 1000, 'body');
    expect(verifyWebhookSignature('s', header, 'body', 1000)).toBe(true);
    expect(verifyWebhookSignature('s', header, 'body!', 1000)).toBe(false);
    expect(verifyWebhookSignature('t', header, 'body', 1000)).toBe(false);
    expect(verifyWebhookSignature('s', header, 'body', 1000 + 301)).toBe(false);
    expect(verifyWebhookSignature('s', 'garbage', 'body', 1000)).toBe(false);
  });
});

describe('nextAttemptAt', () => {
  it('when attempts fail, then waits double from 10 s with jitter in [0.5, 1), capped at 1 h', () => {
    expect(nextAttemptAt(1, 0, 0, 0)).toBe(5_000);
    expect(nextAttemptAt(1, 0, 0, 0.999999)).toBe(10_000);
    expect(nextAttemptAt(3, 0, 0, 0)).toBe(20_000);
    expect(nextAttemptAt(20, 0, 0, 0.5)).toBe(45 * 60_000);
  });

  it('when the next attempt would fall after 24 h from the event, then it gives up', () => {
    const day = DEFAULT_RETRY_SCHEDULE.giveUpAfterMs;
    expect(nextAttemptAt(30, day - 10_000, 0, 0)).toBeNull();
    expect(nextAttemptAt(1, day - 10_000, 0, 0)).toBe(day - 5_000);
  });
});
