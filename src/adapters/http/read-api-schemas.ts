import Ajv, { type ErrorObject, type JSONSchemaType } from 'ajv';
import { SUMMARY_DIMENSIONS, type GroupFilter } from '../../domain/group-query';
import { EVENT_TYPES, GROUP_STATUSES, type GroupStatus } from '../../domain/report';
import { REPORT_FIELD_LIMITS, fieldName } from '../../domain/report-validation';
import { ValidationError } from '../../domain/errors';
import { RFC3339_PATTERN } from '../../domain/rfc3339';

// The wire shapes of the read API and app management, one schema each: ajv validates with them,
// the TypeScript types below are what they produce, and the OpenAPI document is generated from
// `readApiSchemas`. A filter value that could never match is refused, not ignored.

export const TAG_PATTERN = '^[a-zA-Z0-9._-]{1,64}$';
export const MAX_TAGS = 20;
export const MAX_NOTE_LENGTH = 2000;
export const MAX_PAGE_LIMIT = 100;
export const DEFAULT_PAGE_LIMIT = 20;
/** The largest triage or app body is a few KiB; anything bigger is refused unread. */
export const MAX_ADMIN_BODY_BYTES = 16 * 1024;

const dimension = (name: keyof typeof REPORT_FIELD_LIMITS) =>
  ({ type: 'string', nullable: true, minLength: 1, ...REPORT_FIELD_LIMITS[name] }) as const;
const dateTime = { type: 'string', nullable: true, pattern: RFC3339_PATTERN, description: 'RFC 3339, on stats.last_seen' } as const;
/** An app id, or an app name resolved within the caller's account (faynoSync filters by name). */
const appRef = { ...REPORT_FIELD_LIMITS['application.name'], type: 'string', minLength: 1 } as const;
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

/** Everything an OpenAPI generator needs, by route. */
export const readApiSchemas = {
  'GET /reports/groups': { query: groupListQuerySchema },
  'GET /reports/summary': { query: summaryQuerySchema },
  'GET /reports/groups/{groupHash}': { query: groupRefQuerySchema },
  'GET /reports/groups/{groupHash}/blobs': { query: groupRefQuerySchema },
  'PATCH /reports/groups/{groupHash}': { query: groupRefQuerySchema, body: groupPatchBodySchema },
  'DELETE /reports/groups/{groupHash}': { query: groupRefQuerySchema },
  'GET /reports/blobs/download': { query: blobDownloadQuerySchema },
  'GET /reports/keys': { query: emptyQuerySchema },
  'POST /reports/keys/regenerate': { body: keyRegenerateBodySchema },
  'GET /apps': { query: emptyQuerySchema },
  'POST /apps': { body: appCreateBodySchema },
  'GET /apps/{id}': { query: emptyQuerySchema },
  'PATCH /apps/{id}': { body: appPatchBodySchema },
  'DELETE /apps/{id}': { query: emptyQuerySchema },
} as const;

// Query strings are all text, so their schemas coerce ("2" → 2); JSON bodies must have the right types.
const queryAjv = new Ajv({ coerceTypes: true, useDefaults: true, allErrors: false, strict: true });
const bodyAjv = new Ajv({ coerceTypes: false, useDefaults: true, allErrors: false, strict: true });

type Parser<T> = (input: unknown) => T;

export function queryParser<T>(schema: JSONSchemaType<T>): Parser<T> {
  return parser(queryAjv.compile(schema), 'query parameter');
}

export function bodyParser<T>(schema: JSONSchemaType<T>): Parser<T> {
  return parser(bodyAjv.compile(schema), 'field');
}

function parser<T>(validate: ((data: unknown) => data is T) & { errors?: ErrorObject[] | null }, what: string): Parser<T> {
  return (input) => {
    const data = typeof input === 'object' && input !== null && !Array.isArray(input) ? { ...input } : input;
    if (!validate(data)) throw refusal(validate.errors![0]!, what);
    // Coercion turns an empty query value into null; an empty value is not a filter.
    const empty = Object.entries(data as object).find(([, v]) => v === null);
    if (empty) throw new ValidationError(`invalid ${what} ${empty[0]}`, 'invalid_value', { field: empty[0] });
    return data;
  };
}

function refusal(error: ErrorObject, what: string): ValidationError {
  if (error.keyword === 'additionalProperties') {
    const name = (error.params as { additionalProperty: string }).additionalProperty;
    return new ValidationError(`unknown ${what} ${name}`, 'unknown_field', { field: name });
  }
  const name = fieldName(error);
  if (error.keyword === 'required') return new ValidationError(`missing ${what} ${name}`, 'missing_field', { field: name });
  if (name === 'body') {
    if (error.keyword === 'minProperties') return new ValidationError('nothing to update', 'empty_update');
    return new ValidationError('body must be a JSON object', 'invalid_body');
  }
  return new ValidationError(`invalid ${what} ${name}`, 'invalid_value', { field: name });
}
