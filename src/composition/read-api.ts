import type { Router } from 'express';
import { appsRoutes, type CurrentRollout } from '../adapters/http/apps-routes';
import { reportsReadRoutes } from '../adapters/http/reports-read-routes';
import { AppManagement } from '../app/app-management';
import type { RelayTokens } from '../app/relay-tokens';
import type { CachedAppDirectory } from '../app/cached-app-directory';
import { ReportGroups } from '../app/report-groups';
import type { BlobStore } from '../ports/blob-store';
import type { Clock } from '../ports/clock';
import type { ReportRepository } from '../ports/report-repository';
import type { TokenVerifier } from '../ports/token-verifier';
import type { Config } from './config';

export interface ReadApiParts {
  deps: { config: Readonly<Config> };
  directory: CachedAppDirectory;
  repository: ReportRepository;
  blobStore: BlobStore;
  clock: Clock;
  secrets: { urlSigning: string };
  /** Deleting an app revokes its relay tokens. */
  relayTokens: RelayTokens;
  /** The app list's worst current rollout; absent in tests that build the read API alone. */
  currentRollout?: CurrentRollout;
}

/** The read API and app management routers; compose mounts them, tests build them with a fake verifier. */
export function readApiRouters(c: ReadApiParts, verifier: TokenVerifier, randomHex: (bytes: number) => string): Router[] {
  const { config } = c.deps;
  const apps = new AppManagement({
    directory: c.directory,
    repository: c.repository,
    blobStore: c.blobStore,
    relayTokens: c.relayTokens,
    clock: c.clock,
    randomHex,
    storagePrefix: config.reports.storagePrefix,
  });
  const routers = [appsRoutes(apps, verifier, c.currentRollout)];
  // As in faynoSync, REPORTS_ENABLED=false registers neither ingestion nor the reports read API.
  if (config.reports.enabled) {
    const groups = new ReportGroups({
      directory: c.directory,
      repository: c.repository,
      blobStore: c.blobStore,
      clock: c.clock,
      signedUrlTtlSeconds: config.reports.signedUrlTtlSeconds,
      urlSigningSecret: c.secrets.urlSigning,
    });
    routers.push(reportsReadRoutes(groups, verifier));
  }
  return routers;
}
