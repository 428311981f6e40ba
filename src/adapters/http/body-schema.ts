import Ajv, { type ErrorObject, type JSONSchemaType } from 'ajv';
import { ValidationError } from '../../domain/errors';
import { fieldName, schemaRule } from '../../domain/report-validation';

// Every JSON body and query string of the HTTP API is checked here; a refusal names the first
// bad field. Query strings are all text, so their schemas coerce ("2" → 2); JSON bodies must have
// the right types.
// verbose: a refusal can then state the accepted range or values from the failing schema.
// validateSchema: false: checking our constant schemas against the JSON Schema meta-schema cost about 0.1 s of
// start-up for each Ajv instance; test/unit/schemas.test.ts checks them once instead.
const queryAjv = new Ajv({ coerceTypes: true, useDefaults: true, allErrors: false, strict: true, verbose: true, validateSchema: false });
const bodyAjv = new Ajv({ coerceTypes: false, useDefaults: true, allErrors: false, strict: true, verbose: true, validateSchema: false });

type Parser<T> = (input: unknown) => T;

export function queryParser<T>(schema: JSONSchemaType<T>): Parser<T> {
  const parse = parser(queryAjv.compile(schema), 'query parameter');
  const integers = Object.entries((schema as { properties?: Record<string, { type?: unknown }> }).properties ?? {})
    .filter(([, property]) => property.type === 'integer')
    .map(([name]) => name);
  return (input) => {
    // ajv's coercion takes whatever Number() takes ("0x10", "1e1", " 5"); a query integer is decimal digits only.
    if (typeof input === 'object' && input !== null) {
      for (const name of integers) {
        const value = (input as Record<string, unknown>)[name];
        if (value !== undefined && (typeof value !== 'string' || !/^-?[0-9]{1,16}$/.test(value))) {
          throw new ValidationError(`invalid query parameter ${name}`, 'invalid_value', { field: name });
        }
      }
    }
    return parse(input);
  };
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
    const extra = (error.params as { additionalProperty: string }).additionalProperty;
    const path = fieldName(error);
    const name = path === 'body' ? extra : `${path}.${extra}`;
    return new ValidationError(`unknown ${what} ${name}`, 'unknown_field', { field: name });
  }
  const name = fieldName(error);
  if (error.keyword === 'required') return new ValidationError(`missing ${what} ${name}`, 'missing_field', { field: name });
  if (name === 'body') {
    if (error.keyword === 'minProperties') return new ValidationError('nothing to update', 'empty_update');
    return new ValidationError('body must be a JSON object', 'invalid_body');
  }
  // What the field accepts, when its schema says so briefly: `query parameter limit must be an integer from 1 to 100`.
  const rule = schemaRule(error.parentSchema);
  return new ValidationError(rule ? `${what} ${name} ${rule}` : `invalid ${what} ${name}`, 'invalid_value', { field: name });
}
