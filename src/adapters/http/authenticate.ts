import type { Request, RequestHandler } from 'express';
import type { Principal } from '../../domain/access';
import { AuthenticationError } from '../../domain/errors';
import type { TokenVerifier } from '../../ports/token-verifier';

const BEARER = /^Bearer\s+(\S+)\s*$/i;

export function bearerOf(req: Request): string | null {
  const match = BEARER.exec(req.headers.authorization ?? '');
  return match ? match[1]! : null;
}

/** Requires a valid JWT; the principal is then at res.locals.principal. */
export function authenticate(verifier: TokenVerifier): RequestHandler {
  return async (req, res, next) => {
    const token = bearerOf(req);
    const principal = token === null ? null : await verifier.verify(token);
    if (principal === null) throw new AuthenticationError('a valid bearer token is required', 'invalid_token');
    res.locals.principal = principal;
    next();
  };
}

export function principalOf(res: { locals: Record<string, unknown> }): Principal {
  const principal = res.locals.principal as Principal | undefined;
  if (!principal) throw new AuthenticationError('a valid bearer token is required', 'invalid_token');
  return principal;
}
