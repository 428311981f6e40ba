import { errorSchema, type RouteDoc } from './openapi';
import { emptyQuerySchema, itemsSchema } from './read-api-schemas';
import {
  deliveriesQuerySchema,
  evaluateBodySchema,
  healthQuerySchema,
  historyQuerySchema,
  resumeBodySchema,
  rolloutSettingsBodySchema,
  deliverySchema,
  webhookCreateBodySchema,
  webhookCreatedSchema,
  webhookSchema,
} from './verdict-schemas';

const error = (description: string) => ({ description, schema: errorSchema });
const object = (required: string[], properties: Record<string, object>) => ({ type: 'object', required, properties });
const jwtErrors = { 401: error('Missing, invalid or expired bearer token'), 403: error('The caller lacks the permission this route needs') };
const notInReach = { 404: error('No such app (or webhook) in reach') };

const rate = object(['affected', 'exposure', 'rate', 'low', 'high'], {
  affected: { type: 'number', description: 'affected device-days' },
  exposure: { type: 'number', description: 'device-days exposed (active; or attempts for update and install failures)' },
  rate: { type: ['number', 'null'], description: 'null when the metric has no denominator (no_denominator)' },
  low: { type: ['number', 'null'], description: '95% Wilson interval (one look)' },
  high: { type: ['number', 'null'] },
});
const metricStatus = { type: 'string', enum: ['measured', 'no_denominator', 'no_data'], description: 'no_denominator: failures but no client reports how many tried; no_data: nothing to compare yet' };
const metric = object(['status', 'release', 'baseline', 'ratio', 'e_value', 'e_value_healthy'], {
  status: metricStatus,
  release: rate,
  baseline: rate,
  ratio: { type: ['number', 'null'] },
  e_value: { type: ['number', 'null'], description: 'evidence that the release is worse than theta0 × its baseline (halt at m/alpha)' },
  e_value_healthy: { type: ['number', 'null'], description: 'evidence that it is less than theta1 × worse (healthy at 1/alpha_healthy)' },
});
const limit = object(['scope', 'platform', 'arch', 'limit', 'release', 'baseline_matched_rate', 'e_value', 'over', 'shared'], {
  scope: { type: 'string', enum: ['overall', 'platform'] },
  platform: { type: ['string', 'null'] },
  arch: { type: ['string', 'null'] },
  limit: { type: 'number', description: 'crash_rate_limit (overall) or crash_rate_limit_platform' },
  release: { ...rate, properties: { ...rate.properties, anytime_low: { type: 'number', description: 'lower bound valid at every look (confidence sequence, 1 − alpha)' } } },
  baseline_matched_rate: { type: ['number', 'null'], description: "the baseline's crash rate over the same hours, weighted as the release's devices" },
  e_value: { type: 'number' },
  over: { type: 'boolean' },
  shared: { type: 'boolean', description: 'over the limit, and so is the baseline: crash_rate_limit_shared, watch' },
});
const verdict = { type: ['string', 'null'], enum: ['healthy', 'watch', 'halt', null], description: 'null for a baseline or previous version' };
const role = { type: 'string', enum: ['rollout', 'baseline', 'previous'], description: 'only a rollout (newer than the baseline) is judged' };
const reasons = {
  type: 'array',
  items: {
    type: 'string',
    enum: [
      'insufficient_data',
      'evidence_building',
      'evidence_restarted',
      'no_baseline_cells',
      'crash_rate_above_baseline',
      'update_failure_rate_above_baseline',
      'install_failure_rate_above_baseline',
      'crash_rate_limit',
      'crash_rate_limit_platform',
      'crash_rate_limit_shared',
      'halted_awaiting_resume',
    ],
  },
};
const metrics = { type: 'object', properties: { crash: metric, update_failure: metric, install_failure: metric } };
const cellMetric = object(['status', 'release', 'baseline', 'ratio'], { status: metricStatus, release: rate, baseline: rate, ratio: { type: ['number', 'null'] } });
export const releaseHealthSchema = object(
  ['app_id', 'version', 'role', 'verdict', 'reasons', 'explanation', 'baseline_version', 'superseded_by', 'data_through', 'evaluated_at', 'resumed', 'metrics', 'limits', 'cells'],
  {
    app_id: { type: 'string' },
    version: { type: 'string' },
    role,
    verdict,
    reasons,
    explanation: { type: 'array', items: { type: 'string' }, description: 'each reason in words' },
    baseline_version: { type: ['string', 'null'] },
    superseded_by: { type: ['string', 'null'], description: 'a newer version with real adoption: no longer a current rollout (a halt stays a halt)' },
    active_device_days: { type: 'number', description: 'over the last two UTC days' },
    evidence_since: { type: ['string', 'null'] },
    halted_at: { type: ['string', 'null'] },
    data_through: { type: ['string', 'null'] },
    evaluated_at: { type: ['string', 'null'] },
    resumed: { oneOf: [object(['at', 'by', 'note'], { at: { type: 'string' }, by: { type: 'string' }, note: { type: 'string' } }), { type: 'null' }] },
    metrics,
    limits: { type: 'array', items: limit },
    cells: {
      type: 'array',
      items: object(['channel', 'platform', 'arch', 'metrics'], {
        channel: { type: 'string' },
        platform: { type: 'string' },
        arch: { type: 'string' },
        metrics: { type: 'object', properties: { crash: cellMetric, update_failure: cellMetric, install_failure: cellMetric } },
      }),
    },
  },
);
const historyEntry = object(['at', 'kind', 'from', 'to', 'reasons', 'by', 'note'], {
  at: { type: 'string' },
  kind: { type: 'string', enum: ['verdict', 'role', 'resume'] },
  from: { type: ['string', 'null'] },
  to: { type: ['string', 'null'] },
  reasons,
  by: { type: ['string', 'null'], description: 'who resumed' },
  note: { type: ['string', 'null'], description: 'why' },
});
export const releaseHistorySchema = object(['app_id', 'version', 'items'], { app_id: { type: 'string' }, version: { type: 'string' }, items: { type: 'array', items: historyEntry } });

