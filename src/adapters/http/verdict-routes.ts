import { Router, type Request } from 'express';
import type { RolloutHealth } from '../../app/rollout-health';
import type { WebhookManagement } from '../../app/webhook-management';
import type { AppRolloutSettings } from '../../ports/verdict-store';
import type { TokenVerifier } from '../../ports/token-verifier';
import type { DeliveryAttempt, Webhook } from '../../ports/webhook-store';
import { authenticate, principalOf } from './authenticate';
import { bodyParser, queryParser } from './body-schema';
import { readJsonBody } from './json-body';
import { emptyQuerySchema, MAX_ADMIN_BODY_BYTES } from './read-api-schemas';
import { historyToWire, releaseToWire } from './views';
import {
  deliveriesQuerySchema,
  evaluateBodySchema,
  healthQuerySchema,
  historyQuerySchema,
  resumeBodySchema,
  rolloutSettingsBodySchema,
  SETTINGS_WIRE_NAMES,
  webhookCreateBodySchema,
  type DeliveryWire,
  type RolloutSettingsBody,
  type WebhookWire,
} from './verdict-schemas';

const parseNoQuery = queryParser(emptyQuerySchema);
const parseCreate = bodyParser(webhookCreateBodySchema);
const parseDeliveries = queryParser(deliveriesQuerySchema);
const parseHealth = queryParser(healthQuerySchema);
const parseHistory = queryParser(historyQuerySchema);
const parseResume = bodyParser(resumeBodySchema);
const parseEvaluate = bodyParser(evaluateBodySchema);
const parseSettings = bodyParser(rolloutSettingsBodySchema);

export const webhookToWire = (w: Webhook): WebhookWire => ({ id: w.id, app_id: w.appId, url: w.url, events: w.events, created_at: w.createdAt.toISOString() });

export const attemptToWire = (a: DeliveryAttempt): DeliveryWire => ({
  event_id: a.eventId,
  webhook_id: a.webhookId,
  attempt: a.attempt,
  status: a.status,
  response_status: a.responseStatus,
  error: a.error,
  at: a.at.toISOString(),
  next_attempt_at: a.nextAttemptAt?.toISOString() ?? null,
});

const WIRE_OF = Object.fromEntries(Object.entries(SETTINGS_WIRE_NAMES).map(([wire, own]) => [own, wire]));

function settingsToWire(s: AppRolloutSettings): Record<string, unknown> {
  return Object.fromEntries(Object.entries(s).map(([k, v]) => [WIRE_OF[k] ?? k, v]));
}

function settingsFromWire(body: RolloutSettingsBody): Record<string, unknown> {
  return Object.fromEntries(Object.entries(body).map(([k, v]) => [SETTINGS_WIRE_NAMES[k as keyof RolloutSettingsBody], v]));
}

const appIdOf = (req: Request) => String(req.params.id);

/** Webhooks per app (apps.edit) and their delivery log. */
export function webhooksRoutes(webhooks: WebhookManagement, verifier: TokenVerifier): Router {
  const router = Router();
  const auth = authenticate(verifier);

  router.post('/apps/:id/webhooks', auth, async (req, res) => {
    parseNoQuery(req.query);
    const body = parseCreate(await readJsonBody(req, MAX_ADMIN_BODY_BYTES));
    const created = await webhooks.create(principalOf(res), appIdOf(req), body);
    // The only time the secret leaves the service.
    res.status(201).json({ ...webhookToWire(created), secret: created.secret });
  });

  router.get('/apps/:id/webhooks', auth, async (req, res) => {
    parseNoQuery(req.query);
    res.json({ items: (await webhooks.list(principalOf(res), appIdOf(req))).map(webhookToWire) });
  });

  router.delete('/apps/:id/webhooks/:wid', auth, async (req, res) => {
    parseNoQuery(req.query);
    await webhooks.delete(principalOf(res), appIdOf(req), String(req.params.wid));
    res.json({ id: String(req.params.wid), deleted: true });
  });

  router.get('/apps/:id/webhooks/:wid/deliveries', auth, async (req, res) => {
    const { limit } = parseDeliveries(req.query);
    const attempts = await webhooks.deliveries(principalOf(res), appIdOf(req), String(req.params.wid), limit);
    res.json({ items: attempts.map(attemptToWire) });
  });

  return router;
}

/** GET /rollouts/health and /rollouts/history (apps.download), resume and evaluate (apps.edit), per-app settings. */
export function rolloutHealthRoutes(health: RolloutHealth, verifier: TokenVerifier): Router {
  const router = Router();
  const auth = authenticate(verifier);

  router.get('/rollouts/health', auth, async (req, res) => {
    const q = parseHealth(req.query);
    res.json(releaseToWire(await health.health(principalOf(res), q.app, q.version, { channel: q.channel, platform: q.platform, arch: q.arch }, q.baseline)));
  });

  router.get('/rollouts/history', auth, async (req, res) => {
    const q = parseHistory(req.query);
    const { appId, entries } = await health.history(principalOf(res), q.app, q.version);
    res.json({ app_id: appId, version: q.version, items: entries.map(historyToWire) });
  });

  router.post('/rollouts/resume', auth, async (req, res) => {
    parseNoQuery(req.query);
    const body = parseResume(await readJsonBody(req, MAX_ADMIN_BODY_BYTES));
    res.json(releaseToWire(await health.resume(principalOf(res), body.app, body.version, body.note)));
  });

  router.post('/rollouts/evaluate', auth, async (req, res) => {
    parseNoQuery(req.query);
    const body = parseEvaluate(await readJsonBody(req, MAX_ADMIN_BODY_BYTES));
    res.json({ items: (await health.evaluate(principalOf(res), body.app, body.version)).map(releaseToWire) });
  });

  router.get('/apps/:id/rollout-settings', auth, async (req, res) => {
    parseNoQuery(req.query);
    res.json(settingsToWire(await health.settings(principalOf(res), appIdOf(req))));
  });

  router.patch('/apps/:id/rollout-settings', auth, async (req, res) => {
    parseNoQuery(req.query);
    const body = parseSettings(await readJsonBody(req, MAX_ADMIN_BODY_BYTES));
    res.json(settingsToWire(await health.updateSettings(principalOf(res), appIdOf(req), settingsFromWire(body))));
  });

  router.delete('/apps/:id/rollout-settings', auth, async (req, res) => {
    parseNoQuery(req.query);
    res.json(settingsToWire(await health.resetSettings(principalOf(res), appIdOf(req))));
  });

  return router;
}
