/** A relay's credential for one app; the token itself is never stored, only its SHA-256. */
export interface RelayToken {
  id: string;
  appId: string;
  /** The admin's label: which relay holds it. */
  name: string;
  /** Hex SHA-256 of the whole token (domain/relay-token). */
  digest: string;
  /** The token's last four characters, so a listed token can be recognised. */
  lastFour: string;
  createdAt: Date;
}

/** Relay tokens per app. Revoking removes the record: a revoked token is unknown from then on. */
export interface RelayTokenStore {
  create(token: RelayToken): Promise<void>;
  /** Oldest first. */
  listByApp(appId: string): Promise<RelayToken[]>;
  find(id: string): Promise<RelayToken | null>;
  /** True when the app had that token. */
  delete(appId: string, id: string): Promise<boolean>;
  /** Every token of the app (the app is being deleted); how many there were. */
  deleteByApp(appId: string): Promise<number>;
}
