export interface TokenIssuer {
  /** A signed bearer token for the account `subject`, valid for `ttlSeconds`. */
  issue(subject: string, ttlSeconds: number): Promise<string>;
}
