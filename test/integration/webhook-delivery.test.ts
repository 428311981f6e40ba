import { createHmac } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import pino from 'pino';
import { NodeHttpWebhookSender } from '../../src/adapters/http-client/node-http-webhook-sender';
import { ManualClock } from '../../src/adapters/memory/system-clock';
import { MemoryWebhookStore } from '../../src/adapters/memory/memory-webhook-store';
import { openSqliteDatabase } from '../../src/adapters/sqlite/sqlite-database';
import { SqliteVerdictStore } from '../../src/adapters/sqlite/sqlite-verdict-store';
import { SqliteWebhookStore } from '../../src/adapters/sqlite/sqlite-webhook-store';
import { WebhookDelivery } from '../../src/app/webhook-delivery';
import type { WebhookStore } from '../../src/ports/webhook-store';
import { CapturedLog } from '../fixtures/harness';
import { tempSqlite } from '../fixtures/sqlite';
import { startReceiver } from '../fixtures/webhook-receiver';
import { T0, outboxEvent, releaseState, webhook } from '../fixtures/webhooks';

const allowPrivate = new NodeHttpWebhookSender({ allowPrivate: true });
// Generous timeouts: the receiver shares this process, which a busy machine may stall for seconds.
const worker = (store: WebhookStore, clock: ManualClock, sender = allowPrivate) => new WebhookDelivery({ store, sender, clock, random: () => 0, settings: { timeoutMs: 60_000 } });

