import { ScryptPasswordHasher } from '../adapters/crypto/scrypt-password-hasher';
import { BoundedPasswordHasher } from '../app/bounded-password-hasher';
import { JwtTokenIssuer } from '../adapters/jwt/jwt-token-issuer';
import { JwtTokenVerifier, publicKeyAlgorithm } from '../adapters/jwt/jwt-token-verifier';
import { Identity } from '../app/identity';
import type { AccountRepository } from '../ports/account-repository';
import type { AppDirectory } from '../ports/app-directory';
import type { Clock } from '../ports/clock';
import type { RateLimiter } from '../ports/rate-limiter';
import type { TokenVerifier } from '../ports/token-verifier';
import { ConfigError, type Config } from './config';
import { loadOrCreateSecret, randomHex } from './secrets';

/**
 * JWT_SECRET, else (embedded default) a secret kept under DATA_DIR so tokens survive restarts.
 * With only JWT_PUBLIC_KEY, tokens come from an external issuer: they are verified, and sign-in
 * and the token command answer 501 because this service has nothing to sign with.
 */
export function composeIdentity(
  config: Readonly<Config>,
  deps: { accounts: AccountRepository; directory: AppDirectory; limiter: RateLimiter; clock: Clock },
): { tokenVerifier: TokenVerifier; identity: Identity } {
  const { auth } = config;
  if (auth.jwtPublicKey !== null && publicKeyAlgorithm(auth.jwtPublicKey) === null) {
    throw new ConfigError('JWT_PUBLIC_KEY', 'must be an RSA or EC P-256 public key');
  }
  const secret = auth.jwtSecret ?? (auth.jwtPublicKey === null ? loadOrCreateSecret(config.dataDir, 'jwt') : null);
  const claims = { issuer: auth.jwtIssuer, audience: auth.jwtAudience };
  const tokenVerifier = new JwtTokenVerifier({ secret, publicKey: auth.jwtPublicKey, ...claims, maxTtlSeconds: auth.maxTokenTtlSeconds }, deps.accounts, deps.clock);
  const identity = new Identity({
    accounts: deps.accounts,
    hasher: new BoundedPasswordHasher(new ScryptPasswordHasher(), { maxConcurrent: auth.maxConcurrentHashes, maxWaiting: 4 * auth.maxConcurrentHashes, maxWaitMs: 750 }),
    issuer: secret === null ? null : new JwtTokenIssuer({ secret, ...claims }, deps.clock),
    apps: deps.directory,
    limiter: deps.limiter,
    clock: deps.clock,
    newId: () => randomHex(12),
    settings: {
      tokenTtlSeconds: auth.tokenTtlSeconds,
      loginRateLimitPerMinute: auth.loginRateLimitPerMinute,
      failedLoginsPerIpPerMinute: auth.failedLoginsPerIpPerMinute,
    },
  });
  return { tokenVerifier, identity };
}
