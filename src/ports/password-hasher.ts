export interface PasswordHash {
  hash: string;
  salt: string;
}

export interface PasswordHasher {
  /** A fresh random salt every time. */
  hash(password: string): Promise<PasswordHash>;
  /** Constant-time comparison; false (never a throw) for a malformed stored hash. */
  verify(password: string, hash: string, salt: string): Promise<boolean>;
}
