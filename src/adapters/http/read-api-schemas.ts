import type { JSONSchemaType } from 'ajv';
import { SUMMARY_DIMENSIONS, type GroupFilter } from '../../domain/group-query';
import { EVENT_TYPES, GROUP_STATUSES, type GroupStatus } from '../../domain/report';
import { REPORT_FIELD_LIMITS } from '../../domain/report-validation';
import { RFC3339_PATTERN } from '../../domain/rfc3339';
import type { appToWire, blobToWire, groupToWire, keyToWire } from './views';

// The wire shapes of the read API and app management, one schema each: ajv validates with them
// (body-schema.ts), the TypeScript types below are what they produce, and the route modules' docs build the
// OpenAPI document from them. A filter value that could never match is refused, not ignored.

export const TAG_PATTERN = '^[a-zA-Z0-9._-]{1,64}$';
export const MAX_TAGS = 20;
export const MAX_NOTE_LENGTH = 2000;
export const MAX_PAGE_LIMIT = 100;
export const DEFAULT_PAGE_LIMIT = 20;
/** The largest triage or app body is a few KiB; anything bigger is refused unread. */
export const MAX_ADMIN_BODY_BYTES = 16 * 1024;

export const dimension = (name: keyof typeof REPORT_FIELD_LIMITS) =>
  ({ type: 'string', nullable: true, minLength: 1, ...REPORT_FIELD_LIMITS[name] }) as const;
const dateTime = { type: 'string', nullable: true, pattern: RFC3339_PATTERN, description: 'RFC 3339, on stats.last_seen' } as const;
/** An app id, or an app name resolved within the caller's account (faynoSync filters by name). */
export const appRef = { ...REPORT_FIELD_LIMITS['application.name'], type: 'string', minLength: 1 } as const;
const groupByPattern = `^(${SUMMARY_DIMENSIONS.join('|')})(,(${SUMMARY_DIMENSIONS.join('|')}))*$`;

/** GroupFilter's dimensions as they arrive, plus the app reference, the time range as text and paging. */
export type GroupListQuery = Omit<GroupFilter, 'appIds' | 'from' | 'to'> & {
  app?: string;
  from?: string;
  to?: string;
  page: number;
  limit: number;
};

export const groupListQuerySchema: JSONSchemaType<GroupListQuery> = {
  type: 'object',
  additionalProperties: false,
  required: [],
  properties: {
    app: { ...appRef, nullable: true },
    version: dimension('application.version'),
    channel: dimension('application.channel'),
    platform: dimension('system.platform'),
    arch: dimension('system.arch'),
    type: { type: 'string', nullable: true, enum: [...EVENT_TYPES] },
    reason: dimension('event.reason'),
    status: { type: 'string', nullable: true, enum: [...GROUP_STATUSES] },
    from: dateTime,
    to: dateTime,
    page: { type: 'integer', minimum: 1, maximum: 1_000_000, default: 1 },
    limit: { type: 'integer', minimum: 1, maximum: MAX_PAGE_LIMIT, default: DEFAULT_PAGE_LIMIT },
  },
};

export interface SummaryQuery {
  app: string;
  group_by?: string;
  from?: string;
  to?: string;
}

export const summaryQuerySchema: JSONSchemaType<SummaryQuery> = {
  type: 'object',
  additionalProperties: false,
  required: ['app'],
  properties: {
    app: appRef,
    group_by: { type: 'string', nullable: true, pattern: groupByPattern, description: `comma-separated: ${SUMMARY_DIMENSIONS.join(', ')}` },
    from: dateTime,
    to: dateTime,
  },
};

/** Narrows a group lookup to one app; without it the hash is looked up across the caller's apps. */
export interface GroupRefQuery {
  app?: string;
}

export const groupRefQuerySchema: JSONSchemaType<GroupRefQuery> = {
  type: 'object',
  additionalProperties: false,
  required: [],
  properties: { app: { ...appRef, nullable: true } },
};

export interface BlobDownloadQuery {
  key: string;
  expires: string;
  signature: string;
}

// Deliberately loose: anything malformed fails the signature check and is 403, like tampering.
export const blobDownloadQuerySchema: JSONSchemaType<BlobDownloadQuery> = {
  type: 'object',
  additionalProperties: false,
  required: ['key', 'expires', 'signature'],
  properties: {
    key: { type: 'string', minLength: 1, maxLength: 1024 },
    expires: { type: 'string', maxLength: 20 },
    signature: { type: 'string', maxLength: 128 },
  },
};

