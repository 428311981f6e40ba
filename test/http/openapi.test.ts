import { execFileSync } from 'node:child_process';
import type { Express } from 'express';
import request from 'supertest';
import { PromMetrics } from '../../src/adapters/prometheus/prom-metrics';
import { openApiPath } from '../../src/adapters/http/openapi';
import { harness } from '../fixtures/harness';

/** Every method+path Express has registered, read from the router stack itself. */
function registeredRoutes(app: Express): string[] {
  const found = new Set<string>();
  const walk = (stack: Array<{ route?: { path: string; methods: Record<string, boolean> }; handle?: { stack?: unknown[] } }>) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const method of Object.keys(layer.route.methods)) if (method !== '_all') found.add(`${method} ${openApiPath(layer.route.path)}`);
      } else if (layer.handle?.stack) {
        walk(layer.handle.stack as never);
      }
    }
  };
  walk((app as unknown as { router: { stack: never[] } }).router.stack);
  return [...found].sort();
}

/** The validator is an ES module, which jest's CommonJS runtime can't load, so it runs in a plain node. */
function validateOpenApi(doc: unknown): { valid: boolean; errors: unknown[] } {
  const script = `
    import { Validator } from '@seriousme/openapi-schema-validator';
    let input = '';
    for await (const chunk of process.stdin) input += chunk;
    const result = await new Validator().validate(JSON.parse(input));
    process.stdout.write(JSON.stringify({ valid: result.valid, errors: result.errors ?? [] }));
  `;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { input: JSON.stringify(doc), cwd: process.cwd() });
  return JSON.parse(out.toString('utf8'));
}

describe('GET /openapi.json', () => {
  it('is a valid OpenAPI 3.1 document, checked by a real validator', async () => {
    const h = await harness({}, { metrics: new PromMetrics({ defaultMetrics: false }) });
    const res = await request(h.app).get('/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    expect(validateOpenApi(res.body)).toEqual({ valid: true, errors: [] });
  });

  it('documents every registered route, and nothing that is not registered', async () => {
    const h = await harness({}, { metrics: new PromMetrics({ defaultMetrics: false }) });
    const doc = (await request(h.app).get('/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(doc.paths)
      .flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method} ${path}`))
      .sort();
    expect(documented).toEqual(registeredRoutes(h.app));
  });

  it('documents the ingest body with the very schema ajv validates with', async () => {
    const { reportInputSchema } = await import('../../src/domain/report-validation');
    const h = await harness();
    const doc = (await request(h.app).get('/openapi.json')).body;
    const body = doc.paths['/reports/ingest'].post.requestBody.content['application/json'].schema;
    expect(body.required).toEqual(reportInputSchema.required);
    expect(body.properties.event.properties.reason.pattern).toBe(reportInputSchema.properties.event.properties.reason.pattern);
  });
});
