import type { JSONSchemaType } from 'ajv';
import { GATED_METRICS, type GatedMetric } from '../../domain/rollout-settings';
import { REPORT_FIELD_LIMITS } from '../../domain/report-validation';
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from '../../ports/webhook-store';
import { objectSchema } from './openapi';
import { appRef, dimension, MAX_NOTE_LENGTH, orNull } from './read-api-schemas';

// The wire shapes of webhooks and rollout health, one schema each, for ajv and the OpenAPI document.

const version = { type: 'string', minLength: 1, ...REPORT_FIELD_LIMITS['application.version'] } as const;

export interface WebhookCreateBody {
  url: string;
  events: WebhookEventType[];
}

export const webhookCreateBodySchema: JSONSchemaType<WebhookCreateBody> = {
  type: 'object',
  additionalProperties: false,
  required: ['url', 'events'],
  properties: {
    url: { type: 'string', minLength: 1, maxLength: 2048, pattern: '^https?://', description: 'http(s); loopback, private and metadata destinations are refused at delivery unless WEBHOOK_ALLOW_PRIVATE=true' },
    events: { type: 'array', minItems: 1, maxItems: WEBHOOK_EVENT_TYPES.length, uniqueItems: true, items: { type: 'string', enum: [...WEBHOOK_EVENT_TYPES] } },
  },
};

export interface DeliveriesQuery {
  limit: number;
}

export const deliveriesQuerySchema: JSONSchemaType<DeliveriesQuery> = {
  type: 'object',
  additionalProperties: false,
  required: [],
  properties: { limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 } },
};

export interface HealthQuery {
  app: string;
  version: string;
  channel?: string;
  platform?: string;
  arch?: string;
  baseline?: string;
}

export const healthQuerySchema: JSONSchemaType<HealthQuery> = {
  type: 'object',
  additionalProperties: false,
  required: ['app', 'version'],
  properties: {
    app: appRef,
    version,
    channel: dimension('application.channel'),
    platform: dimension('system.platform'),
    arch: dimension('system.arch'),
    baseline: { ...dimension('application.version'), description: 'compare with this version instead of the chosen one (evaluated on the spot, not saved)' },
  },
};

export interface HistoryQuery {
  app: string;
  version: string;
}

export const historyQuerySchema: JSONSchemaType<HistoryQuery> = {
  type: 'object',
  additionalProperties: false,
  required: ['app', 'version'],
  properties: { app: appRef, version },
};

export interface ResumeBody {
  app: string;
  version: string;
  note: string;
}

export const resumeBodySchema: JSONSchemaType<ResumeBody> = {
  type: 'object',
  additionalProperties: false,
  required: ['app', 'version', 'note'],
  properties: { app: appRef, version, note: { type: 'string', minLength: 1, maxLength: MAX_NOTE_LENGTH } },
};

export interface EvaluateBody {
  app: string;
  version?: string;
}

export const evaluateBodySchema: JSONSchemaType<EvaluateBody> = {
  type: 'object',
  additionalProperties: false,
  required: ['app'],
  properties: { app: appRef, version: { ...version, nullable: true } },
};

/** snake_case on the wire; DELETE /apps/:id/rollout-settings puts them all back to the defaults. */
export interface RolloutSettingsBody {
  theta0?: number | null;
  theta1?: number | null;
  alpha?: number | null;
  alpha_healthy?: number | null;
  min_affected?: number | null;
  min_devices?: number | null;
  crash_rate_limit?: number | null;
  crash_rate_limit_platform?: number | null;
  grid_min?: number | null;
  grid_max?: number | null;
  grid_size?: number | null;
  metrics?: GatedMetric[] | null;
  baseline?: string | null;
}

const num = { type: 'number', nullable: true, exclusiveMinimum: 0 } as const;
const int = { type: 'integer', nullable: true, minimum: 0 } as const;

export const rolloutSettingsBodySchema: JSONSchemaType<RolloutSettingsBody> = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  required: [],
  properties: {
    theta0: { ...num, description: 'halt tests "at most theta0 times worse" (1.25)' },
    theta1: { ...num, description: 'healthy tests "at least theta1 times worse" (1.5)' },
    alpha: { ...num, maximum: 0.5, description: 'halt when e ≥ m/alpha (0.01)' },
    alpha_healthy: { ...num, maximum: 0.5, description: 'healthy when e ≥ 1/alpha_healthy twice running (0.001)' },
    min_affected: { ...int, description: 'affected release devices needed to halt on evidence (3)' },
    min_devices: { ...int, description: 'device count below which data is insufficient (ROLLOUT_MIN_DEVICES)' },
    crash_rate_limit: { ...num, maximum: 1, description: "absolute crash-rate limit in device-days over the release's cells: Google Play's bad-behaviour threshold (0.0109)" },
    crash_rate_limit_platform: { ...num, maximum: 1, description: 'the same limit in one (platform, arch) (0.08)' },
    grid_min: { ...num },
    grid_max: { ...num },
    grid_size: { type: 'integer', nullable: true, minimum: 1, maximum: 1000 },
    metrics: { type: 'array', nullable: true, minItems: 1, uniqueItems: true, items: { type: 'string', enum: [...GATED_METRICS] } },
    baseline: { ...dimension('application.version'), description: 'always compare with this version' },
  },
};

