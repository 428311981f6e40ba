import Ajv, { type ErrorObject, type JSONSchemaType } from 'ajv';
import { AuthenticationError, SchemaViolationError, ValidationError } from './errors';
import type { Scrubber } from './privacy';
import { fieldName, schemaRule } from './report-validation';

export const CLIENT_LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'fatal'] as const;
export type ClientLogLevel = (typeof CLIENT_LOG_LEVELS)[number];

export interface ClientLogEntry {
  traceId?: string;
  level: ClientLogLevel;
  message: string;
  timestamp: number;
  context?: {
    screen?: string;
    action?: string;
    error?: { code?: string; stack?: string };
    metadata?: Record<string, unknown>;
  };
}

/** The default of LOGS_PLATFORMS: the seed's two mobile platforms, and the desktop and web ones. */
export const DEFAULT_LOG_PLATFORMS = ['ios', 'android', 'windows', 'macos', 'linux', 'web'] as const;

export interface ClientDevice {
  platform?: string;
  osVersion?: string;
  model?: string;
  appVersion?: string;
}

export interface ClientLogBatch {
  logs: ClientLogEntry[];
  device?: ClientDevice;
  sessionId?: string;
}

export interface LogSchemaLimits {
  maxBatch: number;
  maxMessageLength: number;
  maxStackLength: number;
  /** Accepted `device.platform` values; DEFAULT_LOG_PLATFORMS when absent. */
  platforms?: readonly string[];
}

/** Free-form metadata bounds; the container `metadata` itself is depth 1, array items count as keys. */
export const METADATA_LIMITS = { maxDepth: 8, maxKeys: 200, maxStringLength: 2000 } as const;

/**
 * Bounds on the short client strings, which the seed leaves open: each is copied into every record,
 * so an unbounded one would let a client write megabytes of log per entry (beyond the seed).
 */
export const LOG_STRING_LIMITS = { traceId: 128, screen: 256, action: 256, errorCode: 128, osVersion: 64, model: 128, appVersion: 64, sessionId: 128 } as const;

/** Client timestamps in epoch ms, 2000-01-01 to 2100-01-01 UTC: a fixed range, so no clock is read. */
export const LOG_TIMESTAMP_RANGE = { min: 946_684_800_000, max: 4_102_444_800_000 } as const;

export const DEVICE_ID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** The seed's §4 schema, with `additionalProperties: false` wherever it sets it. */
export function logBatchSchema(limits: LogSchemaLimits): JSONSchemaType<ClientLogBatch> {
  const schema: JSONSchemaType<ClientLogBatch> = {
    type: 'object',
    additionalProperties: false,
    properties: {
      logs: {
        type: 'array',
        minItems: 1,
        maxItems: limits.maxBatch,
        items: {
          type: 'object',
          additionalProperties: false,
          properties: {
            traceId: { type: 'string', nullable: true, maxLength: LOG_STRING_LIMITS.traceId },
            level: { type: 'string', enum: [...CLIENT_LOG_LEVELS] },
            message: { type: 'string', minLength: 1, maxLength: limits.maxMessageLength },
            timestamp: { type: 'integer', minimum: LOG_TIMESTAMP_RANGE.min, maximum: LOG_TIMESTAMP_RANGE.max },
            context: {
              type: 'object',
              nullable: true,
              additionalProperties: false,
              properties: {
                screen: { type: 'string', nullable: true, maxLength: LOG_STRING_LIMITS.screen },
                action: { type: 'string', nullable: true, maxLength: LOG_STRING_LIMITS.action },
                error: {
                  type: 'object',
                  nullable: true,
                  additionalProperties: false,
                  properties: {
                    code: { type: 'string', nullable: true, maxLength: LOG_STRING_LIMITS.errorCode },
                    stack: { type: 'string', nullable: true, maxLength: limits.maxStackLength },
                  },
                },
                metadata: { type: 'object', nullable: true, additionalProperties: true, required: [] },
              },
            },
          },
          required: ['level', 'message', 'timestamp'],
        },
      },
      device: {
        type: 'object',
        nullable: true,
        additionalProperties: false,
        properties: {
          platform: { type: 'string', nullable: true, enum: [...(limits.platforms ?? DEFAULT_LOG_PLATFORMS)] },
          osVersion: { type: 'string', nullable: true, maxLength: LOG_STRING_LIMITS.osVersion },
          model: { type: 'string', nullable: true, maxLength: LOG_STRING_LIMITS.model },
          appVersion: { type: 'string', nullable: true, maxLength: LOG_STRING_LIMITS.appVersion },
        },
      },
      sessionId: { type: 'string', nullable: true, minLength: 1, maxLength: LOG_STRING_LIMITS.sessionId },
    },
    required: ['logs'],
  };
  return withoutNullable(schema);
}

/**
 * JSONSchemaType demands `nullable: true` on optional properties, which would let `null` through
 * where the seed refuses it. The type keeps its check; the compiled schema drops the flag.
 */
function withoutNullable<T>(schema: T): T {
  if (Array.isArray(schema)) return schema.map(withoutNullable) as T;
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) if (key !== 'nullable') out[key] = withoutNullable(value);
  if (Array.isArray(out.enum)) out.enum = out.enum.filter((v) => v !== null);
  return out as T;
}

export type LogBatchParser = (body: unknown) => ClientLogBatch;

