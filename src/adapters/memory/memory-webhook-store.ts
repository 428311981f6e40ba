import type { DeliveryAttempt, DueDelivery, OutboxEvent, Webhook, WebhookStore } from '../../ports/webhook-store';

interface Delivery {
  eventId: string;
  webhookId: string;
  state: 'pending' | 'delivered' | 'failed';
  attempts: number;
  nextAttemptAt: Date;
}

const clone = <T>(value: T): T => structuredClone(value);
const key = (eventId: string, webhookId: string) => `${eventId}\u0000${webhookId}`;

export class MemoryWebhookStore implements WebhookStore {
  private readonly webhooks = new Map<string, Webhook>();
  private readonly events = new Map<string, { event: OutboxEvent; dispatched: boolean; seq: number }>();
  private readonly deliveries = new Map<string, Delivery>();
  private readonly attempts: DeliveryAttempt[] = [];
  private seq = 0;

  async createWebhook(webhook: Webhook): Promise<void> {
    this.webhooks.set(webhook.id, clone(webhook));
  }

  async listWebhooks(appId: string): Promise<Webhook[]> {
    return [...this.webhooks.values()].filter((w) => w.appId === appId).sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : 1)).map(clone);
  }

  async findWebhook(appId: string, id: string): Promise<Webhook | null> {
    const w = this.webhooks.get(id);
    return w && w.appId === appId ? clone(w) : null;
  }

  async deleteWebhook(appId: string, id: string): Promise<boolean> {
    if (this.webhooks.get(id)?.appId !== appId) return false;
    this.webhooks.delete(id);
    for (const [k, d] of this.deliveries) if (d.webhookId === id) this.deliveries.delete(k);
    for (let i = this.attempts.length - 1; i >= 0; i--) if (this.attempts[i]!.webhookId === id) this.attempts.splice(i, 1);
    return true;
  }

  async appendEvent(event: OutboxEvent): Promise<void> {
    this.appendNow(event);
  }

  /** Synchronous, so MemoryVerdictStore writes its state and the event in one step. */
  appendNow(event: OutboxEvent): void {
    if (!this.events.has(event.id)) this.events.set(event.id, { event: clone(event), dispatched: false, seq: this.seq++ });
  }

  async dispatchEvents(limit: number): Promise<number> {
    const undispatched = [...this.events.values()].filter((e) => !e.dispatched).sort(byCreation).slice(0, Math.max(0, limit));
    for (const entry of undispatched) {
      for (const w of this.webhooks.values()) {
        if (w.appId !== entry.event.appId || !w.events.includes(entry.event.type)) continue;
        const k = key(entry.event.id, w.id);
        if (!this.deliveries.has(k)) this.deliveries.set(k, { eventId: entry.event.id, webhookId: w.id, state: 'pending', attempts: 0, nextAttemptAt: entry.event.createdAt });
      }
      entry.dispatched = true;
    }
    return undispatched.length;
  }

  async dueDeliveries(now: Date, limit: number): Promise<DueDelivery[]> {
    const due: Array<DueDelivery & { seq: number }> = [];
    for (const d of this.deliveries.values()) {
      if (d.state !== 'pending' || d.nextAttemptAt.getTime() > now.getTime()) continue;
      const entry = this.events.get(d.eventId);
      const webhook = this.webhooks.get(d.webhookId);
      if (entry && webhook) due.push({ event: clone(entry.event), webhook: clone(webhook), attempts: d.attempts, seq: entry.seq });
    }
    return due
      .sort((a, b) => a.event.createdAt.getTime() - b.event.createdAt.getTime() || a.seq - b.seq || (a.webhook.id < b.webhook.id ? -1 : 1))
      .slice(0, Math.max(0, limit))
      .map(({ seq: _seq, ...rest }) => rest);
  }

  async recordAttempt(attempt: DeliveryAttempt): Promise<void> {
    const d = this.deliveries.get(key(attempt.eventId, attempt.webhookId));
    if (!d) return;
    this.attempts.push(clone(attempt));
    d.attempts = attempt.attempt;
    d.state = attempt.status === 'delivered' ? 'delivered' : attempt.nextAttemptAt ? 'pending' : 'failed';
    if (attempt.nextAttemptAt) d.nextAttemptAt = attempt.nextAttemptAt;
  }

  async listAttempts(appId: string, webhookId: string, limit: number): Promise<DeliveryAttempt[]> {
    if (this.webhooks.get(webhookId)?.appId !== appId) return [];
    return this.attempts
      .map((a, i) => ({ a, i }))
      .filter(({ a }) => a.webhookId === webhookId)
      .sort((x, y) => y.a.at.getTime() - x.a.at.getTime() || y.i - x.i)
      .slice(0, Math.max(0, limit))
      .map(({ a }) => clone(a));
  }

  async purgeFinished(before: Date): Promise<number> {
    let purged = 0;
    for (const [id, entry] of this.events) {
      if (!entry.dispatched || entry.event.createdAt.getTime() >= before.getTime()) continue;
      const mine = [...this.deliveries.entries()].filter(([, d]) => d.eventId === id);
      if (mine.some(([, d]) => d.state === 'pending')) continue;
      for (const [k] of mine) this.deliveries.delete(k);
      for (let i = this.attempts.length - 1; i >= 0; i--) if (this.attempts[i]!.eventId === id) this.attempts.splice(i, 1);
      this.events.delete(id);
      purged++;
    }
    return purged;
  }
}

const byCreation = (a: { event: OutboxEvent; seq: number }, b: { event: OutboxEvent; seq: number }) =>
  a.event.createdAt.getTime() - b.event.createdAt.getTime() || a.seq - b.seq;