export const SETTINGS_WIRE_NAMES: Record<keyof RolloutSettingsBody, string> = {
  theta0: 'theta0',
  theta1: 'theta1',
  alpha: 'alpha',
  alpha_healthy: 'alphaHealthy',
  min_affected: 'minAffected',
  min_devices: 'minDevices',
  crash_rate_limit: 'crashRateLimit',
  crash_rate_limit_platform: 'crashRateLimitPlatform',
  grid_min: 'gridMin',
  grid_max: 'gridMax',
  grid_size: 'gridSize',
  metrics: 'metrics',
  baseline: 'baseline',
};

export interface WebhookWire {
  id: string;
  app_id: string;
  url: string;
  events: WebhookEventType[];
  created_at: string;
}

export interface DeliveryWire {
  event_id: string;
  webhook_id: string;
  attempt: number;
  status: 'delivered' | 'failed';
  response_status: number | null;
  error: string | null;
  at: string;
  next_attempt_at: string | null;
}

const webhookProperties = {
  id: { type: 'string' },
  app_id: { type: 'string' },
  url: { type: 'string' },
  events: { type: 'array', items: { type: 'string', enum: [...WEBHOOK_EVENT_TYPES] } },
  created_at: { type: 'string', format: 'date-time' },
} as const;

export const webhookSchema: JSONSchemaType<WebhookWire> = {
  type: 'object',
  required: ['id', 'app_id', 'url', 'events', 'created_at'],
  properties: webhookProperties,
};

export const webhookCreatedSchema: JSONSchemaType<WebhookWire & { secret: string }> = {
  type: 'object',
  required: ['id', 'app_id', 'url', 'events', 'created_at', 'secret'],
  properties: { ...webhookProperties, secret: { type: 'string', description: 'whsec_…, for checking signatures; only in this answer' } },
};

export const deliverySchema: JSONSchemaType<DeliveryWire> = {
  type: 'object',
  required: ['event_id', 'webhook_id', 'attempt', 'status', 'response_status', 'error', 'at', 'next_attempt_at'],
  properties: {
    event_id: { type: 'string' },
    webhook_id: { type: 'string' },
    attempt: { type: 'integer', minimum: 1 },
    status: { type: 'string', enum: ['delivered', 'failed'] },
    response_status: orNull({ type: 'integer' } as const),
    error: orNull({ type: 'string' } as const),
    at: { type: 'string', format: 'date-time' },
    next_attempt_at: orNull({ type: 'string', format: 'date-time' } as const),
  },
};

// Rollout health and history, for the OpenAPI document.

const rate = objectSchema(['affected', 'exposure', 'rate', 'low', 'high'], {
  affected: { type: 'number', description: 'affected device-days' },
  exposure: { type: 'number', description: 'device-days exposed (active; or attempts for update and install failures)' },
  rate: { type: ['number', 'null'], description: 'null when the metric has no denominator (no_denominator)' },
  low: { type: ['number', 'null'], description: '95% Wilson interval (one look)' },
  high: { type: ['number', 'null'] },
});
const metricStatus = { type: 'string', enum: ['measured', 'no_denominator', 'no_data'], description: 'no_denominator: failures but no client reports how many tried; no_data: nothing to compare yet' };
const metric = objectSchema(['status', 'release', 'baseline', 'ratio', 'e_value', 'e_value_healthy'], {
  status: metricStatus,
  release: rate,
  baseline: rate,
  ratio: { type: ['number', 'null'] },
  e_value: { type: ['number', 'null'], description: 'evidence that the release is worse than theta0 × its baseline (halt at m/alpha)' },
  e_value_healthy: { type: ['number', 'null'], description: 'evidence that it is less than theta1 × worse (healthy at 1/alpha_healthy)' },
});
const limit = objectSchema(['scope', 'platform', 'arch', 'limit', 'release', 'baseline_matched_rate', 'e_value', 'over', 'shared'], {
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
const cellMetric = objectSchema(['status', 'release', 'baseline', 'ratio'], { status: metricStatus, release: rate, baseline: rate, ratio: { type: ['number', 'null'] } });
export const releaseHealthSchema = objectSchema(
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
    resumed: { oneOf: [objectSchema(['at', 'by', 'note'], { at: { type: 'string' }, by: { type: 'string' }, note: { type: 'string' } }), { type: 'null' }] },
    metrics,
    limits: { type: 'array', items: limit },
    cells: {
      type: 'array',
      items: objectSchema(['channel', 'platform', 'arch', 'metrics'], {
        channel: { type: 'string' },
        platform: { type: 'string' },
        arch: { type: 'string' },
        metrics: { type: 'object', properties: { crash: cellMetric, update_failure: cellMetric, install_failure: cellMetric } },
      }),
    },
  },
);
const historyEntry = objectSchema(['at', 'kind', 'from', 'to', 'reasons', 'by', 'note'], {
  at: { type: 'string' },
  kind: { type: 'string', enum: ['verdict', 'role', 'resume'] },
  from: { type: ['string', 'null'] },
  to: { type: ['string', 'null'] },
  reasons,
  by: { type: ['string', 'null'], description: 'who resumed' },
  note: { type: ['string', 'null'], description: 'why' },
});
export const releaseHistorySchema = objectSchema(['app_id', 'version', 'items'], { app_id: { type: 'string' }, version: { type: 'string' }, items: { type: 'array', items: historyEntry } });
