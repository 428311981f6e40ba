import { nextAttemptAt, webhookSignature, DEFAULT_RETRY_SCHEDULE, type RetrySchedule } from '../domain/webhook-signature';
import type { Clock } from '../ports/clock';
import type { Logger } from '../ports/logger';
import type { WebhookSender } from '../ports/webhook-sender';
import type { DueDelivery, OutboxEvent, WebhookStore } from '../ports/webhook-store';

export interface WebhookDeliverySettings {
  timeoutMs: number;
  batchSize: number;
  schedule: RetrySchedule;
  /** Finished events older than this are purged. */
  keepFinishedMs: number;
}

export const DEFAULT_DELIVERY_SETTINGS: Readonly<WebhookDeliverySettings> = Object.freeze({
  timeoutMs: 5_000,
  batchSize: 50,
  schedule: DEFAULT_RETRY_SCHEDULE,
  keepFinishedMs: 7 * 24 * 60 * 60_000,
});

/** The JSON body of every delivery; its bytes are what the signature covers. */
export function deliveryBody(event: OutboxEvent): string {
  return JSON.stringify({ id: event.id, type: event.type, app_id: event.appId, created_at: event.createdAt.toISOString(), data: event.payload });
}

/**
 * Drains the outbox at least once: fans new events out to their webhooks, POSTs what is due,
 * signed, and records every attempt with its next time (exponential backoff with jitter, for up
 * to 24 h). Run by one instance at a time, under a lease.
 */
const REFUSAL_LOG_INTERVAL_MS = 3_600_000;

export class WebhookDelivery {
  private readonly settings: WebhookDeliverySettings;
  /** Per webhook: when its refusal was last explained in the log, and the refusals since. */
  private readonly refusalsLogged = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly deps: {
      store: WebhookStore;
      sender: WebhookSender;
      clock: Clock;
      random: () => number;
      logger?: Logger;
      settings?: Partial<WebhookDeliverySettings>;
    },
  ) {
    this.settings = { ...DEFAULT_DELIVERY_SETTINGS, ...deps.settings };
  }

  /** One round; returns how many attempts it made and how many succeeded. */
  async runOnce(): Promise<{ dispatched: number; attempted: number; delivered: number }> {
    const { store, clock } = this.deps;
    let dispatched = 0;
    for (let n = -1; n !== 0; ) {
      n = await store.dispatchEvents(this.settings.batchSize);
      dispatched += n;
    }
    const due = await store.dueDeliveries(clock.now(), this.settings.batchSize);
    const outcomes = await Promise.all(due.map((d) => this.attempt(d)));
    await store.purgeFinished(new Date(clock.now().getTime() - this.settings.keepFinishedMs));
    return { dispatched, attempted: due.length, delivered: outcomes.filter(Boolean).length };
  }

  private async attempt(d: DueDelivery): Promise<boolean> {
    const { clock, sender, store } = this.deps;
    const body = deliveryBody(d.event);
    const t = Math.floor(clock.now().getTime() / 1000);
    const result = await sender.post({
      url: d.webhook.url,
      body,
      timeoutMs: this.settings.timeoutMs,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Telltale-Webhooks/1',
        'x-telltale-event-id': d.event.id,
        'x-telltale-event': d.event.type,
        'x-telltale-signature': webhookSignature(d.webhook.secret, t, body),
      },
    });
    const at = clock.now();
    const attempt = d.attempts + 1;
    const ok = result.kind === 'response' && result.status >= 200 && result.status < 300;
    const error = ok ? null : result.kind === 'response' ? `HTTP ${result.status}` : result.kind === 'refused' ? `refused: ${result.reason}` : result.message;
    const next = ok ? null : nextAttemptAt(attempt, at.getTime(), d.event.createdAt.getTime(), this.deps.random(), this.settings.schedule);
    await store.recordAttempt({
      eventId: d.event.id,
      webhookId: d.webhook.id,
      attempt,
      status: ok ? 'delivered' : 'failed',
      responseStatus: result.kind === 'response' ? result.status : null,
      error,
      at,
      nextAttemptAt: next === null ? null : new Date(next),
    });
    if (ok) return true;
    const fields = { webhookId: d.webhook.id, appId: d.webhook.appId, eventId: d.event.id, attempt, error, givenUp: next === null };
    if (result.kind === 'refused') this.logRefusal(fields, result.privateAddress === true, at);
    else this.deps.logger?.warn(fields, 'webhook delivery failed');
    return false;
  }

  /**
   * A refused destination is refused again on every retry until someone acts, so the log says what
   * to do, once per webhook and hour, instead of the same warning at every attempt.
   */
  private logRefusal(fields: { webhookId: string; appId: string; error: string | null }, privateAddress: boolean, at: Date): void {
    const now = at.getTime();
    const last = this.refusalsLogged.get(fields.webhookId);
    if (last && now - last.at < REFUSAL_LOG_INTERVAL_MS) {
      last.suppressed++;
      return;
    }
    for (const [id, entry] of this.refusalsLogged) if (now - entry.at >= REFUSAL_LOG_INTERVAL_MS) this.refusalsLogged.delete(id);
    this.refusalsLogged.set(fields.webhookId, { at: now, suppressed: 0 });
    const { appId, webhookId } = fields;
    const allow = privateAddress ? 'to allow private and loopback destinations, set WEBHOOK_ALLOW_PRIVATE=true and restart; or ' : '';
    this.deps.logger?.warn(
      { ...fields, refusedSinceLastLine: last?.suppressed ?? 0 },
      `webhook delivery ${fields.error}; ${allow}delete the webhook: telltale webhooks delete --app ${appId} --webhook ${webhookId} (or DELETE /apps/${appId}/webhooks/${webhookId}). Logged once per webhook and hour.`,
    );
  }
}
