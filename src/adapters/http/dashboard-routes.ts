import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import express, { Router, type RequestHandler } from 'express';
import type { TokenVerifier } from '../../ports/token-verifier';
import { authenticate, principalOf } from './authenticate';

export interface DashboardOptions {
  /** The output of `npm run build:web`: index.html and assets/. */
  distDir: string;
  verifier: TokenVerifier;
}

export const DASHBOARD_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

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
  router.get(['/', '/index.html'], index);

  router.use(
    '/ui/assets',
    express.static(join(distDir, 'assets'), {
      immutable: true,
      maxAge: 365 * 24 * 3600 * 1000,
      index: false,
      redirect: false,
      dotfiles: 'ignore',
      setHeaders: (res) => {
        for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
      },
    }),
  );
  return router;
}
