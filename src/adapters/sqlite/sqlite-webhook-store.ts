import type { Statement } from 'better-sqlite3';
import type { DeliveryAttempt, DueDelivery, OutboxEvent, Webhook, WebhookEventType, WebhookStore } from '../../ports/webhook-store';
import { guarded, type SqliteDatabase } from './sqlite-database';

interface WebhookRow {
  id: string;
  app_id: string;
  url: string;
  events: string;
  secret: string;
  created_at: number;
}

interface EventRow {
  id: string;
  app_id: string;
  type: string;
  payload: string;
  created_at: number;
}

interface AttemptRow {
  event_id: string;
  webhook_id: string;
  attempt: number;
  status: string;
  response_status: number | null;
  error: string | null;
  at: number;
  next_attempt_at: number | null;
}

const fromWebhookRow = (r: WebhookRow): Webhook => ({
  id: r.id,
  appId: r.app_id,
  url: r.url,
  events: JSON.parse(r.events) as WebhookEventType[],
  secret: r.secret,
  createdAt: new Date(r.created_at),
});

const fromEventRow = (r: EventRow): OutboxEvent => ({
  id: r.id,
  appId: r.app_id,
  type: r.type as WebhookEventType,
  payload: JSON.parse(r.payload) as Record<string, unknown>,
  createdAt: new Date(r.created_at),
});

const fromAttemptRow = (r: AttemptRow): DeliveryAttempt => ({
  eventId: r.event_id,
  webhookId: r.webhook_id,
  attempt: r.attempt,
  status: r.status as DeliveryAttempt['status'],
  responseStatus: r.response_status,
  error: r.error,
  at: new Date(r.at),
  nextAttemptAt: r.next_attempt_at === null ? null : new Date(r.next_attempt_at),
});

/** Prepared once per handle; SqliteVerdictStore appends events inside its own transaction with it. */
export function outboxInsert(db: SqliteDatabase): (event: OutboxEvent) => void {
  const insert = db.prepare('INSERT OR IGNORE INTO outbox_events (id, app_id, type, payload, created_at) VALUES (?, ?, ?, ?, ?)');
  return (e) => void insert.run(e.id, e.appId, e.type, JSON.stringify(e.payload), e.createdAt.getTime());
}

/** group.new and group.regressed rows come from triggers on report_groups (sqlite-migrations.ts), in the ingest write. */
export class SqliteWebhookStore implements WebhookStore {
  private readonly insertEvent: (event: OutboxEvent) => void;
  private readonly dispatchTx: (limit: number) => number;
  private readonly recordTx: (a: DeliveryAttempt) => void;
  private readonly deleteTx: (appId: string, id: string) => boolean;
  private readonly purgeTx: (before: number) => number;
  private readonly selectDue: Statement;
  private readonly insertWebhook: Statement;
  private readonly selectWebhooks: Statement;
  private readonly selectWebhook: Statement;
  private readonly selectAttempts: Statement;

