import { errorSchema, type RouteDoc } from './openapi';
import { emptyQuerySchema, itemsSchema } from './read-api-schemas';
import {
  deliveriesQuerySchema,
  evaluateBodySchema,
  healthQuerySchema,
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

const interval = object(['affected', 'exposure', 'rate', 'low', 'high'], {
  affected: { type: 'number' },
  exposure: { type: 'number' },
  rate: { type: 'number' },
  low: { type: 'number' },
  high: { type: 'number' },
});
const metric = object(['release', 'baseline', 'ratio', 'e_value', 'e_value_healthy'], {
  release: interval,
  baseline: { oneOf: [interval, { type: 'null' }] },
  ratio: { type: ['number', 'null'] },
  e_value: { type: ['number', 'null'] },
  e_value_healthy: { type: ['number', 'null'] },
});
const verdict = { type: 'string', enum: ['healthy', 'watch', 'halt'] };
export const releaseHealthSchema = object(['app_id', 'version', 'verdict', 'baseline_version', 'data_through', 'cells'], {
  app_id: { type: 'string' },
  version: { type: 'string' },
  verdict,
  baseline_version: { type: ['string', 'null'] },
  data_through: { type: ['string', 'null'] },
  evaluated_at: { type: ['string', 'null'] },
  resumed: { oneOf: [object(['at', 'by', 'note'], { at: { type: 'string' }, by: { type: 'string' }, note: { type: 'string' } }), { type: 'null' }] },
  cells: {
    type: 'array',
    items: object(['channel', 'platform', 'arch', 'verdict', 'reasons', 'metrics'], {
      channel: { type: 'string' },
      platform: { type: 'string' },
      arch: { type: 'string' },
      verdict,
      reasons: { type: 'array', items: { type: 'string' } },
      baseline_version: { type: ['string', 'null'] },
      metrics: { type: 'object', properties: { crash: metric, update_failure: metric, install_failure: metric } },
    }),
  },
});

export const webhooksDocs: RouteDoc[] = [
  { method: 'post', path: '/apps/:id/webhooks', summary: 'Add a webhook; its signing secret is in this answer only', tag: 'webhooks', auth: 'jwt', query: emptyQuerySchema, body: webhookCreateBodySchema, responses: { 201: { description: 'Created, with secret', schema: webhookCreatedSchema }, 400: error('Invalid body'), ...notInReach, ...jwtErrors } },
  { method: 'get', path: '/apps/:id/webhooks', summary: 'An app\'s webhooks (without secrets)', tag: 'webhooks', auth: 'jwt', query: emptyQuerySchema, responses: { 200: { description: 'Webhooks', schema: itemsSchema(webhookSchema) }, ...notInReach, ...jwtErrors } },
  { method: 'delete', path: '/apps/:id/webhooks/:wid', summary: 'Remove a webhook with its pending deliveries', tag: 'webhooks', auth: 'jwt', query: emptyQuerySchema, responses: { 200: { description: 'Deleted', schema: object(['id', 'deleted'], { id: { type: 'string' }, deleted: { type: 'boolean' } }) }, ...notInReach, ...jwtErrors } },
  { method: 'get', path: '/apps/:id/webhooks/:wid/deliveries', summary: 'Every delivery attempt, newest first', tag: 'webhooks', auth: 'jwt', query: deliveriesQuerySchema, responses: { 200: { description: 'Delivery attempts', schema: itemsSchema(deliverySchema) }, ...notInReach, ...jwtErrors } },
];

export const rolloutHealthDocs: RouteDoc[] = [
  { method: 'get', path: '/rollouts/health', summary: 'A release\'s verdict (healthy, watch, halt) per cell with its evidence; Argo Rollouts reads $.verdict', tag: 'rollouts', auth: 'jwt', query: healthQuerySchema, responses: { 200: { description: 'Release health', schema: releaseHealthSchema }, 400: error('Invalid query'), 404: error('Unknown app'), ...jwtErrors } },
  { method: 'post', path: '/rollouts/resume', summary: 'Lift a halt; recorded with who and when, and the release is evaluated again from now', tag: 'rollouts', auth: 'jwt', query: emptyQuerySchema, body: resumeBodySchema, responses: { 200: { description: 'Release health', schema: releaseHealthSchema }, 400: error('Invalid body'), 404: error('Unknown app or never-evaluated release'), ...jwtErrors } },
  { method: 'post', path: '/rollouts/evaluate', summary: 'Evaluate an app\'s releases (or one) now', tag: 'rollouts', auth: 'jwt', query: emptyQuerySchema, body: evaluateBodySchema, responses: { 200: { description: '{items: [release health]}' }, 400: error('Invalid body'), 404: error('Unknown app'), ...jwtErrors } },
  { method: 'get', path: '/apps/:id/rollout-settings', summary: 'The app\'s rollout settings, defaults filled in', tag: 'rollouts', auth: 'jwt', query: emptyQuerySchema, responses: { 200: { description: 'Settings' }, ...notInReach, ...jwtErrors } },
  { method: 'patch', path: '/apps/:id/rollout-settings', summary: 'Change rollout settings (theta0, alpha, thresholds, grid, baseline)', tag: 'rollouts', auth: 'jwt', query: emptyQuerySchema, body: rolloutSettingsBodySchema, responses: { 200: { description: 'Settings' }, 400: error('Invalid settings'), ...notInReach, ...jwtErrors } },
  { method: 'delete', path: '/apps/:id/rollout-settings', summary: 'Back to the service defaults', tag: 'rollouts', auth: 'jwt', query: emptyQuerySchema, responses: { 200: { description: 'Settings' }, ...notInReach, ...jwtErrors } },
];
