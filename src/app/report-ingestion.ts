import { checkDetails } from '../domain/details-policy';
import { AuthenticationError, ForbiddenError, RateLimitedError, UnavailableError, ValidationError } from '../domain/errors';
import { bearerToken } from '../domain/bearer-token';
import { DEVICE_ID_RULE, deviceIdFromHeader } from '../domain/device-id';
import { pseudonym } from '../domain/privacy';
import { groupHash } from '../domain/group-hash';
import { dimensionsOf, type BlobRecord, type DetailsOutcome } from '../domain/report';
import { parseReportInput } from '../domain/report-validation';
import { blobKey, expiresAt } from '../domain/retention';
import type { AppContext, AppDirectory } from '../ports/app-directory';
import type { BlobStore } from '../ports/blob-store';
import type { Clock } from '../ports/clock';
import type { Logger } from '../ports/logger';
import type { Metrics } from '../ports/metrics';
import type { LimitRule, RateLimiter } from '../ports/rate-limiter';
import type { RecordOutcome, ReportRepository } from '../ports/report-repository';
import type { WebhookStore } from '../ports/webhook-store';
import type { SketchKind } from '../ports/device-sketches';
import type { DeviceCounter } from './device-counter';

const REPORT_KEY_PATTERN = /^rpk_[0-9a-f]{64}$/;

export interface ReportSettings {
  enabled: boolean;
  maxBodyBytes: number;
  maxDetailsCompressedBytes: number;
  maxDetailsDecompressedBytes: number;
  blobRetentionDays: number;
  maxBlobsPerGroup: number;
  storagePrefix: string;
  rateLimitPerKeyPerMinute: number;
  rateLimitPerGroupPerMinute: number;
  rateLimitPerDeviceGroupPerHour: number;
  keyCacheTtlMs: number;
  signedUrlTtlSeconds: number;
  sweepIntervalMs: number;
  s3Lifecycle: boolean;
}

export interface ReportIngestionDeps {
  directory: AppDirectory;
  repository: ReportRepository;
  blobStore: BlobStore;
  limiter: RateLimiter;
  clock: Clock;
  metrics: Metrics;
  logger: Logger;
  randomHex: (bytes: number) => string;
  settings: ReportSettings;
  /** Where group.new and group.regressed go; written only when recordEvent says so, so the common path stays one write. */
  outbox?: Pick<WebhookStore, 'appendEvent'>;
  /** Adds each accepted report's device to its cell's sketches (in process; flushed in the background). */
  devices?: DeviceCounter;
}

/** What authorize() established before the body was read. */
export interface IngestTicket {
  app: AppContext;
  deviceId: string;
}

export interface IngestResult {
  groupHash: string;
  storedDetails: boolean;
  detailsError?: { code: string; message: string };
}

export class ReportIngestion {
  constructor(private readonly deps: ReportIngestionDeps) {}

  /** Everything that can refuse a report before its body is read: key, device id, reports flag, per-key limit. */
  async authorize(authorization: string | undefined, deviceIdHeader: string | undefined): Promise<IngestTicket> {
    const key = bearerToken(authorization);
    if (key === null || !REPORT_KEY_PATTERN.test(key)) throw this.rejected(new AuthenticationError('invalid report key', 'invalid_report_key'));
    const app = await this.unavailableOnError('app directory', () => this.deps.directory.findByReportKey(key));
    if (app === null) throw this.rejected(new AuthenticationError('invalid report key', 'invalid_report_key'));
    const device = deviceIdFromHeader(deviceIdHeader);
    if (!device.ok) {
      const what = device.code === 'missing_device_id' ? 'missing' : 'invalid';
      throw this.rejected(new ValidationError(`${what} X-Device-ID header: ${DEVICE_ID_RULE}`, device.code));
    }
    if (!app.reports) throw this.rejected(new ForbiddenError('reports are disabled for this app', 'reports_disabled'));
    const verdict = await this.deps.limiter.peek(this.keyRule(app));
    if (!verdict.allowed) throw this.limited(verdict.scope, verdict.retryAfterSeconds);
    return { app, deviceId: device.id };
  }

