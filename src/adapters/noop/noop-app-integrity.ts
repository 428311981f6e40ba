import type { AppIntegrity } from '../../ports/app-integrity';

/** Until mobile attestation exists, enabling the check admits every request. */
export class NoopAppIntegrity implements AppIntegrity {
  async validate(): Promise<void> {}
}