/** Compiled once per configuration; throws SchemaViolationError listing every failing path with its rule. */
export function compileLogBatchParser(limits: LogSchemaLimits): LogBatchParser {
  // validateSchema: false: checking our constant schemas against the JSON Schema meta-schema cost about 0.1 s of
  // start-up for each Ajv instance; test/unit/schemas.test.ts checks them once instead. verbose: each error
  // carries its schema, so a path can be listed with the rule it breaks.
  const ajv = new Ajv({ allErrors: true, strict: true, validateSchema: false, verbose: true });
  const validate = ajv.compile(logBatchSchema(limits));
  return (body) => {
    if (!validate(body)) throw new SchemaViolationError('request body does not match the logs schema', unique(validate.errors!.map(pathOf)));
    const paths: string[] = [];
    body.logs.forEach((entry, i) => {
      const metadata = entry.context?.metadata;
      if (metadata !== undefined) checkMetadata(metadata, `logs.${i}.context.metadata`, paths);
    });
    if (paths.length > 0) throw new SchemaViolationError('metadata exceeds its bounds', paths);
    return body;
  };
}

/** `logs.0.level (must be one of debug, …)`: the path and the rule it breaks, as the metadata bounds are listed. */
function pathOf(error: ErrorObject): string {
  const extra = (error.params as { additionalProperty?: string }).additionalProperty;
  const path = fieldName(error);
  if (error.keyword === 'additionalProperties' && extra !== undefined) return `${path === 'body' ? extra : `${path}.${extra}`} (unknown field)`;
  if (error.keyword === 'required') return `${path} (required)`;
  const schema = error.parentSchema as { minimum?: unknown } | undefined;
  const rule = schema?.minimum === LOG_TIMESTAMP_RANGE.min ? 'must be a whole number of milliseconds since 1970, from 2000-01-01 to 2100-01-01 UTC' : schemaRule(schema);
  return rule === null ? path : `${path} (${rule})`;
}

const unique = (paths: string[]) => [...new Set(paths)].slice(0, 50);

/** Pushes the first path that breaks a bound; one is enough to refuse the batch. */
function checkMetadata(metadata: Record<string, unknown>, base: string, paths: string[]): void {
  let keys = 0;
  const visit = (value: unknown, path: string, depth: number): boolean => {
    if (typeof value === 'string') {
      if (value.length <= METADATA_LIMITS.maxStringLength) return true;
      paths.push(`${path} (string longer than ${METADATA_LIMITS.maxStringLength})`);
      return false;
    }
    if (value === null || typeof value !== 'object') return true;
    if (depth > METADATA_LIMITS.maxDepth) {
      paths.push(`${path} (deeper than ${METADATA_LIMITS.maxDepth})`);
      return false;
    }
    const children = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
    for (const [key, child] of children) {
      if (++keys > METADATA_LIMITS.maxKeys) {
        paths.push(`${base} (more than ${METADATA_LIMITS.maxKeys} keys)`);
        return false;
      }
      if (key.length > METADATA_LIMITS.maxStringLength) {
        paths.push(`${path} (key longer than ${METADATA_LIMITS.maxStringLength})`);
        return false;
      }
      if (!visit(child, `${path}.${key}`, depth + 1)) return false;
    }
    return true;
  };
  visit(metadata, base, 1);
}

export type AuthMode = 'authenticated' | 'unauthenticated';

/** Who sent the batch, as the guard established it. */
export interface LogCaller {
  authMode: AuthMode;
  userId: string | null;
  deviceId: string | null;
}

/**
 * The unauthenticated half of the guard: a missing id is 401, a malformed one 400. When a bearer
 * token was sent but refused, the 401 names the token, which is what the client has to fix.
 */
export function requireDeviceId(header: string | undefined, tokenRefused = false): string {
  const deviceId = header?.trim();
  if (!deviceId && tokenRefused) throw new AuthenticationError('invalid or expired token', 'invalid_token');
  if (!deviceId) throw new AuthenticationError('Device ID required', 'device_id_required');
  if (!DEVICE_ID_V4.test(deviceId)) throw new ValidationError('Invalid device ID format', 'invalid_device_id');
  return deviceId;
}

/** What every entry of one batch shares; the batch-level client strings are scrubbed once here. */
export interface EnrichContext {
  caller: LogCaller;
  source: string;
  requestTraceId: string;
  serverTimestamp: number;
  sessionId: string | null;
  device: Record<string, unknown>;
  scrub: Scrubber;
}

export function enrichContext(
  batch: ClientLogBatch,
  base: Pick<EnrichContext, 'caller' | 'source' | 'requestTraceId' | 'serverTimestamp' | 'scrub'>,
): EnrichContext {
  return {
    ...base,
    sessionId: batch.sessionId === undefined ? null : (base.scrub(batch.sessionId) as string),
    device: batch.device === undefined ? {} : (base.scrub(batch.device) as Record<string, unknown>),
  };
}

/** The seed's §7 record; every client-supplied string has passed the privacy filter. */
export interface ClientLogRecord {
  source: string;
  authMode: AuthMode;
  userId: string | null;
  deviceId: string | null;
  sessionId: string | null;
  traceId: string;
  clientTimestamp: number;
  serverTimestamp: number;
  context: Record<string, unknown>;
  device: Record<string, unknown>;
}

export function enrich(entry: ClientLogEntry, ctx: EnrichContext): ClientLogRecord {
  return {
    source: ctx.source,
    authMode: ctx.caller.authMode,
    userId: ctx.caller.userId,
    deviceId: ctx.caller.deviceId,
    sessionId: ctx.sessionId,
    traceId: entry.traceId === undefined ? ctx.requestTraceId : (ctx.scrub(entry.traceId) as string),
    clientTimestamp: entry.timestamp,
    serverTimestamp: ctx.serverTimestamp,
    context: entry.context === undefined ? {} : (ctx.scrub(entry.context) as Record<string, unknown>),
    device: ctx.device,
  };
}

export function clientMessage(entry: ClientLogEntry, scrub: Scrubber): string {
  return `[CLIENT] ${scrub(entry.message) as string}`;
}
