import { AppManagement } from '../app/app-management';
import type { CachedAppDirectory } from '../app/cached-app-directory';
import type { RelayTokens } from '../app/relay-tokens';
import { ReportGroups } from '../app/report-groups';
import type { BlobStore } from '../ports/blob-store';
import type { Clock } from '../ports/clock';
import type { ReportRepository } from '../ports/report-repository';
import type { Config } from './config';
import { randomHex } from './secrets';

export interface ReadApiDeps {
  directory: CachedAppDirectory;
  repository: ReportRepository;
  blobStore: BlobStore;
  clock: Clock;
  urlSigningSecret: string;
  /** Deleting an app revokes its relay tokens. */
  relayTokens: RelayTokens;
}

/** The use cases behind app management and the reports read API. */
export function composeReadApi(config: Readonly<Config>, deps: ReadApiDeps): { apps: AppManagement; groups: ReportGroups } {
  const { directory, repository, blobStore, clock, relayTokens } = deps;
  return {
    apps: new AppManagement({ directory, repository, blobStore, relayTokens, clock, randomHex, storagePrefix: config.reports.storagePrefix }),
    groups: new ReportGroups({
      directory,
      repository,
      blobStore,
      clock,
      signedUrlTtlSeconds: config.reports.signedUrlTtlSeconds,
      urlSigningSecret: deps.urlSigningSecret,
    }),
  };
}
