export const WEBHOOK_EVENT_TYPES = ['rollout.verdict_changed', 'rollout.crash_rate_limit_shared', 'group.new', 'group.regressed'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export interface Webhook {
  id: string;
  appId: string;
  url: string;
  events: WebhookEventType[];
  /** Kept as is (not hashed): every delivery is signed with it. Shown to the user once, at creation. */
  secret: string;
  createdAt: Date;
}

/** A change to announce, written to the outbox with (or right after) the change itself. */
export interface OutboxEvent {
  id: string;
  appId: string;
  type: WebhookEventType;
  payload: Record<string, unknown>;
  createdAt: Date;
}

export interface DeliveryAttempt {
  eventId: string;
  webhookId: string;
  /** 1-based. */
  attempt: number;
  status: 'delivered' | 'failed';
  responseStatus: number | null;
  error: string | null;
  at: Date;
  /** When the next attempt is due; null after a success or when retries gave up. */
  nextAttemptAt: Date | null;
}

/** One event still to be sent to one webhook. */
export interface DueDelivery {
  event: OutboxEvent;
  webhook: Webhook;
  /** Attempts made so far. */
  attempts: number;
}

/**
 * Webhooks per app, and the outbox they are fed from. An event is appended once; dispatching fans
 * it out to the app's webhooks subscribed to its type at that moment; each (event, webhook) is
 * then attempted until delivered or given up, every attempt kept.
 */
export interface WebhookStore {
  createWebhook(webhook: Webhook): Promise<void>;
  /** Oldest first. */
  listWebhooks(appId: string): Promise<Webhook[]>;
  findWebhook(appId: string, id: string): Promise<Webhook | null>;
  /** Removes the webhook with its deliveries and attempts; true when it existed. */
  deleteWebhook(appId: string, id: string): Promise<boolean>;

  appendEvent(event: OutboxEvent): Promise<void>;
  /** Fans out up to `limit` undispatched events, oldest first; returns how many were dispatched. */
  dispatchEvents(limit: number): Promise<number>;
  /** Pending deliveries whose next attempt is due at `now`, oldest event first. */
  dueDeliveries(now: Date, limit: number): Promise<DueDelivery[]>;
  /** Keeps the attempt and moves its delivery on: delivered, due again at nextAttemptAt, or given up. */
  recordAttempt(attempt: DeliveryAttempt): Promise<void>;
  /** Newest first. */
  listAttempts(appId: string, webhookId: string, limit: number): Promise<DeliveryAttempt[]>;
  /** Removes events created before `before` whose deliveries are all finished, with those deliveries. */
  purgeFinished(before: Date): Promise<number>;
}
