import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Express } from 'express';
import Ajv from 'ajv';
import request from 'supertest';
import { PromMetrics } from '../../src/adapters/prometheus/prom-metrics';
import { openApiPath, type RouteDoc } from '../../src/adapters/http/openapi';
import { createApp } from '../../src/composition/create-app';
import { ROUTE_MODULES } from '../../src/composition/routes';
import { harness } from '../fixtures/harness';
import { gzipDetails, reportBody } from '../fixtures/reports';

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

const operations = (docs: readonly RouteDoc[]) => docs.map((d) => `${d.method} ${openApiPath(d.path)}`).sort();

async function documentedOperations(app: Express): Promise<string[]> {
  const doc = (await request(app).get('/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
  return Object.entries(doc.paths)
    .flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method} ${path}`))
    .sort();
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

  // With METRICS_TOKEN, /metrics is on PORT too: every module is on.
  const ALL_ON = { METRICS_TOKEN: 'a-metrics-token-for-the-openapi-test' };

  it('documents every registered route, and nothing that is not registered', async () => {
    const h = await harness(ALL_ON, { metrics: new PromMetrics({ defaultMetrics: false }) });
    const registered = registeredRoutes(h.app);
    expect(await documentedOperations(h.app)).toEqual(registered);
    // Every module is on in this configuration, so the comparison covers each of them.
    expect(registered).toEqual(operations(ROUTE_MODULES.flatMap((module) => module.docs(h.config()))));
  });

  it.each(ROUTE_MODULES.map((module) => [module.name, module] as const))('route module %s registers exactly the operations its docs() lists', async (_name, module) => {
    const h = await harness(ALL_ON, { metrics: new PromMetrics({ defaultMetrics: false }) });
    const alone = createApp({ ...h.deps, modules: [module] });
    expect(registeredRoutes(alone)).toEqual(operations(module.docs(h.config())));
  });

  it('when reports, telemetry and logs are off, then their routes are neither mounted nor documented', async () => {
    const h = await harness({ REPORTS_ENABLED: 'false', TELEMETRY_ENABLED: 'false', LOGS_ENABLED: 'false' });
    const documented = await documentedOperations(h.app);
    expect(documented).toEqual(registeredRoutes(h.app));
    for (const gone of ['post /reports/ingest', 'get /reports/groups', 'get /telemetry/beacon', 'post /telemetry/beacons', 'post /api/v1/logs', 'get /metrics']) {
      expect(documented).not.toContain(gone);
    }
    expect(documented).toEqual(expect.arrayContaining(['get /apps', 'get /healthz', 'get /openapi.json', 'get /rollouts/health']));
  });

  it('documents the ingest body with the very schema ajv validates with', async () => {
    const { reportInputSchema } = await import('../../src/domain/report-validation');
    const h = await harness();
    const doc = (await request(h.app).get('/openapi.json')).body;
    const body = doc.paths['/reports/ingest'].post.requestBody.content['application/json'].schema;
    expect(body.required).toEqual(reportInputSchema.required);
    expect(body.properties.event.properties.reason.pattern).toBe(reportInputSchema.properties.event.properties.reason.pattern);
  });

  it('the answers a client reads, the dashboard’s among them, match the schemas the document gives for them', async () => {
    const h = await harness({ LOG_LEVEL: 'silent' }, { logLevel: 'silent' });
    const doc = (await request(h.app).get('/openapi.json')).body as { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: object }> }> }>> };
    // Formats are left unchecked: ajv needs a plugin for them, and the values come from toISOString().
    const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
    const credentials = { username: 'alice', password: 'correct horse battery staple' };
    const admin = await h.identity.createAdmin(credentials);
    const token = (await request(h.app).post('/auth/login').send(credentials)).body.token as string;
    const { appId, key } = await h.createApp('my-app', admin.id);
    const relayToken = await request(h.app).post(`/apps/${appId}/relay-tokens`).set('Authorization', `Bearer ${token}`).send({ name: 'eu-relay-1' });
    const call = (method: 'get' | 'post' | 'patch', path: string, body?: object) => {
      const credential = path === '/reports/ingest' ? key : path === '/telemetry/beacons' ? relayToken.body.token : token;
      const req = request(h.app)[method](path).set('Authorization', `Bearer ${credential}`);
      return body ? req.send(body).set('X-Device-ID', '9b2f6a8e-5d1c-4b7e-9f3a-2c8d7e6f5a4b') : req;
    };
    const ingested = await call('post', '/reports/ingest', reportBody({ details: gzipDetails({ stack: ['a'] }) }));
    const hash = ingested.body.group_hash as string;
    const beacons = ['1.0.0', '1.1.0'].flatMap((version) => Array.from({ length: 30 }, (_, i) => ({ device_id: `d-${version}-${i}`, version, channel: 'stable', platform: 'windows', arch: 'amd64' })));
    const beaconed = await call('post', '/telemetry/beacons', { beacons });
    await h.rollouts.buffer.flush();
    expect((await call('post', '/rollouts/evaluate', { app: appId })).status).toBe(200);
    const webhook = await call('post', `/apps/${appId}/webhooks`, { url: 'https://example.com/hook', events: ['group.new'] });

    const answers: Array<[string, string, request.Response]> = [
      ['post', '/reports/ingest', ingested],
      ['post', '/telemetry/beacons', beaconed],
      ['get', '/auth/me', await call('get', '/auth/me')],
      ['get', '/apps', await call('get', '/apps')],
      ['get', '/apps/{id}', await call('get', `/apps/${appId}`)],
      ['patch', '/apps/{id}', await call('patch', `/apps/${appId}`, { reports: true })],
      ['get', '/reports/keys', await call('get', '/reports/keys')],
      ['get', '/reports/groups', await call('get', `/reports/groups?app=${appId}`)],
      ['get', '/reports/groups/{groupHash}', await call('get', `/reports/groups/${hash}`)],
      ['get', '/reports/groups/{groupHash}/blobs', await call('get', `/reports/groups/${hash}/blobs`)],
      ['patch', '/reports/groups/{groupHash}', await call('patch', `/reports/groups/${hash}`, { status: 'resolved', note: 'seen' })],
      ['post', '/apps/{id}/webhooks', webhook],
      ['get', '/apps/{id}/webhooks', await call('get', `/apps/${appId}/webhooks`)],
      ['get', '/apps/{id}/webhooks/{wid}/deliveries', await call('get', `/apps/${appId}/webhooks/${webhook.body.id}/deliveries`)],
      ['post', '/apps/{id}/relay-tokens', relayToken],
      ['get', '/apps/{id}/relay-tokens', await call('get', `/apps/${appId}/relay-tokens`)],
      ['get', '/rollouts/rates', await call('get', `/rollouts/rates?app=${appId}`)],
      ['get', '/rollouts/health', await call('get', `/rollouts/health?app=${appId}&version=1.1.0`)],
    ];
    for (const [method, path, res] of answers) {
      const schema = doc.paths[path]?.[method]?.responses[String(res.status)]?.content?.['application/json']?.schema;
      expect({ path, method, status: res.status, documented: schema !== undefined }).toEqual({ path, method, status: res.status < 300 ? res.status : 200, documented: true });
      const validate = ajv.compile(schema!);
      expect({ path, method, errors: validate(res.body) ? null : validate.errors }).toEqual({ path, method, errors: null });
    }
    await h.close();
  });

  it('the dashboard’s committed types (web/src/api-types.ts) are what openapi-typescript makes of this document: npm run gen:api after a schema change', () => {
    const check = spawnSync(process.execPath, ['scripts/gen-api-types.mjs', '--check'], { cwd: join(__dirname, '../..'), encoding: 'utf8' });
    expect({ status: check.status, stderr: check.stderr }).toEqual({ status: 0, stderr: '' });
  }, 120_000);
});
