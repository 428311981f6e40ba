import type { Document } from 'mongodb';
import type { HistoryEntry, ReleaseState } from '../../ports/verdict-store';
import type { DeliveryAttempt, OutboxEvent, Webhook, WebhookEventType } from '../../ports/webhook-store';

// Every filter and update the Mongo webhook and verdict stores send, built without a driver so
// test/unit/mongo-webhook-builders.test.ts checks them with mingo. Client values go through $eq.

export const WEBHOOK_COLLECTIONS = {
  webhooks: 'webhooks',
  events: 'outbox_events',
  deliveries: 'webhook_deliveries',
  attempts: 'webhook_attempts',
  releases: 'rollout_releases',
  history: 'rollout_history',
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
export type ReleaseDocument = Omit<ReleaseState, 'appId'> & { _id: string; app_id: string };
export type HistoryDocument = Omit<HistoryEntry, 'appId'> & { _id: string; app_id: string };


export const deliveryId = (eventId: string, webhookId: string) => `${eventId}:${webhookId}`;
export const releaseId = (appId: string, version: string) => JSON.stringify([appId, version]);

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

const RESUME_FIELDS = ['resumedAt', 'resumedBy', 'resumeNote'] as const;

/** The evaluation's fields are set; the resume fields, a person's, only on insert. */
export function releaseUpsert(r: ReleaseState): Document {
  const { appId, ...rest } = structuredClone(r);
  const evaluation: Record<string, unknown> = { ...rest };
  for (const field of RESUME_FIELDS) delete evaluation[field];
  return {
    $set: { ...evaluation, app_id: appId },
    $setOnInsert: { resumedAt: r.resumedAt, resumedBy: r.resumedBy, resumeNote: r.resumeNote },
  };
}

export const resumeUpdate = (by: string, note: string, at: Date): Document => ({ $set: { resumedAt: at, resumedBy: by, resumeNote: note } });

export const releasesOfAppFilter = (appId: string) => ({ app_id: { $eq: appId } });

export const fromReleaseDocument = (d: ReleaseDocument): ReleaseState => {
  const { _id, app_id, ...rest } = d;
  return { ...rest, appId: app_id, resumedAt: d.resumedAt ?? null, resumedBy: d.resumedBy ?? null, resumeNote: d.resumeNote ?? null };
};

export const toHistoryDocument = (h: HistoryEntry, id: string): HistoryDocument => {
  const { appId, ...rest } = structuredClone(h);
  return { _id: id, app_id: appId, ...rest };
};

export const fromHistoryDocument = (d: HistoryDocument): HistoryEntry => {
  const { _id, app_id, ...rest } = d;
  return { appId: app_id, ...rest };
};

export const historyFilter = (appId: string, version: string) => ({ app_id: { $eq: appId }, version: { $eq: version } });
/** Newest first (the store keeps the last `limit` and returns them oldest first). */
export const HISTORY_ORDER = { at: -1, _id: -1 } as const;

// Migration 2 (one state per release, with its history): what release 0.1.0 stored and its new form.

/** Releases 0.1.0 wrote: no role yet. A release migrated once is never matched again. */
export const LEGACY_RELEASE_FILTER = { role: { $exists: false } };

export interface LegacyCellDocument {
  app_id: string;
  version: string;
  verdict: string;
  reasons: string[];
  consecutiveHealthy: number;
  haltedAt: Date | null;
}

export const legacyCellsFilter = (appId: string, version: string) => ({ app_id: { $eq: appId }, version: { $eq: version } });

/** The 0.1.0 release, its cells folded in (`foldLegacyCells`): a rollout with no evidence yet, which the next evaluation rebuilds. */
export function legacyReleaseUpdate(folded: { reasons: string[]; haltedAt: number | null; consecutiveHealthy: number }): Document {
  return {
    $set: {
      role: 'rollout',
      reasons: folded.reasons,
      consecutiveHealthy: folded.consecutiveHealthy,
      haltedAt: folded.haltedAt === null ? null : new Date(folded.haltedAt),
      supersededBy: null,
      activeDeviceDays: 0,
      evidence: null,
      judgement: null,
    },
    $unset: { superseded: '' },
  };
}

/**
 * The history a 0.1.0 release starts with: its resume (who and why) if any, then its verdict at its
 * last evaluation. Their ids are derived from the release, so a migration run twice writes them once.
 */
export function legacyHistoryDocuments(release: { _id: string; app_id: string; version: string; verdict: string; evaluatedAt: Date; resumedAt?: Date | null; resumedBy?: string | null; resumeNote?: string | null }, reasons: string[]): HistoryDocument[] {
  const docs: HistoryDocument[] = [];
  if (release.resumedAt) {
    docs.push({ _id: `${release._id}:0.1.0:resume`, app_id: release.app_id, version: release.version, at: release.resumedAt, kind: 'resume', from: null, to: null, reasons: [], by: release.resumedBy ?? null, note: release.resumeNote ?? null });
  }
  const at = release.resumedAt && release.resumedAt > release.evaluatedAt ? release.resumedAt : release.evaluatedAt;
  docs.push({ _id: `${release._id}:0.1.0:verdict`, app_id: release.app_id, version: release.version, at, kind: 'verdict', from: null, to: release.verdict, reasons: reasons as HistoryEntry['reasons'], by: null, note: null });
  return docs;
}

/** Settings with either 0.1.0 limit name. */
export const LEGACY_SETTINGS_FILTER = { $or: [{ 'settings.androidVitalsOverall': { $exists: true } }, { 'settings.androidVitalsCell': { $exists: true } }] };
