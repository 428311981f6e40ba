import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import express, { Router, type RequestHandler } from 'express';
import { ALL_APP_PERMISSIONS } from '../../domain/access';
import type { TokenVerifier } from '../../ports/token-verifier';
import { authenticate, principalOf } from './authenticate';
import { errorResponse, type RouteDoc } from './openapi';
import type { RouteModule } from './route-module';

/** Where `npm run build:web` writes: <repo>/dist/web, whether this file runs from src/ or dist/. */
export const DASHBOARD_DIST_DIR = resolve(__dirname, '../../../dist/web');

export interface DashboardOptions {
  /** The output of `npm run build:web`: index.html and assets/. */
  distDir: string;
  verifier: TokenVerifier;
}

export const DASHBOARD_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/** Asset names carry their content's hash: a new build is new names, so an asset never changes. */
const ASSET_CACHE_CONTROL = 'public, max-age=31536000, immutable';

const SECURITY_HEADERS = {
  'Content-Security-Policy': DASHBOARD_CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

/**
 * The dashboard: index.html at `/` (revalidated every time, so a deploy shows at once), its
 * content-hashed assets under /ui/assets (cached for good), and `GET /auth/me`, which tells the
 * page what the signed-in user may do. Every other path falls through to the API and its 404.
 */
export function dashboardRoutes({ distDir, verifier }: DashboardOptions): Router {
  const router = Router();

  router.get('/auth/me', authenticate(verifier), (_req, res) => {
    const p = principalOf(res);
    res.setHeader('Cache-Control', 'no-store');
    res.json({ id: p.id, username: p.username, role: p.role, permissions: { apps: { ...p.permissions.apps } }, allowed_apps: [...p.allowedApps] });
  });

  const index: RequestHandler = async (_req, res) => {
    // Read per request: it is small, and a rebuild is then served without a restart.
    const html = await readFile(join(distDir, 'index.html')).catch(() => null);
    if (html === null) {
      res.status(503).json({ error: 'the dashboard is not built: run npm run build:web', code: 'dashboard_not_built' });
      return;
    }
    res.set({ ...SECURITY_HEADERS, 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-cache' });
    res.send(html);
  };
  router.get('/', index);

  router.use(
    '/ui/assets',
    express.static(join(distDir, 'assets'), {
      cacheControl: false,
      index: false,
      redirect: false,
      dotfiles: 'ignore',
      // Set here: the app's default for API answers (no-store) is already on the response, and
      // serve-static leaves a Cache-Control it finds in place.
      setHeaders: (res) => {
        for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
        res.setHeader('Cache-Control', ASSET_CACHE_CONTROL);
      },
    }),
  );
  return router;
}

const APP_ACTIONS = Object.keys(ALL_APP_PERMISSIONS);

const dashboardDocs: RouteDoc[] = [
  {
    method: 'get',
    path: '/',
    summary: 'The dashboard (text/html); its assets are under /ui/assets/',
    tag: 'dashboard',
    auth: 'none',
    responses: { 200: { description: 'The dashboard page' }, 503: errorResponse('The dashboard has not been built (npm run build:web)') },
  },
  {
    method: 'get',
    path: '/auth/me',
    summary: 'The signed-in account: its role, permissions and allowed apps',
    tag: 'auth',
    auth: 'jwt',
    responses: {
      200: {
        description: 'The account behind the token',
        schema: {
          type: 'object',
          required: ['id', 'username', 'role', 'permissions', 'allowed_apps'],
          properties: {
            id: { type: 'string' },
            username: { type: 'string' },
            role: { type: 'string', enum: ['admin', 'user'] },
            permissions: {
              type: 'object',
              required: ['apps'],
              properties: { apps: { type: 'object', required: APP_ACTIONS, properties: Object.fromEntries(APP_ACTIONS.map((k) => [k, { type: 'boolean' }])) } },
            },
            allowed_apps: { type: 'array', items: { type: 'string' } },
          },
        },
      },
      401: errorResponse('Missing, invalid or expired bearer token'),
    },
  },
];

/** DASHBOARD_DIR, when set, serves another build than the one `npm run build:web` writes. */
export const dashboardModule: RouteModule<{ tokenVerifier: TokenVerifier }, { dashboardDir: string | null }> = {
  name: 'dashboard',
  routes: ({ tokenVerifier }, { dashboardDir }) => dashboardRoutes({ distDir: dashboardDir ?? DASHBOARD_DIST_DIR, verifier: tokenVerifier }),
  docs: () => dashboardDocs,
};