describe('webhook delivery', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  afterEach(async () => {
    await receiver?.close();
  });

  it('when delivered, then the receiver gets the JSON, the event id and a signature an independent HMAC (openssl) accepts', async () => {
    receiver = await startReceiver([204]);
    const store = new MemoryWebhookStore();
    const clock = new ManualClock(T0);
    await store.createWebhook(webhook({ url: receiver.url }));
    await store.appendEvent(outboxEvent());
    expect(await worker(store, clock).runOnce()).toEqual({ dispatched: 1, attempted: 1, delivered: 1 });

    const [got] = receiver.received;
    expect(got!.headers['x-telltale-event-id']).toBe('evt-1');
    expect(JSON.parse(got!.body)).toEqual({ id: 'evt-1', type: 'group.new', app_id: 'app-1', created_at: T0.toISOString(), data: { group_hash: 'abc' } });
    const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(got!.headers['x-telltale-signature']))!;
    expect(Number(t)).toBe(T0.getTime() / 1000);
    const openssl = execFileSync('openssl', ['dgst', '-sha256', '-hmac', webhook().secret], { input: `${t}.${got!.body}` }).toString().trim().split(/\s+/).pop();
    expect(v1).toBe(openssl);
    // and a second, in-process implementation over the raw bytes
    expect(v1).toBe(createHmac('sha256', Buffer.from(webhook().secret)).update(Buffer.from(`${t}.`)).update(Buffer.from(got!.body)).digest('hex'));
  });

  it('when the receiver fails twice then succeeds, then the third attempt delivers after backoff and all three are listed', async () => {
    receiver = await startReceiver([500, 503, 200]);
    const store = new MemoryWebhookStore();
    const clock = new ManualClock(T0);
    const w = worker(store, clock);
    await store.createWebhook(webhook({ url: receiver.url }));
    await store.appendEvent(outboxEvent());

    expect(await w.runOnce()).toMatchObject({ attempted: 1, delivered: 0 });
    expect(await w.runOnce()).toMatchObject({ attempted: 0 });
    clock.advance(5_000);
    expect(await w.runOnce()).toMatchObject({ attempted: 1, delivered: 0 });
    clock.advance(9_999);
    expect(await w.runOnce()).toMatchObject({ attempted: 0 });
    clock.advance(1);
    expect(await w.runOnce()).toMatchObject({ attempted: 1, delivered: 1 });
    clock.advance(3_600_000);
    expect(await w.runOnce()).toMatchObject({ attempted: 0 });

    expect(receiver.received.map((r) => r.headers['x-telltale-event-id'])).toEqual(['evt-1', 'evt-1', 'evt-1']);
    const attempts = await store.listAttempts('app-1', 'wh-1', 10);
    expect(attempts.map((a) => [a.attempt, a.status, a.responseStatus])).toEqual([
      [3, 'delivered', 200],
      [2, 'failed', 503],
      [1, 'failed', 500],
    ]);
    expect(attempts[2]!.nextAttemptAt).toEqual(new Date(T0.getTime() + 5_000));
  });

  it('when the process dies between writing a verdict change and sending it, then a new process on the same SQLite file delivers it', async () => {
    receiver = await startReceiver([204]);
    const { db, dataDir, cleanup } = tempSqlite();
    try {
      await new SqliteWebhookStore(db).createWebhook(webhook({ url: receiver.url }));
      const event = outboxEvent({ id: 'evt-verdict', type: 'rollout.verdict_changed', payload: { from: 'watch', to: 'halt' } });
      await new SqliteVerdictStore(db).saveEvaluation(releaseState({ verdict: 'halt' }), [], [event]);
      db.close(); // the crash: nothing was sent

      const reopened = openSqliteDatabase(dataDir);
      try {
        expect(await worker(new SqliteWebhookStore(reopened), new ManualClock(T0)).runOnce()).toMatchObject({ delivered: 1 });
        expect(JSON.parse(receiver.received[0]!.body)).toMatchObject({ id: 'evt-verdict', type: 'rollout.verdict_changed', data: { from: 'watch', to: 'halt' } });
      } finally {
        reopened.close();
      }
    } finally {
      await cleanup();
    }
  });

  it('when the destination is loopback, private, link-local or metadata, then nothing is sent and the refusal is recorded', async () => {
    receiver = await startReceiver([204]);
    const guarded = new NodeHttpWebhookSender({ allowPrivate: false });
    const port = new URL(receiver.url).port;
    for (const url of [receiver.url, `http://localhost:${port}/hook`, `http://[::1]:${port}/`, `http://[::ffff:127.0.0.1]:${port}/`, 'http://169.254.169.254/latest/meta-data', 'http://10.0.0.1/', 'http://100.64.0.1/']) {
      expect(await guarded.post({ url, body: '{}', headers: {}, timeoutMs: 1000 })).toMatchObject({ kind: 'refused' });
    }
    const store = new MemoryWebhookStore();
    const clock = new ManualClock(T0);
    await store.createWebhook(webhook({ url: `http://localhost:${port}/hook` }));
    await store.appendEvent(outboxEvent());
    await worker(store, clock, guarded).runOnce();
    expect(receiver.received).toEqual([]);
    const [attempt] = await store.listAttempts('app-1', 'wh-1', 10);
    expect(attempt).toMatchObject({ status: 'failed', responseStatus: null });
    expect(attempt!.error).toMatch(/^refused: localhost resolves to (127\.0\.0\.1|::1), a loopback address$/);
  });

  it('when a refused destination is retried for hours, then the log says how to allow or delete the webhook once per webhook and hour', async () => {
    const store = new MemoryWebhookStore();
    const clock = new ManualClock(T0);
    const log = new CapturedLog();
    await store.createWebhook(webhook({ url: 'http://127.0.0.1:9/hook' }));
    await store.createWebhook(webhook({ id: 'wh-2', url: 'http://127.0.0.1:9/other' }));
    await store.appendEvent(outboxEvent({ createdAt: T0 }));
    const w = new WebhookDelivery({ store, sender: new NodeHttpWebhookSender({ allowPrivate: false }), clock, random: () => 0, logger: pino(log) });
    // Retries within seconds at first, then every half hour: 2 h 20 min of them, logged at about 0, 1 h 13 and 2 h 13.
    for (let minute = 0; minute <= 140; minute++) {
      await w.runOnce();
      clock.advance(60_000);
    }
    const lines = log.lines.map((line) => JSON.parse(line) as { webhookId: string; msg: string; refusedSinceLastLine: number });
    const attempts = (await store.listAttempts('app-1', 'wh-1', 100)).length;
    expect(attempts).toBeGreaterThan(6);
    expect(lines.map((l) => [l.webhookId, l.refusedSinceLastLine])).toEqual([
      ['wh-1', 0],
      ['wh-2', 0],
      ['wh-1', expect.any(Number)],
      ['wh-2', expect.any(Number)],
      ['wh-1', expect.any(Number)],
      ['wh-2', expect.any(Number)],
    ]);
    expect(lines.filter((l) => l.webhookId === 'wh-1').reduce((sum, l) => sum + 1 + l.refusedSinceLastLine, 0)).toBe(attempts);
    expect(lines[0]!.msg).toBe(
      'webhook delivery refused: 127.0.0.1 is a loopback address; to allow private and loopback destinations, set WEBHOOK_ALLOW_PRIVATE=true and restart; ' +
        'or delete the webhook: telltale webhooks delete --app app-1 --webhook wh-1 (or DELETE /apps/app-1/webhooks/wh-1). Logged once per webhook and hour.',
    );
  });

  it('when a delivery fails for another reason than its destination, then each failed attempt is logged as before', async () => {
    receiver = await startReceiver([500]);
    const store = new MemoryWebhookStore();
    const clock = new ManualClock(T0);
    const log = new CapturedLog();
    await store.createWebhook(webhook({ url: receiver.url }));
    await store.appendEvent(outboxEvent());
    const w = new WebhookDelivery({ store, sender: allowPrivate, clock, random: () => 0, logger: pino(log), settings: { timeoutMs: 60_000 } });
    await w.runOnce();
    clock.advance(10_000);
    await w.runOnce();
    expect(log.lines.map((line) => JSON.parse(line).msg)).toEqual(['webhook delivery failed', 'webhook delivery failed']);
  });

  it('when a name resolves to a public and a private address, then it is refused; when allowed, the socket goes to the checked address', async () => {
    receiver = await startReceiver([204]);
    const port = new URL(receiver.url).port;
    const mixed = new NodeHttpWebhookSender({ allowPrivate: false, resolve: async () => [{ address: '93.184.216.34', family: 4 }, { address: '127.0.0.1', family: 4 }] });
    expect(await mixed.post({ url: `http://hooks.test:${port}/`, body: '{}', headers: {}, timeoutMs: 1000 })).toMatchObject({ kind: 'refused' });
    const pinned = new NodeHttpWebhookSender({ allowPrivate: true, resolve: async () => [{ address: '127.0.0.1', family: 4 }] });
    expect(await pinned.post({ url: `http://hooks.test:${port}/`, body: '{}', headers: {}, timeoutMs: 60_000 })).toEqual({ kind: 'response', status: 204 });
    expect(receiver.received[0]!.headers.host).toBe(`hooks.test:${port}`);
  });

  it('when the receiver does not answer within the timeout, then the attempt fails as a timeout', async () => {
    receiver = await startReceiver([204]);
    receiver.server.removeAllListeners('request');
    receiver.server.on('request', () => undefined);
    const result = await allowPrivate.post({ url: receiver.url, body: '{}', headers: {}, timeoutMs: 200 });
    expect(result).toEqual({ kind: 'error', message: 'no answer within 200 ms' });
    receiver.server.closeAllConnections();
  });
});