  constructor(db: SqliteDatabase) {
    this.insertEvent = outboxInsert(db);
    this.insertWebhook = db.prepare('INSERT INTO webhooks (id, app_id, url, events, secret, created_at) VALUES (?, ?, ?, ?, ?, ?)');
    this.selectWebhooks = db.prepare('SELECT * FROM webhooks WHERE app_id = ? ORDER BY created_at, id');
    this.selectWebhook = db.prepare('SELECT * FROM webhooks WHERE app_id = ? AND id = ?');
    this.selectAttempts = db.prepare(`SELECT a.* FROM webhook_attempts a JOIN webhooks w ON w.id = a.webhook_id
      WHERE w.app_id = ? AND a.webhook_id = ? ORDER BY a.at DESC, a.seq DESC LIMIT ?`);
    const undispatched = db.prepare('SELECT id, app_id, type FROM outbox_events WHERE dispatched = 0 ORDER BY created_at, seq LIMIT ?');
    // A webhook subscribes to a type when its JSON list holds it.
    const fanOut = db.prepare(`
      INSERT OR IGNORE INTO webhook_deliveries (event_id, webhook_id, state, attempts, next_attempt_at)
      SELECT @id, w.id, 'pending', 0, e.created_at FROM webhooks w, outbox_events e
      WHERE e.id = @id AND w.app_id = @app_id AND EXISTS (SELECT 1 FROM json_each(w.events) WHERE value = @type)`);
    const markDispatched = db.prepare('UPDATE outbox_events SET dispatched = 1 WHERE id = ?');
    this.dispatchTx = db.transaction((limit: number) => {
      const rows = undispatched.all(limit) as Array<{ id: string; app_id: string; type: string }>;
      for (const row of rows) {
        fanOut.run(row);
        markDispatched.run(row.id);
      }
      return rows.length;
    });
    this.selectDue = db.prepare(`
      SELECT d.attempts AS attempts, e.id AS e_id, e.app_id AS e_app_id, e.type AS e_type, e.payload AS e_payload, e.created_at AS e_created_at,
        w.id AS w_id, w.app_id AS w_app_id, w.url AS w_url, w.events AS w_events, w.secret AS w_secret, w.created_at AS w_created_at
      FROM webhook_deliveries d JOIN outbox_events e ON e.id = d.event_id JOIN webhooks w ON w.id = d.webhook_id
      WHERE d.state = 'pending' AND d.next_attempt_at <= ?
      ORDER BY e.created_at, e.seq, w.id LIMIT ?`);
    const insertAttempt = db.prepare(`
      INSERT INTO webhook_attempts (event_id, webhook_id, attempt, status, response_status, error, at, next_attempt_at)
      VALUES (@eventId, @webhookId, @attempt, @status, @responseStatus, @error, @at, @nextAttemptAt)`);
    const moveDelivery = db.prepare(`
      UPDATE webhook_deliveries SET attempts = @attempt, state = @state, next_attempt_at = coalesce(@nextAttemptAt, next_attempt_at)
      WHERE event_id = @eventId AND webhook_id = @webhookId`);
    this.recordTx = db.transaction((a: DeliveryAttempt) => {
      const row = { ...a, at: a.at.getTime(), nextAttemptAt: a.nextAttemptAt?.getTime() ?? null };
      const state = a.status === 'delivered' ? 'delivered' : a.nextAttemptAt ? 'pending' : 'failed';
      if (moveDelivery.run({ ...row, state }).changes === 0) return;
      insertAttempt.run(row);
    });
    const deleteWebhookRow = db.prepare('DELETE FROM webhooks WHERE app_id = ? AND id = ?');
    const deleteDeliveriesOf = db.prepare('DELETE FROM webhook_deliveries WHERE webhook_id = ?');
    const deleteAttemptsOf = db.prepare('DELETE FROM webhook_attempts WHERE webhook_id = ?');
    this.deleteTx = db.transaction((appId: string, id: string) => {
      if (deleteWebhookRow.run(appId, id).changes === 0) return false;
      deleteDeliveriesOf.run(id);
      deleteAttemptsOf.run(id);
      return true;
    });
    const finished = db.prepare(`
      SELECT id FROM outbox_events e WHERE dispatched = 1 AND created_at < ?
      AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = e.id AND d.state = 'pending')`);
    const purgeAttempts = db.prepare('DELETE FROM webhook_attempts WHERE event_id = ?');
    const purgeDeliveries = db.prepare('DELETE FROM webhook_deliveries WHERE event_id = ?');
    const purgeEvent = db.prepare('DELETE FROM outbox_events WHERE id = ?');
    this.purgeTx = db.transaction((before: number) => {
      const ids = (finished.all(before) as Array<{ id: string }>).map((r) => r.id);
      for (const id of ids) {
        purgeAttempts.run(id);
        purgeDeliveries.run(id);
        purgeEvent.run(id);
      }
      return ids.length;
    });
  }

  async createWebhook(w: Webhook): Promise<void> {
    guarded('createWebhook', () => this.insertWebhook.run(w.id, w.appId, w.url, JSON.stringify(w.events), w.secret, w.createdAt.getTime()));
  }

  async listWebhooks(appId: string): Promise<Webhook[]> {
    const rows = guarded('listWebhooks', () => this.selectWebhooks.all(appId)) as WebhookRow[];
    return rows.map(fromWebhookRow);
  }

  async findWebhook(appId: string, id: string): Promise<Webhook | null> {
    const row = guarded('findWebhook', () => this.selectWebhook.get(appId, id)) as WebhookRow | undefined;
    return row ? fromWebhookRow(row) : null;
  }

  async deleteWebhook(appId: string, id: string): Promise<boolean> {
    return guarded('deleteWebhook', () => this.deleteTx(appId, id));
  }

  async appendEvent(event: OutboxEvent): Promise<void> {
    guarded('appendEvent', () => this.insertEvent(event));
  }

  async dispatchEvents(limit: number): Promise<number> {
    return guarded('dispatchEvents', () => this.dispatchTx(Math.max(0, limit)));
  }

  async dueDeliveries(now: Date, limit: number): Promise<DueDelivery[]> {
    const rows = guarded('dueDeliveries', () => this.selectDue.all(now.getTime(), Math.max(0, limit))) as Array<Record<string, string | number>>;
    return rows.map((r) => ({
      attempts: Number(r.attempts),
      event: fromEventRow({ id: String(r.e_id), app_id: String(r.e_app_id), type: String(r.e_type), payload: String(r.e_payload), created_at: Number(r.e_created_at) }),
      webhook: fromWebhookRow({ id: String(r.w_id), app_id: String(r.w_app_id), url: String(r.w_url), events: String(r.w_events), secret: String(r.w_secret), created_at: Number(r.w_created_at) }),
    }));
  }

  async recordAttempt(attempt: DeliveryAttempt): Promise<void> {
    guarded('recordAttempt', () => this.recordTx(attempt));
  }

  async listAttempts(appId: string, webhookId: string, limit: number): Promise<DeliveryAttempt[]> {
    const rows = guarded('listAttempts', () => this.selectAttempts.all(appId, webhookId, Math.max(0, limit))) as AttemptRow[];
    return rows.map(fromAttemptRow);
  }

  async purgeFinished(before: Date): Promise<number> {
    return guarded('purgeFinished', () => this.purgeTx(before.getTime()));
  }
}