export type EmptyQuery = Record<string, never>;

export const emptyQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {},
} as unknown as JSONSchemaType<EmptyQuery>;

export interface GroupPatchBody {
  status?: GroupStatus;
  tags?: string[];
  note?: string;
}

export const groupPatchBodySchema: JSONSchemaType<GroupPatchBody> = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  required: [],
  properties: {
    status: { type: 'string', nullable: true, enum: [...GROUP_STATUSES] },
    tags: { type: 'array', nullable: true, maxItems: MAX_TAGS, uniqueItems: true, items: { type: 'string', pattern: TAG_PATTERN } },
    note: { type: 'string', nullable: true, maxLength: MAX_NOTE_LENGTH },
  },
};

export interface AppCreateBody {
  name: string;
  reports?: boolean;
}

export const appCreateBodySchema: JSONSchemaType<AppCreateBody> = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    // The ingest route compares application.name with the app's name, so the same charset applies.
    name: appRef,
    reports: { type: 'boolean', nullable: true, default: true },
  },
};

export interface AppPatchBody {
  reports: boolean;
}

export const appPatchBodySchema: JSONSchemaType<AppPatchBody> = {
  type: 'object',
  additionalProperties: false,
  required: ['reports'],
  properties: { reports: { type: 'boolean' } },
};

export interface KeyRegenerateBody {
  app_id: string;
}

export const keyRegenerateBodySchema: JSONSchemaType<KeyRegenerateBody> = {
  type: 'object',
  additionalProperties: false,
  required: ['app_id'],
  properties: { app_id: { type: 'string', minLength: 1, maxLength: 128 } },
};

const CELL_DIMENSIONS = ['version', 'channel', 'platform', 'arch'] as const;
const cellGroupByPattern = `^(${CELL_DIMENSIONS.join('|')})(,(${CELL_DIMENSIONS.join('|')}))*$`;

export interface RatesQuery {
  app: string;
  from?: string;
  to?: string;
  version?: string;
  channel?: string;
  platform?: string;
  arch?: string;
  group_by?: string;
  granularity: 'day' | 'hour';
}

export const ratesQuerySchema: JSONSchemaType<RatesQuery> = {
  type: 'object',
  additionalProperties: false,
  required: ['app'],
  properties: {
    app: appRef,
    from: { ...dateTime, description: 'RFC 3339; default: 7 days before to' },
    to: { ...dateTime, description: 'RFC 3339; default: now' },
    version: dimension('application.version'),
    channel: dimension('application.channel'),
    platform: dimension('system.platform'),
    arch: dimension('system.arch'),
    group_by: { type: 'string', nullable: true, pattern: cellGroupByPattern, description: `comma-separated: ${CELL_DIMENSIONS.join(', ')}; default version` },
    granularity: { type: 'string', enum: ['day', 'hour'], default: 'day' },
  },
};

// Answers. Each schema is typed by what its view function returns, so the compiler keeps the two in
// step; the OpenAPI document, and the dashboard's generated types, come from these.

type AppWire = ReturnType<typeof appToWire>;
type GroupWire = ReturnType<typeof groupToWire>;
type BlobWire = ReturnType<typeof blobToWire>;
type KeyWire = ReturnType<typeof keyToWire>;

const text = { type: 'string' } as const;
const instant = { type: 'string', format: 'date-time' } as const;
/** A required property that may be null: ajv's `nullable` marks optional ones only. */
export const orNull = <T extends object>(schema: T) => ({ anyOf: [schema, { type: 'null', nullable: true }] }) as const;
const nullableText = orNull(text);
const nullableInstant = orNull(instant);
const counter = { type: 'integer', minimum: 0 } as const;

const appProperties = { id: text, name: text, reports: { type: 'boolean' }, created_at: instant, updated_at: instant } as const;

export const appSchema: JSONSchemaType<AppWire> = {
  type: 'object',
  required: ['id', 'name', 'reports', 'created_at', 'updated_at'],
  properties: appProperties,
};

/** An app's worst verdict among its current rollouts (halt > watch > healthy), naming the version. */
export interface CurrentRolloutWire {
  version: string;
  verdict: 'healthy' | 'watch' | 'halt';
}

