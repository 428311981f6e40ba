import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { createApp } from '../../src/composition/create-app';
import { ROUTE_MODULES } from '../../src/composition/routes';
import { appKeyModule } from '../fixtures/example-route-module';
import { adminOf, readApiHarness, teamUser } from '../fixtures/read-api';

const root = join(__dirname, '..', '..');

/** The code after the leading comments and imports, so the fixture's paths may differ from the page's. */
function body(code: string): string {
  const lines = code.split('\n');
  let i = 0;
  while (i < lines.length && (/^(\/\/|import |\s*$)/.test(lines[i]!) || /^\s+\w.*,$|^} from /.test(lines[i]!))) i++;
  return lines.slice(i).join('\n').trim();
}

describe('adding an endpoint: docs/adding-an-endpoint.md', () => {
  it('the worked example on the page is the code the tests below mount', () => {
    const page = readFileSync(join(root, 'docs/adding-an-endpoint.md'), 'utf8');
    const blocks = [...page.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
    const example = blocks.find((block) => block.includes('export const appKeyModule'));
    expect(example).toBeDefined();
    expect(body(example!)).toBe(body(readFileSync(join(root, 'test/fixtures/example-route-module.ts'), 'utf8')));
  });

  it('when the module is added to the list, then its route answers and /openapi.json lists it', async () => {
    const h = await readApiHarness();
    const app = createApp({ ...h.deps, modules: [...ROUTE_MODULES, appKeyModule] });
    const { appId, key } = await h.createApp('my-app', 'owner-1');
    const admin = h.verifier.issue(adminOf('owner-1'));
    const res = await request(app).get(`/apps/${appId}/report-key`).set('Authorization', `Bearer ${admin}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ app_id: appId, app_name: 'my-app', report_key: key });
    const outsider = h.verifier.issue(teamUser('owner-1', 'bob', [], { download: true }));
    expect((await request(app).get(`/apps/${appId}/report-key`).set('Authorization', `Bearer ${outsider}`)).status).toBe(404);
    expect((await request(app).get(`/apps/${appId}/report-key`)).status).toBe(401);
    const doc = (await request(app).get('/openapi.json')).body;
    expect(doc.paths['/apps/{id}/report-key'].get.summary).toBe('One app\'s report key');
  });

  it('when reports are off, then the example is neither mounted nor documented', async () => {
    const h = await readApiHarness({ REPORTS_ENABLED: 'false' });
    const app = createApp({ ...h.deps, modules: [...ROUTE_MODULES, appKeyModule] });
    expect((await request(app).get('/apps/x/report-key')).body.code).toBe('route_not_found');
    expect((await request(app).get('/openapi.json')).body.paths['/apps/{id}/report-key']).toBeUndefined();
  });
});
