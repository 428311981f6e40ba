import type { AppAction, Principal } from '../domain/access';
import { ForbiddenError, NotFoundError, ValidationError } from '../domain/errors';
import { GROUP_HASH_PATTERN } from '../domain/group-hash';
import type { GroupFilter, SummaryDimension } from '../domain/group-query';
import type { BlobRecord, GroupStatus, ReportGroup } from '../domain/report';
import { verifyBlobSignature } from '../domain/signed-url';
import type { App, AppDirectory } from '../ports/app-directory';
import type { BlobStore } from '../ports/blob-store';
import type { Clock } from '../ports/clock';
import type { GroupPage, ReportRepository, SummaryBucket } from '../ports/report-repository';
import { AppScope } from './app-scope';

export interface ReportGroupsDeps {
  directory: AppDirectory;
  repository: ReportRepository;
  blobStore: BlobStore;
  clock: Clock;
  signedUrlTtlSeconds: number;
  /** Signs and checks the URLs of the local (fs, memory) blob stores. */
  urlSigningSecret: string;
}

export interface GroupListRequest {
  app?: string;
  filter: Omit<GroupFilter, 'appIds'>;
  page: number;
  limit: number;
}

export interface SummaryRequest {
  app: string;
  groupBy: SummaryDimension[];
  from?: Date;
  to?: Date;
}

export interface TriageRequest {
  status?: GroupStatus;
  tags?: string[];
  note?: string;
}

export type BlobWithUrl = BlobRecord & { url: string };

/**
 * Reading and triaging report groups. Every query is scoped to the apps the caller may act on,
 * so another owner's identically hashed group is never matched.
 */
export class ReportGroups {
  private readonly scope: AppScope;

  constructor(private readonly deps: ReportGroupsDeps) {
    this.scope = new AppScope(deps.directory);
  }

  async list(p: Principal, request: GroupListRequest): Promise<GroupPage> {
    const apps = request.app === undefined ? await this.scope.apps(p, 'download') : [await this.scope.resolve(p, 'download', request.app)];
    checkRange(request.filter.from, request.filter.to);
    if (apps.length === 0) return { items: [], total: 0 };
    return this.deps.repository.listGroups({ ...request.filter, appIds: apps.map((a) => a.id) }, request.page, request.limit);
  }

  async summarize(p: Principal, request: SummaryRequest): Promise<{ app: App; buckets: SummaryBucket[] }> {
    const app = await this.scope.resolve(p, 'download', request.app);
    checkRange(request.from, request.to);
    const buckets = await this.deps.repository.summarize({ appId: app.id, groupBy: request.groupBy, from: request.from, to: request.to });
    return { app, buckets };
  }

  get(p: Principal, groupHash: string, app?: string): Promise<ReportGroup> {
    return this.find(p, 'download', groupHash, app);
  }

  async blobs(p: Principal, groupHash: string, app?: string): Promise<BlobWithUrl[]> {
    const group = await this.find(p, 'download', groupHash, app);
    const blobs = await this.deps.repository.listBlobs(group.appId, group.groupHash);
    return Promise.all(
      blobs.map(async (blob) => ({ ...blob, url: await this.deps.blobStore.signedUrl(blob.storage.key, this.deps.signedUrlTtlSeconds) })),
    );
  }

  /** One stored details object of a group, as stored (gzip), for a client that shows it in place. */
  async blobContent(p: Principal, groupHash: string, app: string | undefined, blobId: string): Promise<Buffer> {
    const group = await this.find(p, 'download', groupHash, app);
    const blobs = await this.deps.repository.listBlobs(group.appId, group.groupHash);
    const blob = blobs.find((b) => b.id === blobId);
    const body = blob ? await this.deps.blobStore.get(blob.storage.key) : null;
    if (!body) throw new NotFoundError('blob not found', 'blob_not_found');
    return body;
  }

  async triage(p: Principal, groupHash: string, app: string | undefined, request: TriageRequest): Promise<ReportGroup> {
    const group = await this.find(p, 'edit', groupHash, app);
    const updated = await this.deps.repository.updateTriage(group.appId, group.groupHash, {
      ...request,
      at: this.deps.clock.now(),
      by: p.username,
    });
    if (!updated) throw groupNotFound();
    return updated;
  }

  /** Objects first, then the records: a failure leaves records pointing at nothing, never orphaned objects. */
  async delete(p: Principal, groupHash: string, app?: string): Promise<void> {
    const group = await this.find(p, 'delete', groupHash, app);
    const blobs = await this.deps.repository.listBlobs(group.appId, group.groupHash);
    if (blobs.length > 0) await this.deps.blobStore.delete(blobs.map((b) => b.storage.key));
    await this.deps.repository.deleteGroup(group.appId, group.groupHash);
  }

  /** The signature is the credential: no principal, but a key, an expiry and their HMAC. */
  async download(key: string, expires: string, signature: string): Promise<Buffer> {
    const expiresAt = /^\d{1,15}$/.test(expires) ? Number(expires) : Number.NaN;
    const now = Math.floor(this.deps.clock.now().getTime() / 1000);
    const verdict = verifyBlobSignature(this.deps.urlSigningSecret, key, expiresAt, signature, now);
    if (verdict === 'invalid') throw new ForbiddenError('invalid download signature', 'invalid_signature');
    if (verdict === 'expired') throw new ForbiddenError('download link expired', 'link_expired');
    const body = await this.deps.blobStore.get(key);
    if (!body) throw new NotFoundError('blob not found', 'blob_not_found');
    return body;
  }

  // Names are unique per owner and the hash covers the name, so within one account a hash
  // belongs to at most one app: looking it up across the caller's apps finds a single group.
  private async find(p: Principal, action: AppAction, groupHash: string, app?: string): Promise<ReportGroup> {
    if (!GROUP_HASH_PATTERN.test(groupHash)) throw new ValidationError('invalid groupHash', 'invalid_group_hash', { field: 'groupHash' });
    const apps = app === undefined ? await this.scope.apps(p, action) : [await this.scope.resolve(p, action, app)];
    const found = await Promise.all(apps.map((a) => this.deps.repository.findGroup(a.id, groupHash)));
    const group = found.find((g) => g !== null);
    if (!group) throw groupNotFound();
    return group;
  }
}

function checkRange(from: Date | undefined, to: Date | undefined): void {
  if (from && to && from > to) throw new ValidationError('from must not be after to', 'invalid_value', { field: 'from' });
}

const groupNotFound = () => new NotFoundError('group not found', 'group_not_found');
