import Ajv from 'ajv';
import request from 'supertest';
import { batchBeaconSchema, beaconQuerySchema } from '../../src/domain/beacon';
import { logBatchSchema } from '../../src/domain/log-entry';
import { reportInputSchema } from '../../src/domain/report-validation';
import { harness } from '../fixtures/harness';

// The service compiles its schemas with validateSchema: false, to spare each Ajv instance the
// meta-schema at start-up; here every one of them is checked against the meta-schema instead.
const meta = new Ajv({ strict: false });
const invalid = (schema: unknown) => (meta.validateSchema(schema as object) ? null : meta.errorsText(meta.errors));

/** Every JSON Schema the OpenAPI document holds: request bodies, parameters and responses. */
function schemasIn(value: unknown, path: string, found: [string, unknown][]): [string, unknown][] {
  if (typeof value !== 'object' || value === null) return found;
  for (const [key, inner] of Object.entries(value)) {
    if (key === 'schema') found.push([`${path}.schema`, inner]);
    else schemasIn(inner, `${path}.${key}`, found);
  }
  return found;
}

describe('schemas', () => {
  it('the domain\'s schemas are valid JSON Schemas', () => {
    const schemas = { reportInputSchema, beaconQuerySchema, batchBeaconSchema, logBatchSchema: logBatchSchema({ maxBatch: 100, maxMessageLength: 2000, maxStackLength: 5000 }) };
    for (const [name, schema] of Object.entries(schemas)) expect([name, invalid(schema)]).toEqual([name, null]);
  });

  it('every schema of the HTTP API (the ones its body and query parsers compile) is a valid JSON Schema', async () => {
    const h = await harness();
    const doc = (await request(h.app).get('/openapi.json')).body;
    await h.close();
    const schemas = schemasIn(doc.paths, 'paths', []);
    expect(schemas.length).toBeGreaterThan(20);
    expect(schemas.map(([path, schema]) => [path, invalid(schema)]).filter(([, error]) => error !== null)).toEqual([]);
  });
});
