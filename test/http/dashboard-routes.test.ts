import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { DASHBOARD_CSP } from '../../src/adapters/http/dashboard-routes';
import { adminOf, readApiHarness, teamUser } from '../fixtures/read-api';

async function dashboardApp(distDir: string) {
  const h = await readApiHarness({ DASHBOARD_DIR: distDir });
  return { h, app: h.app };
}

describe('dashboard routes', () => {
  let distDir: string;
  beforeAll(() => {
    distDir = mkdtempSync(join(tmpdir(), 'telltale-dist-'));
    mkdirSync(join(distDir, 'assets'));
    writeFileSync(join(distDir, 'index.html'), '<!doctype html><title>Telltale</title>');
    writeFileSync(join(distDir, 'assets', 'main-ABC123.js'), 'export {};');
  });
  afterAll(() => rmSync(distDir, { recursive: true, force: true }));

  it('GET / — the page with no-cache and the security headers', async () => {
    const { app } = await dashboardApp(distDir);
    const res = await request(app).get('/');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['content-security-policy']).toBe(DASHBOARD_CSP);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(DASHBOARD_CSP).toContain("frame-ancestors 'none'");
  });

  it('GET /ui/assets/<hashed name> — cached for a year as immutable; an unknown asset is the API 404', async () => {
    const { app } = await dashboardApp(distDir);
    const res = await request(app).get('/ui/assets/main-ABC123.js');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.headers['content-security-policy']).toBe(DASHBOARD_CSP);
    const missing = await request(app).get('/ui/assets/main-OTHER.js');
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('route_not_found');
  });

  it('GET / — 503 naming the build command when the dashboard is not built', async () => {
    const { app } = await dashboardApp(join(distDir, 'nowhere'));
    const res = await request(app).get('/');
    expect(res.status).toBe(503);
    expect(res.body.code).toBe('dashboard_not_built');
  });

  it('GET /auth/me — the caller\'s role and permissions; 401 without a token', async () => {
    const { h, app } = await dashboardApp(distDir);
    const admin = await request(app).get('/auth/me').set('Authorization', `Bearer ${h.verifier.issue(adminOf('owner-1'))}`);
    expect(admin.status).toBe(200);
    expect(admin.body).toEqual({
      id: 'owner-1',
      username: 'admin-owner-1',
      role: 'admin',
      permissions: { apps: { create: true, edit: true, delete: true, download: true } },
      allowed_apps: [],
    });
    const viewer = await request(app).get('/auth/me').set('Authorization', `Bearer ${h.verifier.issue(teamUser('owner-1', 'bob', ['app-1'], { download: true }))}`);
    expect(viewer.body).toMatchObject({ role: 'user', permissions: { apps: { edit: false, download: true } }, allowed_apps: ['app-1'] });
    expect((await request(app).get('/auth/me')).status).toBe(401);
  });

  it('the API keeps its own answers: CORS rules and the JSON 404 are unchanged', async () => {
    const { app } = await dashboardApp(distDir);
    const res = await request(app).get('/reports/groups').set('Origin', 'https://evil.example');
    expect(res.status).toBe(401);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers['content-security-policy']).toBeUndefined();
    expect((await request(app).get('/nope')).body.code).toBe('route_not_found');
  });

  it('GET /openapi.json — documents GET / and GET /auth/me', async () => {
    const { app } = await dashboardApp(distDir);
    const doc = (await request(app).get('/openapi.json')).body;
    expect(Object.keys(doc.paths['/'])).toEqual(['get']);
    expect(doc.paths['/auth/me'].get.responses['200']).toBeDefined();
  });
});
