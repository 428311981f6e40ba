import type { JSONSchemaType } from 'ajv';
import { GATED_METRICS, type GatedMetric } from '../../domain/rollout-verdict';
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
  android_vitals_overall?: number | null;
  android_vitals_cell?: number | null;
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
    alpha_healthy: { ...num, maximum: 0.5, description: 'healthy when e ≥ 1/alpha_healthy twice running (0.05)' },
    min_affected: { ...int, description: 'affected release devices needed to halt on evidence (3)' },
    min_devices: { ...int, description: 'device count below which data is insufficient (ROLLOUT_MIN_DEVICES)' },
    android_vitals_overall: { ...num, maximum: 1, description: '24 h crash rate level, overall (0.0109)' },
    android_vitals_cell: { ...num, maximum: 1, description: '24 h crash rate level in one (platform, arch) (0.08)' },
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
  android_vitals_overall: 'androidVitalsOverall',
  android_vitals_cell: 'androidVitalsCell',
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

// Rollout health, for the OpenAPI document.

const interval = objectSchema(['affected', 'exposure', 'rate', 'low', 'high'], {
  affected: { type: 'number' },
  exposure: { type: 'number' },
  rate: { type: 'number' },
  low: { type: 'number' },
  high: { type: 'number' },
});
const metric = objectSchema(['release', 'baseline', 'ratio', 'e_value', 'e_value_healthy'], {
  release: interval,
  baseline: { oneOf: [interval, { type: 'null' }] },
  ratio: { type: ['number', 'null'] },
  e_value: { type: ['number', 'null'] },
  e_value_healthy: { type: ['number', 'null'] },
});
const verdict = { type: 'string', enum: ['healthy', 'watch', 'halt'] };
export const releaseHealthSchema = objectSchema(['app_id', 'version', 'verdict', 'baseline_version', 'data_through', 'cells'], {
  app_id: { type: 'string' },
  version: { type: 'string' },
  verdict,
  baseline_version: { type: ['string', 'null'] },
  data_through: { type: ['string', 'null'] },
  evaluated_at: { type: ['string', 'null'] },
  resumed: { oneOf: [objectSchema(['at', 'by', 'note'], { at: { type: 'string' }, by: { type: 'string' }, note: { type: 'string' } }), { type: 'null' }] },
  cells: {
    type: 'array',
    items: objectSchema(['channel', 'platform', 'arch', 'verdict', 'reasons', 'metrics'], {
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