/** GET /apps items: the app, and its worst current rollout (null when none is rolling out). */
export const appListItemSchema: JSONSchemaType<AppWire & { rollout: CurrentRolloutWire | null }> = {
  type: 'object',
  required: ['id', 'name', 'reports', 'created_at', 'updated_at', 'rollout'],
  properties: {
    ...appProperties,
    rollout: {
      ...orNull({ type: 'object', required: ['version', 'verdict'], properties: { version: text, verdict: { type: 'string', enum: ['healthy', 'watch', 'halt'] } } }),
      description: "the worst verdict among the app's current rollouts, naming the version; null when nothing is rolling out",
    },
  },
};

export const appCreatedSchema: JSONSchemaType<AppWire & { report_key: string }> = {
  type: 'object',
  required: ['id', 'name', 'reports', 'created_at', 'updated_at', 'report_key'],
  properties: { ...appProperties, report_key: text },
};

const dimensionsSchema = {
  application: { type: 'object', required: ['name', 'version', 'channel'], properties: { name: text, version: text, channel: text } },
  system: { type: 'object', required: ['platform', 'arch'], properties: { platform: text, arch: text } },
  event: { type: 'object', required: ['type', 'reason'], properties: { type: { type: 'string', enum: [...EVENT_TYPES] }, reason: text } },
} as const;

export const groupSchema: JSONSchemaType<GroupWire> = {
  type: 'object',
  required: ['group_hash', 'app_id', 'application', 'system', 'event', 'stats', 'status', 'resolved_at', 'resolved_by', 'tags', 'note', 'created_at', 'updated_at'],
  properties: {
    group_hash: text,
    app_id: text,
    ...dimensionsSchema,
    stats: {
      type: 'object',
      required: ['count', 'first_seen', 'last_seen', 'details_stored', 'details_rejected'],
      properties: { count: counter, first_seen: instant, last_seen: instant, details_stored: counter, details_rejected: counter },
    },
    status: { type: 'string', enum: [...GROUP_STATUSES] },
    resolved_at: nullableInstant,
    resolved_by: nullableText,
    tags: { type: 'array', items: text },
    note: { type: 'string', description: 'empty when none' },
    created_at: instant,
    updated_at: instant,
  },
};

export const groupPageSchema: JSONSchemaType<{ items: GroupWire[]; total: number; page: number; limit: number }> = {
  type: 'object',
  required: ['items', 'total', 'page', 'limit'],
  properties: { items: { type: 'array', items: groupSchema }, total: counter, page: { type: 'integer', minimum: 1 }, limit: { type: 'integer', minimum: 1 } },
};

export const groupPatchedSchema: JSONSchemaType<{ group_hash: string; updated: boolean; group: GroupWire }> = {
  type: 'object',
  required: ['group_hash', 'updated', 'group'],
  properties: { group_hash: text, updated: { type: 'boolean' }, group: groupSchema },
};

export const blobSchema: JSONSchemaType<BlobWire> = {
  type: 'object',
  required: ['id', 'group_hash', 'app_id', 'application', 'system', 'event', 'storage', 'created_at', 'expires_at', 'url'],
  properties: {
    id: text,
    group_hash: text,
    app_id: text,
    ...dimensionsSchema,
    storage: {
      type: 'object',
      required: ['driver', 'key', 'compressed_size', 'decompressed_size', 'content_type', 'encoding'],
      properties: { driver: text, key: text, compressed_size: counter, decompressed_size: counter, content_type: text, encoding: text },
    },
    created_at: instant,
    expires_at: instant,
    url: { type: 'string', description: 'A short-lived signed download URL (REPORTS_SIGNED_URL_TTL_SECONDS): this service for the fs and memory stores, the S3 endpoint for s3' },
  },
};

export const keySchema: JSONSchemaType<KeyWire> = {
  type: 'object',
  required: ['app_id', 'app_name', 'report_key', 'created_at', 'updated_at'],
  properties: { app_id: text, app_name: text, report_key: nullableText, created_at: nullableInstant, updated_at: nullableInstant },
};

/** `{ items: [...] }`, the shape of every list answer without paging. */
export function itemsSchema<T>(of: JSONSchemaType<T>): JSONSchemaType<{ items: T[] }> {
  return { type: 'object', required: ['items'], properties: { items: { type: 'array', items: of } } } as JSONSchemaType<{ items: T[] }>;
}
