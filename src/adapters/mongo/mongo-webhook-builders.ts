import type { Document } from 'mongodb';
import type { CellVerdictState, ReleaseVerdictState } from '../../ports/verdict-store';
import type { DeliveryAttempt, OutboxEvent, Webhook, WebhookEventType } from '../../ports/webhook-store';

// Every filter and update the Mongo webhook and verdict stores send, built without a driver so
// test/unit/mongo-webhook-builders.test.ts checks them with mingo. Client values go through $eq.

export const WEBHOOK_COLLECTIONS = {
  webhooks: 'webhooks',
  events: 'outbox_events',
  deliveries: 'webhook_deliveries',
  attempts: 'webhook_attempts',
  releases: 'rollout_releases',
  cells: 'rollout_cells',
  settings: 'rollout_settings',
} as const;

export type WebhookDocument = Omit<Webhook, 'id' | 'appId'> & { _id: string; app_id: string };
export type EventDocument = Omit<OutboxEvent, 'id' | 'appId'> & { _id: string; app_id: string; dispatched: boolean };
export interface DeliveryDocument {
  _id: string;
  event_id: string;
  webhook_id: string;
  state: 'pending' | 'delivered' | 'failed';
  attempts: number;
  nextAttemptAt: Date;
  eventCreatedAt: Date;
}
export type AttemptDocument = Omit<DeliveryAttempt, 'eventId' | 'webhookId'> & { event_id: string; webhook_id: string };
export type ReleaseDocument = Omit<ReleaseVerdictState, 'appId'> & { _id: string; app_id: string };
export type CellDocument = Omit<CellVerdictState, 'appId'> & { _id: string; app_id: string };


export const deliveryId = (eventId: string, webhookId: string) => `${eventId}:${webhookId}`;
export const releaseId = (appId: string, version: string) => JSON.stringify([appId, version]);
export const cellId = (c: { appId: string; version: string; cell: { channel: string; platform: string; arch: string } }) =>
  JSON.stringify([c.appId, c.version, c.cell.channel, c.cell.platform, c.cell.arch]);

export const webhookFilter = (appId: string, id: string) => ({ _id: { $eq: id }, app_id: { $eq: appId } });
export const webhooksOfAppFilter = (appId: string) => ({ app_id: { $eq: appId } });
export const subscribedFilter = (appId: string, type: WebhookEventType) => ({ app_id: { $eq: appId }, events: { $eq: type } });
export const UNDISPATCHED = { dispatched: { $eq: false } };
export const EVENT_ORDER = { createdAt: 1, _id: 1 } as const;
export const dueFilter = (now: Date) => ({ state: { $eq: 'pending' as const }, nextAttemptAt: { $lte: now } });
export const DUE_ORDER = { eventCreatedAt: 1, event_id: 1, webhook_id: 1 } as const;

/** Idempotent: dispatching an event twice (a crash between fan-out and marking) creates no second delivery. */
export function fanOutUpsert(event: { _id: string; createdAt: Date }, webhookId: string): { filter: Document; update: Document } {
  const doc: DeliveryDocument = { _id: deliveryId(event._id, webhookId), event_id: event._id, webhook_id: webhookId, state: 'pending', attempts: 0, nextAttemptAt: event.createdAt, eventCreatedAt: event.createdAt };
  return { filter: { _id: { $eq: doc._id } }, update: { $setOnInsert: doc } };
}

export function attemptUpdate(a: DeliveryAttempt): Document {
  const state = a.status === 'delivered' ? 'delivered' : a.nextAttemptAt ? 'pending' : 'failed';
  return { $set: { attempts: a.attempt, state, ...(a.nextAttemptAt ? { nextAttemptAt: a.nextAttemptAt } : {}) } };
}

/** The evaluation's fields are set; the resume fields, a person's, only on insert. */
export function releaseUpsert(r: ReleaseVerdictState): Document {
  return {
    $set: { verdict: r.verdict, baselineVersion: r.baselineVersion, dataThrough: r.dataThrough, evaluatedAt: r.evaluatedAt, superseded: r.superseded },
    $setOnInsert: { app_id: r.appId, version: r.version, resumedAt: r.resumedAt, resumedBy: r.resumedBy, resumeNote: r.resumeNote },
  };
}

export const resumeUpdate = (by: string, note: string, at: Date): Document => ({ $set: { resumedAt: at, resumedBy: by, resumeNote: note } });

export const toCellDocument = (c: CellVerdictState): CellDocument => {
  const { appId, ...rest } = c;
  return { _id: cellId(c), app_id: appId, ...structuredClone(rest) };
};

export const fromCellDocument = (d: CellDocument): CellVerdictState => {
  const { _id, app_id, ...rest } = d;
  return { appId: app_id, ...rest };
};

export const fromReleaseDocument = (d: ReleaseDocument): ReleaseVerdictState => ({
  appId: d.app_id,
  version: d.version,
  verdict: d.verdict,
  baselineVersion: d.baselineVersion ?? null,
  dataThrough: d.dataThrough ?? null,
  evaluatedAt: d.evaluatedAt,
  resumedAt: d.resumedAt ?? null,
  resumedBy: d.resumedBy ?? null,
  resumeNote: d.resumeNote ?? null,
  superseded: d.superseded ?? false,
});
