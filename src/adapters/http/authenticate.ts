import type { RequestHandler } from 'express';
import { bearerToken } from '../../domain/bearer-token';
import type { Principal } from '../../domain/access';
import { AuthenticationError } from '../../domain/errors';
import type { TokenVerifier } from '../../ports/token-verifier';

/** Requires a valid JWT; the principal is then at res.locals.principal. */
export function authenticate(verifier: TokenVerifier): RequestHandler {
  return async (req, res, next) => {
    const token = bearerToken(req.headers.authorization);
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
