export interface PasswordHash {
  hash: string;
  salt: string;
}

export interface PasswordHasher {
  /** A fresh random salt every time. */
  hash(password: string): Promise<PasswordHash>;
  /**
   * Constant-time comparison; false (never a throw) for a malformed stored hash. `rank` orders
   * sign-ins waiting for a contended hasher (lower first); a hasher that never queues ignores it.
   */
  verify(password: string, hash: string, salt: string, rank?: number): Promise<boolean>;
}
