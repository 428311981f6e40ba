import type { Collection, Db } from 'mongodb';
import { randomUUID } from 'node:crypto';
import type { AppRolloutSettings, HistoryEntry, ReleaseState, Resume, VerdictStore } from '../../ports/verdict-store';
import type { DeliveryAttempt, DueDelivery, OutboxEvent, Webhook, WebhookStore } from '../../ports/webhook-store';
import { guarded } from './mongo-errors';
import {
  DUE_ORDER,
  EVENT_ORDER,
  UNDISPATCHED,
  WEBHOOK_COLLECTIONS as C,
  attemptUpdate,
  deliveryId,
  dueFilter,
  fanOutUpsert,
  fromHistoryDocument,
  fromReleaseDocument,
  HISTORY_ORDER,
  historyFilter,
  releasesOfAppFilter,
  toHistoryDocument,
  type HistoryDocument,
  releaseId,
  releaseUpsert,
  resumeUpdate,
  subscribedFilter,
  webhookFilter,
  webhooksOfAppFilter,
  type AttemptDocument,
  type DeliveryDocument,
  type EventDocument,
  type ReleaseDocument,
  type WebhookDocument,
} from './mongo-webhook-builders';

const fromWebhook = (d: WebhookDocument): Webhook => ({ id: d._id, appId: d.app_id, url: d.url, events: [...d.events], secret: d.secret, createdAt: d.createdAt });
const fromEvent = (d: EventDocument): OutboxEvent => ({ id: d._id, appId: d.app_id, type: d.type, payload: d.payload, createdAt: d.createdAt });
const fromAttempt = (d: AttemptDocument): DeliveryAttempt => ({
  eventId: d.event_id,
  webhookId: d.webhook_id,
  attempt: d.attempt,
  status: d.status,
  responseStatus: d.responseStatus ?? null,
  error: d.error ?? null,
  at: d.at,
  nextAttemptAt: d.nextAttemptAt ?? null,
});

/** An outbox event by id; writing it twice is one event. */
async function appendTo(events: Collection<EventDocument>, e: OutboxEvent): Promise<void> {
  const doc: EventDocument = { _id: e.id, app_id: e.appId, type: e.type, payload: e.payload, createdAt: e.createdAt, dispatched: false };
  await events.updateOne({ _id: { $eq: e.id } }, { $setOnInsert: doc }, { upsert: true });
}

export class MongoWebhookStore implements WebhookStore {
  private readonly webhooks: Collection<WebhookDocument>;
  private readonly events: Collection<EventDocument>;
  private readonly deliveries: Collection<DeliveryDocument>;
  private readonly attempts: Collection<AttemptDocument>;

  constructor(db: Db) {
    this.webhooks = db.collection(C.webhooks);
    this.events = db.collection(C.events);
    this.deliveries = db.collection(C.deliveries);
    this.attempts = db.collection(C.attempts);
  }

  async createWebhook(w: Webhook): Promise<void> {
    await guarded('createWebhook', () => this.webhooks.insertOne({ _id: w.id, app_id: w.appId, url: w.url, events: [...w.events], secret: w.secret, createdAt: w.createdAt }));
  }

  async listWebhooks(appId: string): Promise<Webhook[]> {
    return guarded('listWebhooks', async () => (await this.webhooks.find(webhooksOfAppFilter(appId)).sort({ createdAt: 1, _id: 1 }).toArray()).map(fromWebhook));
  }

  async findWebhook(appId: string, id: string): Promise<Webhook | null> {
    return guarded('findWebhook', async () => {
      const d = await this.webhooks.findOne(webhookFilter(appId, id));
      return d ? fromWebhook(d) : null;
    });
  }

  async deleteWebhook(appId: string, id: string): Promise<boolean> {
    return guarded('deleteWebhook', async () => {
      if ((await this.webhooks.deleteOne(webhookFilter(appId, id))).deletedCount === 0) return false;
      await this.deliveries.deleteMany({ webhook_id: { $eq: id } });
      await this.attempts.deleteMany({ webhook_id: { $eq: id } });
      return true;
    });
  }

  async appendEvent(event: OutboxEvent): Promise<void> {
    await guarded('appendEvent', () => appendTo(this.events, event));
  }

  async dispatchEvents(limit: number): Promise<number> {
    return guarded('dispatchEvents', async () => {
      if (limit <= 0) return 0;
      const pending = await this.events.find(UNDISPATCHED).sort(EVENT_ORDER).limit(limit).toArray();
      for (const e of pending) {
        const subscribers = await this.webhooks.find(subscribedFilter(e.app_id, e.type), { projection: { _id: 1 } }).toArray();
        if (subscribers.length > 0) {
          await this.deliveries.bulkWrite(subscribers.map((w) => ({ updateOne: { ...fanOutUpsert(e, w._id), upsert: true } })), { ordered: false });
        }
        await this.events.updateOne({ _id: { $eq: e._id } }, { $set: { dispatched: true } });
      }
      return pending.length;
    });
  }

