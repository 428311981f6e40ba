import { createPublicKey } from 'node:crypto';
import jwt, { type Algorithm, type JwtPayload } from 'jsonwebtoken';
import { Strategy as JwtStrategy } from 'passport-jwt';
import { toPrincipal } from '../../domain/account';
import type { Principal } from '../../domain/access';
import type { AccountRepository } from '../../ports/account-repository';
import type { Clock } from '../../ports/clock';
import type { TokenVerifier } from '../../ports/token-verifier';

export interface JwtVerifierSettings {
  /** HS256 tokens, e.g. the ones /auth/login issues. */
  secret: string | null;
  /** PEM; RS256 for an RSA key, ES256 for a P-256 key. */
  publicKey: string | null;
  issuer: string | null;
  audience: string | null;
  /** A token whose lifetime (exp − iat, or exp − now without iat) is longer is refused; absent: no bound. */
  maxTtlSeconds?: number;
}

/** How far a token's `iat` may lie ahead of our clock (issuers' clocks drift). */
export const IAT_SKEW_SECONDS = 60;

/** The algorithm a PEM public key verifies, or null when it is unreadable or neither RSA nor EC P-256. */
export function publicKeyAlgorithm(pem: string): 'RS256' | 'ES256' | null {
  let key;
  try {
    key = createPublicKey(pem);
  } catch {
    return null;
  }
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  return null;
}

/**
 * Verifies bearer tokens with passport-jwt's JwtStrategy. Each algorithm is bound to its own key
 * and the list is pinned, so `alg: none` and an HS256 token "signed" with the public key are
 * refused. The account is loaded on every request: deleting it or changing its permissions takes
 * effect at once, and the principal never comes from the token's own claims.
 */
export class JwtTokenVerifier implements TokenVerifier {
  private readonly keys = new Map<Algorithm, string>();
  private readonly claims: { issuer?: string; audience?: string };
  private readonly maxTtlSeconds: number;

  constructor(
    settings: JwtVerifierSettings,
    private readonly accounts: AccountRepository,
    private readonly clock: Clock,
  ) {
    this.claims = { issuer: settings.issuer ?? undefined, audience: settings.audience ?? undefined };
    this.maxTtlSeconds = settings.maxTtlSeconds ?? Number.POSITIVE_INFINITY;
    if (settings.secret !== null) this.keys.set('HS256', settings.secret);
    if (settings.publicKey !== null) {
      const algorithm = publicKeyAlgorithm(settings.publicKey);
      if (algorithm === null) throw new Error('JWT_PUBLIC_KEY must be an RSA or EC P-256 public key');
      this.keys.set(algorithm, settings.publicKey);
    }
    if (this.keys.size === 0) throw new Error('a JWT secret or public key is required');
  }

  get algorithms(): Algorithm[] {
    return [...this.keys.keys()];
  }

  verify(token: string): Promise<Principal | null> {
    // RFC 7515 §4.1.11: a `crit` extension the recipient doesn't understand makes the token invalid,
    // and this service understands none; jsonwebtoken ignores the header.
    if (hasCritHeader(token)) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      // A strategy per call, because jsonwebtoken reads the time from its options, not a clock.
      const strategy = new JwtStrategy(
        {
          jwtFromRequest: () => token,
          secretOrKeyProvider: (_req, raw: string, done) => {
            const key = this.keys.get(headerAlgorithm(raw) as Algorithm);
            done(key === undefined ? new Error('algorithm not allowed') : null, key);
          },
          algorithms: this.algorithms,
          ...this.claims,
          jsonWebTokenOptions: { clockTimestamp: Math.floor(this.clock.now().getTime() / 1000) },
        },
        (payload: JwtPayload, done: (error: unknown, user?: Principal | false) => void) => {
          this.principalFor(payload).then((principal) => done(null, principal ?? false), done);
        },
      );
      strategy.success = (principal: Principal) => resolve(principal);
      strategy.fail = () => resolve(null);
      strategy.error = (error: Error) => reject(error);
      strategy.authenticate({} as never, {});
    });
  }

  private async principalFor(payload: JwtPayload): Promise<Principal | null> {
    // A token without an expiry would be valid forever.
    if (typeof payload.sub !== 'string' || payload.sub === '' || typeof payload.exp !== 'number') return null;
    // A stolen key or a careless issuer minting tokens "from the future" or for a century: refuse
    // what no issuer of ours would sign, so such a token can't outlive a key rotation.
    const now = Math.floor(this.clock.now().getTime() / 1000);
    if (payload.iat !== undefined && (typeof payload.iat !== 'number' || payload.iat > now + IAT_SKEW_SECONDS)) return null;
    if (payload.exp - (payload.iat ?? now) > this.maxTtlSeconds) return null;
    const account = await this.accounts.findById(payload.sub);
    return account ? toPrincipal(account) : null;
  }
}

function hasCritHeader(token: string): boolean {
  const decoded = jwt.decode(token, { complete: true });
  return decoded !== null && typeof decoded === 'object' && 'crit' in decoded.header;
}

function headerAlgorithm(token: string): string | undefined {
  const decoded = jwt.decode(token, { complete: true });
  return decoded && typeof decoded === 'object' ? decoded.header.alg : undefined;
}
