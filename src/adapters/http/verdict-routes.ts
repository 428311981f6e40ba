import { Router, type Request } from 'express';
import type { RolloutHealth } from '../../app/rollout-health';
import type { WebhookManagement } from '../../app/webhook-management';
import type { AppRolloutSettings } from '../../ports/verdict-store';
import type { TokenVerifier } from '../../ports/token-verifier';
import type { DeliveryAttempt, Webhook } from '../../ports/webhook-store';
import { authenticate, principalOf } from './authenticate';
import { bodyParser, queryParser } from './body-schema';
import { readJsonBody } from './json-body';
import { errorResponse, JWT_ERRORS, objectSchema, type RouteDoc } from './openapi';
import { emptyQuerySchema, itemsSchema, MAX_ADMIN_BODY_BYTES } from './read-api-schemas';
import type { RouteModule } from './route-module';
import { historyToWire, releaseToWire } from './views';
import {
  deliveriesQuerySchema,
  deliverySchema,
  evaluateBodySchema,
  healthQuerySchema,
  historyQuerySchema,
  resumeBodySchema,
  releaseHealthSchema,
  releaseHistorySchema,
  rolloutSettingsBodySchema,
  SETTINGS_WIRE_NAMES,
  webhookCreateBodySchema,
  webhookCreatedSchema,
  webhookSchema,
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

const notInReach = { 404: errorResponse('No such app (or webhook) in reach') };

const webhooksDocs: RouteDoc[] = [
  { method: 'post', path: '/apps/:id/webhooks', summary: 'Add a webhook; its signing secret is in this answer only', tag: 'webhooks', auth: 'jwt', query: emptyQuerySchema, body: webhookCreateBodySchema, responses: { 201: { description: 'Created, with secret', schema: webhookCreatedSchema }, 400: errorResponse('Invalid body'), ...notInReach, ...JWT_ERRORS } },
  { method: 'get', path: '/apps/:id/webhooks', summary: 'An app\'s webhooks (without secrets)', tag: 'webhooks', auth: 'jwt', query: emptyQuerySchema, responses: { 200: { description: 'Webhooks', schema: itemsSchema(webhookSchema) }, ...notInReach, ...JWT_ERRORS } },
  { method: 'delete', path: '/apps/:id/webhooks/:wid', summary: 'Remove a webhook with its pending deliveries', tag: 'webhooks', auth: 'jwt', query: emptyQuerySchema, responses: { 200: { description: 'Deleted', schema: objectSchema(['id', 'deleted'], { id: { type: 'string' }, deleted: { type: 'boolean' } }) }, ...notInReach, ...JWT_ERRORS } },
  { method: 'get', path: '/apps/:id/webhooks/:wid/deliveries', summary: 'Every delivery attempt, newest first', tag: 'webhooks', auth: 'jwt', query: deliveriesQuerySchema, responses: { 200: { description: 'Delivery attempts', schema: itemsSchema(deliverySchema) }, ...notInReach, ...JWT_ERRORS } },
];

const rolloutHealthDocs: RouteDoc[] = [
  { method: 'get', path: '/rollouts/health', summary: 'A release\'s role, verdict (healthy, watch, halt; null unless rolling out) and evidence, with the per-cell picture; Argo Rollouts reads $.verdict', tag: 'rollouts', auth: 'jwt', query: healthQuerySchema, responses: { 200: { description: 'Release health', schema: releaseHealthSchema }, 400: errorResponse('Invalid query'), 404: errorResponse('Unknown app, or no data for that version'), ...JWT_ERRORS } },
  { method: 'get', path: '/rollouts/history', summary: 'Each change of a release\'s verdict or role, and each resume with who and why, oldest first', tag: 'rollouts', auth: 'jwt', query: historyQuerySchema, responses: { 200: { description: 'History', schema: releaseHistorySchema }, 400: errorResponse('Invalid query'), 404: errorResponse('Unknown app'), ...JWT_ERRORS } },
  { method: 'post', path: '/rollouts/resume', summary: 'Lift a halt; recorded with who and when, and the release is evaluated again from now', tag: 'rollouts', auth: 'jwt', query: emptyQuerySchema, body: resumeBodySchema, responses: { 200: { description: 'Release health', schema: releaseHealthSchema }, 400: errorResponse('Invalid body'), 404: errorResponse('Unknown app or never-evaluated release'), ...JWT_ERRORS } },
  { method: 'post', path: '/rollouts/evaluate', summary: 'Evaluate an app\'s releases (or one) now', tag: 'rollouts', auth: 'jwt', query: emptyQuerySchema, body: evaluateBodySchema, responses: { 200: { description: 'Release health of each version', schema: objectSchema(['items'], { items: { type: 'array', items: releaseHealthSchema } }) }, 400: errorResponse('Invalid body'), 404: errorResponse('Unknown app'), ...JWT_ERRORS } },
  { method: 'get', path: '/apps/:id/rollout-settings', summary: 'The app\'s rollout settings, defaults filled in', tag: 'rollouts', auth: 'jwt', query: emptyQuerySchema, responses: { 200: { description: 'Settings' }, ...notInReach, ...JWT_ERRORS } },
  { method: 'patch', path: '/apps/:id/rollout-settings', summary: 'Change rollout settings (theta0, alpha, thresholds, grid, baseline)', tag: 'rollouts', auth: 'jwt', query: emptyQuerySchema, body: rolloutSettingsBodySchema, responses: { 200: { description: 'Settings' }, 400: errorResponse('Invalid settings'), ...notInReach, ...JWT_ERRORS } },
  { method: 'delete', path: '/apps/:id/rollout-settings', summary: 'Back to the service defaults', tag: 'rollouts', auth: 'jwt', query: emptyQuerySchema, responses: { 200: { description: 'Settings' }, ...notInReach, ...JWT_ERRORS } },
];

export const webhooksModule: RouteModule<{ webhookManagement: WebhookManagement; tokenVerifier: TokenVerifier }> = {
  name: 'webhooks',
  routes: ({ webhookManagement, tokenVerifier }) => webhooksRoutes(webhookManagement, tokenVerifier),
  docs: () => webhooksDocs,
};

export const rolloutHealthModule: RouteModule<{ rolloutHealth: RolloutHealth; tokenVerifier: TokenVerifier }> = {
  name: 'rollout-health',
  routes: ({ rolloutHealth, tokenVerifier }) => rolloutHealthRoutes(rolloutHealth, tokenVerifier),
  docs: () => rolloutHealthDocs,
};