  async ingest(ticket: IngestTicket, body: unknown): Promise<IngestResult> {
    const { app } = ticket;
    let input;
    try {
      input = parseReportInput(body);
    } catch (error) {
      throw this.rejected(error as Error);
    }
    if (input.application.name !== app.name) {
      throw this.rejected(new ForbiddenError('report key does not belong to this application', 'app_mismatch'));
    }
    const dimensions = dimensionsOf(input);
    const hash = groupHash(dimensions);

    const verdict = await this.deps.limiter.consume([
      this.keyRule(app),
      { scope: 'group', key: `${app.appId}:${hash}`, partition: app.appId, limit: this.deps.settings.rateLimitPerGroupPerMinute, windowSeconds: 60 },
      {
        scope: 'device',
        key: `${app.appId}:${pseudonym(ticket.deviceId)}:${hash}`,
        partition: app.appId,
        limit: this.deps.settings.rateLimitPerDeviceGroupPerHour,
        windowSeconds: 3600,
      },
    ]);
    if (!verdict.allowed) throw this.limited(verdict.scope, verdict.retryAfterSeconds);

    const now = this.deps.clock.now();
    let outcome: DetailsOutcome = 'none';
    let detailsError: IngestResult['detailsError'];
    let stored: BlobRecord | null = null;
    if (input.details !== undefined && input.details !== null) {
      const checked = checkDetails(input.details, {
        maxCompressedBytes: this.deps.settings.maxDetailsCompressedBytes,
        maxDecompressedBytes: this.deps.settings.maxDetailsDecompressedBytes,
      });
      if (checked.ok) {
        stored = await this.storeDetails(app.appId, hash, dimensions, checked, now);
        if (stored === null) detailsError = { code: 'details_storage_failed', message: 'details could not be stored; the report was counted' };
      } else {
        detailsError = { code: checked.code, message: checked.message };
      }
      outcome = stored ? 'stored' : 'rejected';
      this.deps.metrics.increment('report_details_total', { outcome: stored ? 'stored' : 'rejected', reason: detailsError?.code ?? 'ok' });
    }

    let recorded: RecordOutcome;
    try {
      recorded = await this.deps.repository.recordEvent({ appId: app.appId, groupHash: hash, dimensions, at: now, details: outcome });
    } catch (error) {
      // The client will retry; don't leave details behind for a report that was never counted.
      if (stored) await this.discardDetails(stored);
      this.deps.metrics.increment('reports_rejected_total', { reason: 'repository_unavailable' });
      throw new UnavailableError('report repository unavailable', 5, error);
    }
    this.deps.metrics.increment('reports_accepted_total');
    if (recorded.created || recorded.reopened) await this.announce(app.appId, hash, dimensions, now, recorded.created ? 'group.new' : 'group.regressed');
    await this.countDevice(ticket, input, now);

    if (stored) await this.trim(app.appId, hash);
    return { groupHash: hash, storedDetails: stored !== null, ...(detailsError ? { detailsError } : {}) };
  }

  /** The report is already counted: a failed announcement is logged, never turned into a retry that counts it twice. */
  private async announce(appId: string, groupHash: string, dimensions: ReturnType<typeof dimensionsOf>, at: Date, type: 'group.new' | 'group.regressed'): Promise<void> {
    if (!this.deps.outbox) return;
    const payload = { group_hash: groupHash, application: dimensions.application, system: dimensions.system, event: dimensions.event, at: at.toISOString() };
    await this.deps.outbox
      .appendEvent({ id: this.deps.randomHex(12), appId, type, payload, createdAt: at })
      .catch((error: Error) => this.deps.logger.warn({ err: { message: error.message }, appId, type }, 'outbox append failed; webhook event lost'));
  }

