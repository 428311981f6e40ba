import type { RequestHandler } from 'express';

/**
 * CORS for browser clients on the ingest routes only, from an explicit allowlist. With no
 * origins configured it does nothing, so browsers keep their same-origin default.
 */
export function corsAllowlist(origins: readonly string[], allowedHeaders: string): RequestHandler {
  const allowed = new Set(origins);
  return (req, res, next) => {
    const origin = req.headers.origin;
    if (allowed.size === 0 || origin === undefined || !allowed.has(origin)) {
      if (req.method === 'OPTIONS' && origin !== undefined && allowed.size > 0) {
        res.status(403).json({ error: 'origin not allowed', code: 'cors_origin_denied' });
        return;
      }
      return next();
    }
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Vary', 'Origin');
    res.setHeader('Access-Control-Expose-Headers', 'Retry-After, X-Trace-Id, RateLimit, RateLimit-Policy');
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', allowedHeaders);
      res.setHeader('Access-Control-Max-Age', '600');
      res.status(204).end();
      return;
    }
    next();
  };
}
