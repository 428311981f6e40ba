import type { Principal } from '../domain/access';

export interface TokenVerifier {
  /**
   * The principal a bearer token stands for, or null when the token is missing its signature,
   * expired, for another issuer/audience, uses a refused algorithm, or names no account.
   */
  verify(token: string): Promise<Principal | null>;
}
