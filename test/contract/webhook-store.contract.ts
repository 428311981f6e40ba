import type { VerdictStore } from '../../src/ports/verdict-store';
import type { WebhookStore } from '../../src/ports/webhook-store';
import { T0, at, historyEntry, outboxEvent, releaseState, webhook } from '../fixtures/webhooks';

const MINUTE = 60_000;

/** What every WebhookStore (with the VerdictStore that writes into its outbox) must do; the memory adapters are the reference. */
export function webhookStoreContract(
  adapterName: string,
  make: () => Promise<{ webhooks: WebhookStore; verdicts: VerdictStore; cleanup(): Promise<void> }>,
): void {
  describe(`WebhookStore and VerdictStore contract — ${adapterName}`, () => {
    let store: WebhookStore;
    let verdicts: VerdictStore;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ webhooks: store, verdicts, cleanup } = await make());
    });
    afterEach(async () => {
      await cleanup();
    });

    describe('webhooks', () => {
      it('when webhooks are created, then they are listed per app, oldest first, secret included', async () => {
        await store.createWebhook(webhook({ id: 'wh-2', createdAt: at(MINUTE) }));
        await store.createWebhook(webhook({ id: 'wh-1' }));
        await store.createWebhook(webhook({ id: 'wh-3', appId: 'app-2' }));
        expect((await store.listWebhooks('app-1')).map((w) => w.id)).toEqual(['wh-1', 'wh-2']);
        expect(await store.findWebhook('app-1', 'wh-1')).toEqual(webhook());
      });

      it('when a webhook is looked up or deleted through another app, then it is not found and stays', async () => {
        await store.createWebhook(webhook());
        expect(await store.findWebhook('app-2', 'wh-1')).toBeNull();
        expect(await store.deleteWebhook('app-2', 'wh-1')).toBe(false);
        expect(await store.deleteWebhook('app-1', 'wh-1')).toBe(true);
        expect(await store.findWebhook('app-1', 'wh-1')).toBeNull();
        expect(await store.deleteWebhook('app-1', 'wh-1')).toBe(false);
      });
    });

    describe('outbox and deliveries', () => {
      it('when an event is dispatched, then each subscribed webhook of its app gets one due delivery', async () => {
        await store.createWebhook(webhook({ id: 'wh-1' }));
        await store.createWebhook(webhook({ id: 'wh-2', events: ['rollout.verdict_changed'] }));
        await store.createWebhook(webhook({ id: 'wh-3', appId: 'app-2' }));
        await store.appendEvent(outboxEvent());
        expect(await store.dueDeliveries(T0, 10)).toEqual([]);
        expect(await store.dispatchEvents(10)).toBe(1);
        expect(await store.dispatchEvents(10)).toBe(0);
        const due = await store.dueDeliveries(T0, 10);
        expect(due).toEqual([{ event: outboxEvent(), webhook: webhook({ id: 'wh-1' }), attempts: 0 }]);
      });

      it('when the same event id is appended twice, then it is one event', async () => {
        await store.createWebhook(webhook());
        await store.appendEvent(outboxEvent());
        await store.appendEvent(outboxEvent({ payload: { other: true } }));
        await store.dispatchEvents(10);
        expect(await store.dueDeliveries(T0, 10)).toHaveLength(1);
      });

      it('when events are due, then they come oldest first, up to the limit', async () => {
        await store.createWebhook(webhook());
        await store.appendEvent(outboxEvent({ id: 'evt-b', createdAt: at(2 * MINUTE) }));
        await store.appendEvent(outboxEvent({ id: 'evt-a', createdAt: at(MINUTE) }));
        await store.appendEvent(outboxEvent({ id: 'evt-c', createdAt: at(3 * MINUTE) }));
        await store.dispatchEvents(10);
        expect((await store.dueDeliveries(at(10 * MINUTE), 2)).map((d) => d.event.id)).toEqual(['evt-a', 'evt-b']);
        expect((await store.dueDeliveries(at(2 * MINUTE), 10)).map((d) => d.event.id)).toEqual(['evt-a', 'evt-b']);
      });

      it('when an attempt fails with a next time, then the delivery is due again only from then; delivered, it is done', async () => {
        await store.createWebhook(webhook());
        await store.appendEvent(outboxEvent());
        await store.dispatchEvents(10);
        await store.recordAttempt({ eventId: 'evt-1', webhookId: 'wh-1', attempt: 1, status: 'failed', responseStatus: 500, error: 'HTTP 500', at: T0, nextAttemptAt: at(MINUTE) });
        expect(await store.dueDeliveries(at(MINUTE - 1), 10)).toEqual([]);
        expect((await store.dueDeliveries(at(MINUTE), 10)).map((d) => d.attempts)).toEqual([1]);
        await store.recordAttempt({ eventId: 'evt-1', webhookId: 'wh-1', attempt: 2, status: 'delivered', responseStatus: 204, error: null, at: at(MINUTE), nextAttemptAt: null });
        expect(await store.dueDeliveries(at(60 * MINUTE), 10)).toEqual([]);
        expect(await store.listAttempts('app-1', 'wh-1', 10)).toEqual([
          { eventId: 'evt-1', webhookId: 'wh-1', attempt: 2, status: 'delivered', responseStatus: 204, error: null, at: at(MINUTE), nextAttemptAt: null },
          { eventId: 'evt-1', webhookId: 'wh-1', attempt: 1, status: 'failed', responseStatus: 500, error: 'HTTP 500', at: T0, nextAttemptAt: at(MINUTE) },
        ]);
        expect(await store.listAttempts('app-2', 'wh-1', 10)).toEqual([]);
      });

      it('when an attempt fails with no next time, then the delivery is given up', async () => {
        await store.createWebhook(webhook());
        await store.appendEvent(outboxEvent());
        await store.dispatchEvents(10);
        await store.recordAttempt({ eventId: 'evt-1', webhookId: 'wh-1', attempt: 9, status: 'failed', responseStatus: null, error: 'timeout', at: T0, nextAttemptAt: null });
        expect(await store.dueDeliveries(at(60 * MINUTE), 10)).toEqual([]);
      });

      it('when a webhook is deleted, then its pending deliveries and attempts go with it', async () => {
        await store.createWebhook(webhook());
        await store.appendEvent(outboxEvent());
        await store.dispatchEvents(10);
        await store.recordAttempt({ eventId: 'evt-1', webhookId: 'wh-1', attempt: 1, status: 'failed', responseStatus: 500, error: 'HTTP 500', at: T0, nextAttemptAt: T0 });
        await store.deleteWebhook('app-1', 'wh-1');
        expect(await store.dueDeliveries(at(MINUTE), 10)).toEqual([]);
        expect(await store.listAttempts('app-1', 'wh-1', 10)).toEqual([]);
      });

      it('when old events are purged, then finished ones go and pending ones stay', async () => {
        await store.createWebhook(webhook());
        await store.appendEvent(outboxEvent({ id: 'evt-done' }));
        await store.appendEvent(outboxEvent({ id: 'evt-pending' }));
        await store.dispatchEvents(10);
        await store.recordAttempt({ eventId: 'evt-done', webhookId: 'wh-1', attempt: 1, status: 'delivered', responseStatus: 200, error: null, at: T0, nextAttemptAt: null });
        expect(await store.purgeFinished(at(MINUTE))).toBe(1);
        expect((await store.dueDeliveries(at(MINUTE), 10)).map((d) => d.event.id)).toEqual(['evt-pending']);
      });
    });

    describe('verdict store', () => {
      it('when an evaluation is saved, then the release reads back as saved, evidence and judgement included', async () => {
        await verdicts.saveEvaluation(releaseState(), [], []);
        await verdicts.saveEvaluation(releaseState({ version: '1.4.3', role: 'baseline', verdict: null, evidence: null, judgement: null }), [], []);
        expect(await verdicts.findRelease('app-1', '1.4.2')).toEqual(releaseState());
        expect(await verdicts.findRelease('app-2', '1.4.2')).toBeNull();
        expect((await verdicts.listReleases('app-1')).map((r) => [r.version, r.role]).sort()).toEqual([
          ['1.4.2', 'rollout'],
          ['1.4.3', 'baseline'],
        ]);
        expect(await verdicts.listReleases('app-2')).toEqual([]);
      });

      it('when a verdict change is saved with its history and event, then the event is in the outbox and the history reads back oldest first', async () => {
        await store.createWebhook(webhook());
        const event = outboxEvent({ id: 'evt-v', type: 'rollout.verdict_changed', payload: { from: 'watch', to: 'halt' } });
        await verdicts.saveEvaluation(releaseState(), [historyEntry()], []);
        await verdicts.saveEvaluation(releaseState({ verdict: 'halt', haltedAt: at(MINUTE) }), [historyEntry({ at: at(MINUTE), from: 'watch', to: 'halt', reasons: ['crash_rate_above_baseline'] })], [event]);
        await store.dispatchEvents(10);
        expect((await store.dueDeliveries(at(MINUTE), 10)).map((d) => d.event)).toEqual([event]);
        expect((await verdicts.findRelease('app-1', '1.4.2'))?.haltedAt).toEqual(at(MINUTE));
        expect(await verdicts.history('app-1', '1.4.2', 10)).toEqual([historyEntry(), historyEntry({ at: at(MINUTE), from: 'watch', to: 'halt', reasons: ['crash_rate_above_baseline'] })]);
        expect(await verdicts.history('app-1', '1.4.2', 1)).toEqual([historyEntry({ at: at(MINUTE), from: 'watch', to: 'halt', reasons: ['crash_rate_above_baseline'] })]);
        expect(await verdicts.history('app-2', '1.4.2', 10)).toEqual([]);
      });

      it('when a release is resumed, then who, when and why are kept across later evaluations, and the resume is in its history', async () => {
        expect(await verdicts.resume({ appId: 'app-1', version: '1.4.2', by: 'alice', note: 'known issue', at: at(MINUTE) })).toBeNull();
        await verdicts.saveEvaluation(releaseState({ verdict: 'halt' }), [], []);
        const resumed = await verdicts.resume({ appId: 'app-1', version: '1.4.2', by: 'alice', note: 'known issue', at: at(MINUTE) });
        expect(resumed).toMatchObject({ verdict: 'halt', resumedAt: at(MINUTE), resumedBy: 'alice', resumeNote: 'known issue' });
        await verdicts.saveEvaluation(releaseState({ verdict: 'watch', evaluatedAt: at(2 * MINUTE) }), [], []);
        expect(await verdicts.findRelease('app-1', '1.4.2')).toMatchObject({ verdict: 'watch', resumedAt: at(MINUTE), resumedBy: 'alice', resumeNote: 'known issue' });
        expect(await verdicts.history('app-1', '1.4.2', 10)).toEqual([historyEntry({ at: at(MINUTE), kind: 'resume', from: 'halt', to: null, reasons: [], by: 'alice', note: 'known issue' })]);
      });

      it('when settings are put, then they replace the app\'s previous ones; an app without any gets {}', async () => {
        expect(await verdicts.getSettings('app-1')).toEqual({});
        await verdicts.putSettings('app-1', { theta0: 1.5, baseline: '1.4.0' });
        await verdicts.putSettings('app-1', { alpha: 0.05 });
        expect(await verdicts.getSettings('app-1')).toEqual({ alpha: 0.05 });
        expect(await verdicts.getSettings('app-2')).toEqual({});
      });
    });
  });
}
