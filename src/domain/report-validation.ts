import Ajv, { type ErrorObject, type JSONSchemaType } from 'ajv';
import { EVENT_TYPES, type ReportInput } from './report';
import { ValidationError } from './errors';

// SemVer 2.0 (semver.org's own regular expression): pre-release and build metadata included.
const SEMVER =
  '(?:0|[1-9]\\d*)\\.(?:0|[1-9]\\d*)\\.(?:0|[1-9]\\d*)' +
  '(?:-(?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\\.(?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*))*)?' +
  '(?:\\+[0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*)?';

/** faynoSync's version charset, or a SemVer 2.0 version (`1.4.2-beta.1`, `2.0.0+build.7`). */
export const VERSION_PATTERN = `^(?:[0-9.-]+|${SEMVER})$`;

// faynoSync's charsets, widened where its JS SDK sends more (SemVer versions, `_` and `-` in
// channel and arch): every input faynoSync accepts is still accepted and hashes the same. None
// of them admits '|', which keeps the groupHash join unambiguous.
// The maximum lengths are ours: faynoSync sets none except for reason.
export const REPORT_FIELD_LIMITS = {
  'application.name': { pattern: '^[a-zA-Z0-9\\- ]+$', maxLength: 128 },
  'application.version': { pattern: VERSION_PATTERN, maxLength: 64 },
  'application.channel': { pattern: '^[a-zA-Z0-9_-]+$', maxLength: 64 },
  'system.platform': { pattern: '^[a-zA-Z0-9-]+$', maxLength: 64 },
  'system.arch': { pattern: '^[a-zA-Z0-9_-]+$', maxLength: 32 },
  'event.reason': { pattern: '^[a-zA-Z0-9._-]{1,128}$', maxLength: 128 },
} as const;

type ReportField = keyof typeof REPORT_FIELD_LIMITS;
const max = (field: ReportField) => REPORT_FIELD_LIMITS[field].maxLength;

/** Each field's rule in words, so that a refusal says what to send instead. */
const REPORT_FIELD_RULES: Record<ReportField, string> = {
  'application.name': `must be 1 to ${max('application.name')} letters, digits, spaces or "-"`,
  'application.version': `must look like 1.4.2 or 1.4.2-beta.1 (SemVer, or digits, "." and "-"; at most ${max('application.version')} characters)`,
  'application.channel': `must be 1 to ${max('application.channel')} letters, digits, "_" or "-"`,
  'system.platform': `must be 1 to ${max('system.platform')} letters, digits or "-"`,
  'system.arch': `must be 1 to ${max('system.arch')} letters, digits, "_" or "-"`,
  'event.reason': `must be 1 to ${max('event.reason')} letters, digits, ".", "_" or "-"`,
};

interface RuleSchema {
  type?: unknown;
  enum?: unknown;
  pattern?: unknown;
  minLength?: unknown;
  maxLength?: unknown;
  minimum?: unknown;
  maximum?: unknown;
  minItems?: unknown;
  maxItems?: unknown;
}

/**
 * What a schema accepts, in words ("must be an integer from 1 to 100"), or null when it says
 * nothing brief. Refusals add it so the client knows what to send; ajv's `verbose` option puts the
 * failing schema on each error as `parentSchema`.
 */
export function schemaRule(schema: unknown): string | null {
  const s = (schema ?? {}) as RuleSchema;
  if (Array.isArray(s.enum)) return s.enum.length <= 12 ? `must be one of ${s.enum.filter((v) => v !== null).join(', ')}` : null;
  const field = (Object.keys(REPORT_FIELD_LIMITS) as ReportField[]).find((f) => REPORT_FIELD_LIMITS[f].pattern === s.pattern && max(f) === s.maxLength);
  if (field) return REPORT_FIELD_RULES[field];
  const { minimum, maximum, minLength, maxLength } = s;
  if (s.type === 'integer' && typeof minimum === 'number') return typeof maximum === 'number' ? `must be an integer from ${minimum} to ${maximum}` : `must be an integer of at least ${minimum}`;
  if (s.type === 'string' && s.pattern === undefined && typeof maxLength === 'number') return `must be a string of ${typeof minLength === 'number' && minLength > 0 ? `${minLength} to ` : 'at most '}${maxLength} characters`;
  if (s.type === 'array' && typeof s.maxItems === 'number') return `must be a list of ${typeof s.minItems === 'number' && s.minItems > 0 ? `${s.minItems} to ` : 'at most '}${s.maxItems} items`;
  if (s.type === 'object') return 'must be an object';
  if (s.type === 'boolean') return 'must be true or false';
  return null;
}

const field = (name: keyof typeof REPORT_FIELD_LIMITS) => ({
  type: 'string' as const,
  minLength: 1,
  ...REPORT_FIELD_LIMITS[name],
});

export const reportInputSchema: JSONSchemaType<ReportInput> = {
  type: 'object',
  required: ['application', 'system', 'event'],
  properties: {
    application: {
      type: 'object',
      required: ['name', 'version', 'channel'],
      properties: {
        name: field('application.name'),
        version: field('application.version'),
        channel: field('application.channel'),
      },
    },
    system: {
      type: 'object',
      required: ['platform', 'arch'],
      properties: { platform: field('system.platform'), arch: field('system.arch') },
    },
    event: {
      type: 'object',
      required: ['type', 'reason'],
      properties: {
        type: { type: 'string', enum: [...EVENT_TYPES] },
        reason: field('event.reason'),
        target_version: { ...field('application.version'), nullable: true },
      },
    },
    details: {
      type: 'object',
      nullable: true,
      required: ['encoding', 'content_type', 'payload'],
      properties: {
        encoding: { type: 'string', maxLength: 64 },
        content_type: { type: 'string', maxLength: 128 },
        payload: { type: 'string' },
      },
    },
  },
};

// Unknown fields are ignored rather than refused: faynoSync's clients may send more than we read,
// and dimensionsOf() guarantees that nothing but the seven dimensions is ever stored.
// validateSchema: false: checking our constant schemas against the JSON Schema meta-schema cost about 0.1 s of
// start-up for each Ajv instance; test/unit/schemas.test.ts checks them once instead. verbose: a refusal
// can then state the failing field's rule (schemaRule).
const ajv = new Ajv({ allErrors: false, strict: true, allowUnionTypes: false, validateSchema: false, verbose: true });
const validate = ajv.compile(reportInputSchema);

export function fieldName(error: ErrorObject): string {
  const path = error.instancePath.split('/').filter(Boolean).join('.');
  const missing = (error.params as { missingProperty?: string }).missingProperty;
  if (error.keyword === 'required' && missing) return path ? `${path}.${missing}` : missing;
  return path || 'body';
}

/** `application.version must look like 1.4.2 …`, or `invalid NAME` when the schema states no brief rule. */
export function invalidField(error: ErrorObject): ValidationError {
  const name = fieldName(error);
  const rule = schemaRule(error.parentSchema);
  return new ValidationError(rule ? `${name} ${rule}` : `invalid ${name}`, 'invalid_field', { field: name });
}

/** Checks an already-parsed JSON body; throws a ValidationError that names the first bad field and its rule. */
export function parseReportInput(body: unknown): ReportInput {
  if (validate(body)) return body;
  const error = validate.errors![0]!;
  const name = fieldName(error);
  if (error.keyword === 'required') throw new ValidationError(`missing ${name}`, 'missing_field', { field: name });
  if (name === 'body') throw new ValidationError('body must be a JSON object', 'invalid_body');
  throw invalidField(error);
}
