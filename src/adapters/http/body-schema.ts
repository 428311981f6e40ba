import Ajv, { type JSONSchemaType } from 'ajv';
import { ValidationError } from '../../domain/errors';

const ajv = new Ajv({ allErrors: true });

/** Compiles a body schema once; the returned function gives the typed body or throws a 400 listing every problem. */
export function bodyValidator<T>(schema: JSONSchemaType<T>): (body: unknown) => T {
  const validate = ajv.compile(schema);
  return (body) => {
    if (validate(body)) return body;
    const details = (validate.errors ?? []).map((e) => ({ path: e.instancePath || '/', message: e.message ?? 'is invalid' }));
    throw new ValidationError('invalid request body', 'invalid_body', details);
  };
}
