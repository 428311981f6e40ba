import Ajv, { type JSONSchemaType } from 'ajv';
import { checkDeviceId, DEVICE_ID_RULE } from './device-id';
import { ValidationError } from './errors';
import { REPORT_FIELD_LIMITS, fieldName, invalidField } from './report-validation';
import { RFC3339_PATTERN, parseRfc3339 } from './rfc3339';

// The update-check beacon: faynoSync's query parameters (its JS SDK sends exactly these), plus two
// it ignores, from_version and first_run. Field rules are the reports' own.

const field = (name: keyof typeof REPORT_FIELD_LIMITS) => ({ type: 'string' as const, minLength: 1, ...REPORT_FIELD_LIMITS[name] });
const optional = (name: keyof typeof REPORT_FIELD_LIMITS) => ({ ...field(name), nullable: true as const });

const OWNER_MAX_LENGTH = 128;

export interface BeaconQuery {
  owner?: string;
  app_name?: string;
  version: string;
  channel: string;
  platform: string;
  arch: string;
  is_latest?: string;
  from_version?: string;
  first_run?: string;
}

export const beaconQuerySchema: JSONSchemaType<BeaconQuery> = {
  type: 'object',
  // faynoSync's clients may send more than we read: unknown parameters are ignored, as in reports.
  required: ['version', 'channel', 'platform', 'arch'],
  properties: {
    owner: { type: 'string', nullable: true, minLength: 1, maxLength: OWNER_MAX_LENGTH, description: "The owning admin's username" },
    app_name: optional('application.name'),
    version: field('application.version'),
    channel: field('application.channel'),
    platform: field('system.platform'),
    arch: field('system.arch'),
    is_latest: { type: 'string', nullable: true, maxLength: 8, description: 'Sent by faynoSync clients; ignored' },
    from_version: { ...optional('application.version'), description: 'The first launch after updating from this version' },
    first_run: { type: 'string', nullable: true, enum: ['1', '0', 'true', 'false'], description: '1 on the first launch after install' },
  },
};

export interface BatchBeacon {
  device_id: string;
  version: string;
  channel: string;
  platform: string;
  arch: string;
  from_version?: string;
  first_run?: boolean;
  at?: string;
}

export const MAX_BATCH_BEACONS = 1000;
/** How far back a relayed beacon may be dated: the daily keys of older days may already be gone. */
export const BATCH_MAX_AGE_MS = 48 * 3_600_000;

export const batchBeaconSchema: JSONSchemaType<BatchBeacon> = {
  type: 'object',
  required: ['device_id', 'version', 'channel', 'platform', 'arch'],
  properties: {
    // Held to the rule (in bytes, after trimming) by checkBatchBeacon, before this schema.
    device_id: { type: 'string', description: DEVICE_ID_RULE },
    version: field('application.version'),
    channel: field('application.channel'),
    platform: field('system.platform'),
    arch: field('system.arch'),
    from_version: optional('application.version'),
    first_run: { type: 'boolean', nullable: true },
    at: { type: 'string', nullable: true, pattern: RFC3339_PATTERN },
  },
};

export const batchBodySchema = {
  type: 'object',
  required: ['beacons'],
  properties: { beacons: { type: 'array', minItems: 1, maxItems: MAX_BATCH_BEACONS, items: { type: 'object' } } },
} as const;

// validateSchema: false: checking our constant schemas against the JSON Schema meta-schema cost about 0.1 s of
// start-up for each Ajv instance; test/unit/schemas.test.ts checks them once instead. verbose: a refused
// beacon's error can then state the field's rule.
const ajv = new Ajv({ allErrors: false, strict: true, validateSchema: false, verbose: true });
const validateQuery = ajv.compile(beaconQuerySchema);
const validateBeacon = ajv.compile(batchBeaconSchema);
const validateBatch = ajv.compile(batchBodySchema);

/** Null when valid, else the first bad parameter's name. A repeated parameter (an array) is invalid. */
export function beaconQueryError(query: unknown): string | null {
  if (validateQuery(query)) return null;
  return fieldName(validateQuery.errors![0]!);
}

export function parseBatchBody(body: unknown): unknown[] {
  if (validateBatch(body)) return (body as { beacons: unknown[] }).beacons;
  const error = validateBatch.errors![0]!;
  const name = fieldName(error);
  if (error.keyword === 'maxItems') throw new ValidationError(`at most ${MAX_BATCH_BEACONS} beacons per batch`, 'too_many_beacons', { field: name });
  if (error.keyword === 'required') throw new ValidationError(`missing ${name}`, 'missing_field', { field: name });
  throw invalidField(error);
}

export type BatchBeaconRefusal = { error: string; outcome: 'invalid_parameter' | 'missing_device_id' | 'invalid_device_id' };

/** The beacon with its device id trimmed, or the reason it is refused, `at` checked against the relay's window. */
export function checkBatchBeacon(raw: unknown, now: Date): { beacon: BatchBeacon; at: Date } | BatchBeaconRefusal {
  const device = checkDeviceId(typeof raw === 'object' && raw !== null ? (raw as { device_id?: unknown }).device_id : undefined);
  if (!device.ok) return { error: `${device.code === 'missing_device_id' ? 'missing' : 'invalid'} device_id: ${DEVICE_ID_RULE}`, outcome: device.code };
  if (!validateBeacon(raw)) {
    const error = validateBeacon.errors![0]!;
    return { error: error.keyword === 'required' ? `missing ${fieldName(error)}` : invalidField(error).message, outcome: 'invalid_parameter' };
  }
  const beacon = { ...raw, device_id: device.id };
  if (beacon.at === undefined || beacon.at === null) return { beacon, at: now };
  const at = parseRfc3339(beacon.at);
  if (at === null) return { error: 'invalid at', outcome: 'invalid_parameter' };
  if (at.getTime() < now.getTime() - BATCH_MAX_AGE_MS) return { error: 'at is more than 48 hours ago', outcome: 'invalid_parameter' };
  // A relay's clock may run a little ahead of ours; a beacon from the future is not counted.
  if (at.getTime() > now.getTime() + 5 * 60_000) return { error: 'at is in the future', outcome: 'invalid_parameter' };
  return { beacon, at };
}