  /**
   * Active and affected in the report's cell, so affected ⊆ active; an update failure also counts
   * against the version it failed to update to. Only registers in process change here: no write.
   */
  private async countDevice(ticket: IngestTicket, input: ReturnType<typeof parseReportInput>, at: Date): Promise<void> {
    const devices = this.deps.devices;
    if (!devices) return;
    const { application, system, event } = input;
    const cell = { version: application.version, channel: application.channel, platform: system.platform, arch: system.arch };
    const kinds: SketchKind[] = ['active', `affected:${event.type}`];
    try {
      if (event.type === 'update_failure') {
        const target = event.target_version ?? application.version;
        if (target === application.version) kinds.push('update_failed_to');
        else await devices.count(ticket.app.appId, { ...cell, version: target }, ticket.deviceId, ['update_failed_to'], at);
      }
      await devices.count(ticket.app.appId, cell, ticket.deviceId, kinds, at);
    } catch (error) {
      // The report is counted in its group already; its device is statistics.
      this.deps.logger.warn({ err: { message: (error as Error).message } }, 'report device not counted in the rollout sketches');
    }
  }

  private keyRule(app: AppContext): LimitRule {
    return { scope: 'key', key: app.appId, partition: app.appId, limit: this.deps.settings.rateLimitPerKeyPerMinute, windowSeconds: 60 };
  }

  private async storeDetails(
    appId: string,
    hash: string,
    dimensions: ReturnType<typeof dimensionsOf>,
    details: { compressed: Buffer; decompressedSize: number; contentType: string; encoding: string },
    now: Date,
  ): Promise<BlobRecord | null> {
    const key = blobKey(this.deps.settings.storagePrefix, appId, now, hash, this.deps.randomHex(8));
    const record: BlobRecord = {
      id: this.deps.randomHex(12),
      appId,
      groupHash: hash,
      ...dimensions,
      storage: {
        driver: this.deps.blobStore.driver,
        key,
        compressedSize: details.compressed.length,
        decompressedSize: details.decompressedSize,
        contentType: details.contentType,
        encoding: details.encoding,
      },
      createdAt: now,
      expiresAt: expiresAt(now, this.deps.settings.blobRetentionDays),
    };
    try {
      // Stored and served as a .json.gz file, the same whether a signed URL points at S3 or at us.
      await this.deps.blobStore.put(key, details.compressed, { contentType: 'application/gzip' });
    } catch (error) {
      this.deps.logger.warn({ err: { message: (error as Error).message }, appId }, 'blob store put failed; report counted without details');
      // The upload may have landed before the connection failed; without a record nothing
      // would ever delete it. During an outage this fails too: REPORTS_S3_LIFECYCLE covers that.
      await this.deps.blobStore.delete([key]).catch(() => undefined);
      return null;
    }
    try {
      await this.deps.repository.insertBlob(record);
    } catch (error) {
      this.deps.logger.warn({ err: { message: (error as Error).message }, appId }, 'blob metadata insert failed; removing the object');
      await this.deps.blobStore.delete([key]).catch(() => undefined);
      return null;
    }
    return record;
  }

  private async discardDetails(record: BlobRecord): Promise<void> {
    await this.deps.repository.deleteBlobs([record.id]).catch(() => undefined);
    await this.deps.blobStore.delete([record.storage.key]).catch(() => undefined);
  }

  /** Keeps the newest maxBlobsPerGroup; a failure here only delays the trim to the next report. */
  private async trim(appId: string, hash: string): Promise<void> {
    try {
      const removed = await this.deps.repository.trimBlobs(appId, hash, this.deps.settings.maxBlobsPerGroup);
      if (removed.length > 0) await this.deps.blobStore.delete(removed.map((b) => b.storage.key));
    } catch (error) {
      this.deps.logger.warn({ err: { message: (error as Error).message }, appId }, 'trimming blobs failed');
    }
  }

  private limited(scope: string, retryAfterSeconds: number): RateLimitedError {
    this.deps.metrics.increment('rate_limit_rejections_total', { scope });
    this.deps.metrics.increment('reports_rejected_total', { reason: `rate_limited_${scope}` });
    return new RateLimitedError(scope, retryAfterSeconds);
  }

  private rejected<E extends Error>(error: E): E {
    this.deps.metrics.increment('reports_rejected_total', { reason: (error as unknown as { code?: string }).code ?? error.name });
    return error;
  }

  private async unavailableOnError<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw new UnavailableError(`${what} unavailable`, 5, error);
    }
  }
}

