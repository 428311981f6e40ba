import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NodeHttpWebhookSender } from '../../src/adapters/http-client/node-http-webhook-sender';
import { MemoryWebhookStore } from '../../src/adapters/memory/memory-webhook-store';
import { systemClock } from '../../src/adapters/memory/system-clock';
import { WebhookDelivery } from '../../src/app/webhook-delivery';
import { eventually } from '../fixtures/wait';
import { outboxEvent, webhook } from '../fixtures/webhooks';

const ROOT = join(__dirname, '..', '..');
const SCRIPT = 'scripts/webhook-receiver.mjs';

describe('the receiver example in docs/webhooks-and-verdicts.md', () => {
  let child: ChildProcess;
  let output = '';
  afterEach(() => {
    child?.kill();
  });

  it('when the docs are read, then their receiver is exactly scripts/webhook-receiver.mjs', () => {
    const docs = readFileSync(join(ROOT, 'docs/webhooks-and-verdicts.md'), 'utf8');
    const block = /<!-- receiver: scripts\/webhook-receiver\.mjs -->\n```js\n([\s\S]*?)```/.exec(docs)?.[1];
    expect(block).toBe(readFileSync(join(ROOT, SCRIPT), 'utf8'));
  });

  it('when a real delivery reaches it, then it verifies the signature, and refuses one signed with another secret', async () => {
    child = spawn(process.execPath, [SCRIPT], { cwd: ROOT, env: { ...process.env, PORT: '0', WEBHOOK_SECRET: webhook().secret } });
    child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    const port = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`receiver did not start: ${output}`)), 60_000);
      child.stdout!.on('data', () => {
        const m = /listening on (\d+)/.exec(output);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
    });
    const store = new MemoryWebhookStore();
    await store.createWebhook(webhook({ url: `http://127.0.0.1:${port}/hook` }));
    await store.createWebhook(webhook({ id: 'wh-wrong', url: `http://127.0.0.1:${port}/hook`, secret: 'whsec_not_the_one' }));
    await store.appendEvent(outboxEvent({ createdAt: systemClock.now() }));
    const delivery = new WebhookDelivery({ store, sender: new NodeHttpWebhookSender({ allowPrivate: true }), clock: systemClock, random: () => 0, settings: { timeoutMs: 60_000 } });
    expect(await delivery.runOnce()).toMatchObject({ attempted: 2, delivered: 1 });
    expect((await store.listAttempts('app-1', 'wh-wrong', 1))[0]).toMatchObject({ status: 'failed', responseStatus: 401 });
    await eventually(() => output, (out) => /^verified evt-1 /m.test(out) && /^REJECTED evt-1 /m.test(out));
    expect(output).toMatch(/^verified evt-1 \{"id":"evt-1","type":"group.new"/m);
    expect(output).toMatch(/^REJECTED evt-1 /m);
  });
});