  async dueDeliveries(now: Date, limit: number): Promise<DueDelivery[]> {
    return guarded('dueDeliveries', async () => {
      if (limit <= 0) return [];
      const due = await this.deliveries.find(dueFilter(now)).sort(DUE_ORDER).limit(limit).toArray();
      const events = new Map((await this.events.find({ _id: { $in: [...new Set(due.map((d) => d.event_id))] } }).toArray()).map((e) => [e._id, e]));
      const hooks = new Map((await this.webhooks.find({ _id: { $in: [...new Set(due.map((d) => d.webhook_id))] } }).toArray()).map((w) => [w._id, w]));
      return due.flatMap((d) => {
        const e = events.get(d.event_id);
        const w = hooks.get(d.webhook_id);
        return e && w ? [{ event: fromEvent(e), webhook: fromWebhook(w), attempts: d.attempts }] : [];
      });
    });
  }

  async recordAttempt(a: DeliveryAttempt): Promise<void> {
    await guarded('recordAttempt', async () => {
      const moved = await this.deliveries.updateOne({ _id: { $eq: deliveryId(a.eventId, a.webhookId) } }, attemptUpdate(a));
      if (moved.matchedCount === 0) return;
      const { eventId, webhookId, ...rest } = a;
      await this.attempts.insertOne({ event_id: eventId, webhook_id: webhookId, ...rest });
    });
  }

  async listAttempts(appId: string, webhookId: string, limit: number): Promise<DeliveryAttempt[]> {
    return guarded('listAttempts', async () => {
      if (limit <= 0 || !(await this.webhooks.findOne(webhookFilter(appId, webhookId)))) return [];
      return (await this.attempts.find({ webhook_id: { $eq: webhookId } }).sort({ at: -1, _id: -1 }).limit(limit).toArray()).map(fromAttempt);
    });
  }

  async purgeFinished(before: Date): Promise<number> {
    return guarded('purgeFinished', async () => {
      const old = await this.events.find({ dispatched: { $eq: true }, createdAt: { $lt: before } }, { projection: { _id: 1 } }).toArray();
      let purged = 0;
      for (const { _id } of old) {
        if (await this.deliveries.findOne({ event_id: { $eq: _id }, state: { $eq: 'pending' } })) continue;
        await this.attempts.deleteMany({ event_id: { $eq: _id } });
        await this.deliveries.deleteMany({ event_id: { $eq: _id } });
        await this.events.deleteOne({ _id: { $eq: _id } });
        purged++;
      }
      return purged;
    });
  }
}

/**
 * Without a multi-document transaction the outbox event is written first: a crash before the
 * state is saved makes the next evaluation see the same change and announce it again (a
 * duplicate, which at-least-once delivery allows and X-Telltale-Event-Id lets receivers drop),
 * never a change without its event.
 */
export class MongoVerdictStore implements VerdictStore {
  private readonly releases: Collection<ReleaseDocument>;
  private readonly lines: Collection<HistoryDocument>;
  private readonly settings: Collection<{ _id: string; settings: AppRolloutSettings }>;
  private readonly events: Collection<EventDocument>;

  constructor(db: Db) {
    this.releases = db.collection(C.releases);
    this.lines = db.collection(C.history);
    this.settings = db.collection(C.settings);
    this.events = db.collection(C.events);
  }

  async findRelease(appId: string, version: string): Promise<ReleaseState | null> {
    return guarded('findRelease', async () => {
      const d = await this.releases.findOne({ _id: { $eq: releaseId(appId, version) } });
      return d ? fromReleaseDocument(d) : null;
    });
  }

  async listReleases(appId: string): Promise<ReleaseState[]> {
    return guarded('listReleases', async () => (await this.releases.find(releasesOfAppFilter(appId)).toArray()).map(fromReleaseDocument));
  }

  async saveEvaluation(release: ReleaseState, history: HistoryEntry[], events: OutboxEvent[]): Promise<void> {
    await guarded('saveEvaluation', async () => {
      for (const event of events) await appendTo(this.events, event);
      if (history.length > 0) await this.lines.insertMany(history.map((h) => toHistoryDocument(h, randomUUID())));
      await this.releases.updateOne({ _id: { $eq: releaseId(release.appId, release.version) } }, releaseUpsert(release), { upsert: true });
    });
  }

  async resume(r: Resume): Promise<ReleaseState | null> {
    return guarded('resume', async () => {
      const d = await this.releases.findOneAndUpdate({ _id: { $eq: releaseId(r.appId, r.version) } }, resumeUpdate(r.by, r.note, r.at), { returnDocument: 'after' });
      if (!d) return null;
      const line: HistoryEntry = { appId: r.appId, version: r.version, at: r.at, kind: 'resume', from: d.verdict, to: null, reasons: [], by: r.by, note: r.note };
      await this.lines.insertOne(toHistoryDocument(line, randomUUID()));
      return fromReleaseDocument(d);
    });
  }

  async history(appId: string, version: string, limit: number): Promise<HistoryEntry[]> {
    return guarded('history', async () => (await this.lines.find(historyFilter(appId, version)).sort(HISTORY_ORDER).limit(Math.max(0, limit)).toArray()).map(fromHistoryDocument).reverse());
  }

  async getSettings(appId: string): Promise<AppRolloutSettings> {
    return guarded('getSettings', async () => (await this.settings.findOne({ _id: { $eq: appId } }))?.settings ?? {});
  }

  async putSettings(appId: string, settings: AppRolloutSettings): Promise<void> {
    await guarded('putSettings', () => this.settings.updateOne({ _id: { $eq: appId } }, { $set: { settings } }, { upsert: true }));
  }
}
