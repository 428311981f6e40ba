import type { JSONSchemaType } from 'ajv';
import { GATED_METRICS, type GatedMetric } from '../../domain/rollout-settings';
import { REPORT_FIELD_LIMITS } from '../../domain/report-validation';
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from '../../ports/webhook-store';
import { MAX_NOTE_LENGTH, orNull } from './read-api-schemas';

// The wire shapes of webhooks and rollout health, one schema each, for ajv and the OpenAPI document.

const appRef = { ...REPORT_FIELD_LIMITS['application.name'], type: 'string', minLength: 1 } as const;
const version = { type: 'string', minLength: 1, ...REPORT_FIELD_LIMITS['application.version'] } as const;
const dimension = (name: keyof typeof REPORT_FIELD_LIMITS) => ({ type: 'string', nullable: true, minLength: 1, ...REPORT_FIELD_LIMITS[name] }) as const;

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
    alpha_healthy: { ...num, maximum: 0.5, description: 'healthy when e ≥ 1/alpha_healthy twice running (0.01)' },
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
