/** What an attestation check may look at; it sees only unauthenticated traffic. */
export interface IntegrityRequest {
  headers: Readonly<Record<string, string | string[] | undefined>>;
  ip: string | undefined;
  deviceId: string;
}

export interface AppIntegrity {
  /** Resolves when the request comes from a genuine app; throws ForbiddenError otherwise. */
  validate(request: IntegrityRequest): Promise<void>;
}
