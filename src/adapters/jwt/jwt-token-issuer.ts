import jwt from 'jsonwebtoken';
import type { Clock } from '../../ports/clock';
import type { TokenIssuer } from '../../ports/token-issuer';

export interface JwtIssuerSettings {
  secret: string;
  issuer: string | null;
  audience: string | null;
}

/** HS256 tokens carrying only `sub` (the account id); permissions are read fresh on every request. */
export class JwtTokenIssuer implements TokenIssuer {
  constructor(private readonly settings: JwtIssuerSettings, private readonly clock: Clock) {}

  async issue(subject: string, ttlSeconds: number): Promise<string> {
    const iat = Math.floor(this.clock.now().getTime() / 1000);
    return jwt.sign({ sub: subject, iat }, this.settings.secret, {
      algorithm: 'HS256',
      expiresIn: ttlSeconds,
      ...(this.settings.issuer !== null ? { issuer: this.settings.issuer } : {}),
      ...(this.settings.audience !== null ? { audience: this.settings.audience } : {}),
    });
  }
}