export const webhooksDocs: RouteDoc[] = [
  { method: 'post', path: '/apps/:id/webhooks', summary: 'Add a webhook; its signing secret is in this answer only', tag: 'webhooks', auth: 'jwt', query: emptyQuerySchema, body: webhookCreateBodySchema, responses: { 201: { description: 'Created, with secret', schema: webhookCreatedSchema }, 400: error('Invalid body'), ...notInReach, ...jwtErrors } },
  { method: 'get', path: '/apps/:id/webhooks', summary: 'An app\'s webhooks (without secrets)', tag: 'webhooks', auth: 'jwt', query: emptyQuerySchema, responses: { 200: { description: 'Webhooks', schema: itemsSchema(webhookSchema) }, ...notInReach, ...jwtErrors } },
  { method: 'delete', path: '/apps/:id/webhooks/:wid', summary: 'Remove a webhook with its pending deliveries', tag: 'webhooks', auth: 'jwt', query: emptyQuerySchema, responses: { 200: { description: 'Deleted', schema: object(['id', 'deleted'], { id: { type: 'string' }, deleted: { type: 'boolean' } }) }, ...notInReach, ...jwtErrors } },
  { method: 'get', path: '/apps/:id/webhooks/:wid/deliveries', summary: 'Every delivery attempt, newest first', tag: 'webhooks', auth: 'jwt', query: deliveriesQuerySchema, responses: { 200: { description: 'Delivery attempts', schema: itemsSchema(deliverySchema) }, ...notInReach, ...jwtErrors } },
];

export const rolloutHealthDocs: RouteDoc[] = [
  { method: 'get', path: '/rollouts/health', summary: 'A release\'s role, verdict (healthy, watch, halt; null unless rolling out) and evidence, with the per-cell picture; Argo Rollouts reads $.verdict', tag: 'rollouts', auth: 'jwt', query: healthQuerySchema, responses: { 200: { description: 'Release health', schema: releaseHealthSchema }, 400: error('Invalid query'), 404: error('Unknown app, or no data for that version'), ...jwtErrors } },
  { method: 'get', path: '/rollouts/history', summary: 'Each change of a release\'s verdict or role, and each resume with who and why, oldest first', tag: 'rollouts', auth: 'jwt', query: historyQuerySchema, responses: { 200: { description: 'History', schema: releaseHistorySchema }, 400: error('Invalid query'), 404: error('Unknown app'), ...jwtErrors } },
  { method: 'post', path: '/rollouts/resume', summary: 'Lift a halt; recorded with who and when, and the release is evaluated again from now', tag: 'rollouts', auth: 'jwt', query: emptyQuerySchema, body: resumeBodySchema, responses: { 200: { description: 'Release health', schema: releaseHealthSchema }, 400: error('Invalid body'), 404: error('Unknown app or never-evaluated release'), ...jwtErrors } },
  { method: 'post', path: '/rollouts/evaluate', summary: 'Evaluate an app\'s releases (or one) now', tag: 'rollouts', auth: 'jwt', query: emptyQuerySchema, body: evaluateBodySchema, responses: { 200: { description: 'Release health of each version', schema: object(['items'], { items: { type: 'array', items: releaseHealthSchema } }) }, 400: error('Invalid body'), 404: error('Unknown app'), ...jwtErrors } },
  { method: 'get', path: '/apps/:id/rollout-settings', summary: 'The app\'s rollout settings, defaults filled in', tag: 'rollouts', auth: 'jwt', query: emptyQuerySchema, responses: { 200: { description: 'Settings' }, ...notInReach, ...jwtErrors } },
  { method: 'patch', path: '/apps/:id/rollout-settings', summary: 'Change rollout settings (theta0, alpha, thresholds, grid, baseline)', tag: 'rollouts', auth: 'jwt', query: emptyQuerySchema, body: rolloutSettingsBodySchema, responses: { 200: { description: 'Settings' }, 400: error('Invalid settings'), ...notInReach, ...jwtErrors } },
  { method: 'delete', path: '/apps/:id/rollout-settings', summary: 'Back to the service defaults', tag: 'rollouts', auth: 'jwt', query: emptyQuerySchema, responses: { 200: { description: 'Settings' }, ...notInReach, ...jwtErrors } },
];
