import { beaconQueryError, checkBatchBeacon, parseBatchBody, type BeaconQuery } from '../domain/beacon';
import { bearerToken } from '../domain/bearer-token';
import { deviceIdFromHeader } from '../domain/device-id';
import { usernameKey } from '../domain/account';
import { AuthenticationError, ForbiddenError, RateLimitedError, UnavailableError } from '../domain/errors';
import { pseudonym } from '../domain/privacy';
import type { RolloutCell } from '../domain/rollout-cell';
import type { AccountRepository } from '../ports/account-repository';
import type { AppContext, AppDirectory } from '../ports/app-directory';
import type { Clock } from '../ports/clock';
import type { SketchKind } from '../ports/device-sketches';
import type { Logger } from '../ports/logger';
import type { Metrics } from '../ports/metrics';
import type { LimitRule, RateLimiter } from '../ports/rate-limiter';
import type { DeviceCounter } from './device-counter';

const REPORT_KEY_PATTERN = /^rpk_[0-9a-f]{64}$/;
/** Bounds the per-IP memos; past it they start over (a memo only saves work, it decides nothing). */
const MAX_REMEMBERED_IPS = 10_000;

export type BeaconOutcome =
  | 'counted'
  | 'missing_device_id'
  | 'invalid_device_id'
  | 'invalid_parameter'
  | 'unknown_app'
  | 'invalid_report_key'
  | 'app_mismatch'
  | 'reports_disabled'
  | 'unavailable';

export interface BeaconSettings {
  rateLimitPerIpPerMinute: number;
  /** How long an (owner, app name) lookup is trusted; REPORTS_KEY_CACHE_TTL_MS. */
  cacheTtlMs: number;
}

export interface BeaconIntakeDeps {
  accounts: AccountRepository;
  directory: AppDirectory;
  limiter: RateLimiter;
  counter: DeviceCounter;
  metrics: Metrics;
  clock: Clock;
  logger: Logger;
  settings: BeaconSettings;
  /** The per-key limit of report ingestion, applied to relays' batches too. */
  rateLimitPerKeyPerMinute: number;
}

export interface BatchResult {
  accepted: number;
  rejected: Array<{ index: number; error: string }>;
}

interface CachedApp {
  app: AppContext | null;
  expiresAt: number;
}

/**
 * The update-check beacon. Every outcome is counted in telltale_beacons_total and the client gets
 * the same 204 (faynoSync's behaviour): a beacon is statistics, never worth a retry. Only the per-IP
 * limit answers otherwise (429), so a flood is refused before it costs a lookup.
 */
export class BeaconIntake {
  private readonly byOwnerAndName = new Map<string, CachedApp>();
  private readonly ipKeys = new Map<string, string>();
  /** IP key → when its refusing window ends (ms). */
  private readonly refusedUntil = new Map<string, number>();

  constructor(private readonly deps: BeaconIntakeDeps) {}

  /**
   * Throws RateLimitedError over TELEMETRY_RATE_LIMIT_PER_IP_PER_MINUTE; the IP is kept as a pseudonym only.
   * A refusal is remembered until the Retry-After it gave (windows are fixed, so the shared counter
   * can't reset much before then): a flooding IP is refused in process, without a limiter call each time.
   */
  async limit(ip: string | undefined): Promise<void> {
    const key = this.ipKey(ip ?? 'unknown');
    const now = this.deps.clock.now().getTime();
    const refusedUntil = this.refusedUntil.get(key);
    if (refusedUntil !== undefined) {
      if (refusedUntil > now) this.refuse('ip', Math.max(1, Math.ceil((refusedUntil - now) / 1000)));
      this.refusedUntil.delete(key);
    }
    const rule: LimitRule = { scope: 'ip', key, limit: this.deps.settings.rateLimitPerIpPerMinute, windowSeconds: 60 };
    const verdict = await this.deps.limiter.consume([rule]);
    if (!verdict.allowed) {
      if (this.refusedUntil.size >= MAX_REMEMBERED_IPS) this.refusedUntil.clear();
      this.refusedUntil.set(key, now + verdict.retryAfterSeconds * 1000);
      this.refuse(verdict.scope, verdict.retryAfterSeconds);
    }
  }

  private refuse(scope: string, retryAfterSeconds: number): never {
    this.deps.metrics.increment('rate_limit_rejections_total', { scope: 'beacon_ip' });
    this.count('rate_limited');
    throw new RateLimitedError(scope, retryAfterSeconds);
  }

  /** The limiter key of an IP: its pseudonym, a SHA-256 per beacon unless remembered. */
  private ipKey(ip: string): string {
    let key = this.ipKeys.get(ip);
    if (key === undefined) {
      key = `beacon:${pseudonym(ip)}`;
      if (this.ipKeys.size >= MAX_REMEMBERED_IPS) this.ipKeys.clear();
      this.ipKeys.set(ip, key);
    }
    return key;
  }

  async beacon(query: unknown, deviceIdHeader: string | undefined, authorization: string | undefined): Promise<BeaconOutcome> {
    const outcome = await this.outcomeOf(query, deviceIdHeader, authorization).catch((error: Error) => {
      this.deps.logger.warn({ err: { message: error.message } }, 'beacon not counted');
      return 'unavailable' as const;
    });
    this.count(outcome);
    return outcome;
  }

  /** POST /telemetry/beacons: a relay's batch, authenticated by the app's report key. */
  async batch(authorization: string | undefined, body: unknown): Promise<BatchResult> {
    const key = bearerToken(authorization);
    const app = key !== null && REPORT_KEY_PATTERN.test(key) ? await this.unavailableOnError(() => this.deps.directory.findByReportKey(key)) : null;
    if (app === null) throw new AuthenticationError('invalid report key', 'invalid_report_key');
    if (!app.reports) throw new ForbiddenError('reports are disabled for this app', 'reports_disabled');
    const verdict = await this.deps.limiter.consume([{ scope: 'key', key: `beacons:${app.appId}`, limit: this.deps.rateLimitPerKeyPerMinute, windowSeconds: 60 }]);
    if (!verdict.allowed) throw new RateLimitedError(verdict.scope, verdict.retryAfterSeconds);
    const beacons = parseBatchBody(body);
    const now = this.deps.clock.now();
    const result: BatchResult = { accepted: 0, rejected: [] };
    for (const [index, raw] of beacons.entries()) {
      const checked = checkBatchBeacon(raw, now);
      if ('error' in checked) {
        result.rejected.push({ index, error: checked.error });
        this.count(checked.outcome);
        continue;
      }
      const { beacon, at } = checked;
      await this.unavailableOnError(() =>
        this.deps.counter.count(app.appId, cellOf(beacon), beacon.device_id, kindsOf(beacon.from_version, beacon.first_run === true), at),
      );
      result.accepted++;
    }
    this.deps.metrics.increment('beacons_total', { outcome: 'counted' }, result.accepted);
    return result;
  }

  private async outcomeOf(query: unknown, deviceIdHeader: string | undefined, authorization: string | undefined): Promise<BeaconOutcome> {
    const device = deviceIdFromHeader(deviceIdHeader);
    if (!device.ok) return device.code;
    if (beaconQueryError(query) !== null) return 'invalid_parameter';
    const q = query as BeaconQuery;
    const resolved = await this.resolveApp(q, authorization);
    if (typeof resolved === 'string') return resolved;
    if (!resolved.reports) return 'reports_disabled';
    const firstRun = q.first_run === '1' || q.first_run === 'true';
    await this.deps.counter.count(resolved.appId, cellOf(q), device.id, kindsOf(q.from_version, firstRun), this.deps.clock.now());
    return 'counted';
  }

  private async resolveApp(q: BeaconQuery, authorization: string | undefined): Promise<AppContext | BeaconOutcome> {
    if (authorization !== undefined) {
      const key = bearerToken(authorization);
      if (key === null || !REPORT_KEY_PATTERN.test(key)) return 'invalid_report_key';
      const app = await this.deps.directory.findByReportKey(key);
      if (app === null) return 'invalid_report_key';
      if (q.app_name !== undefined && q.app_name !== app.name) return 'app_mismatch';
      if (q.owner !== undefined && (await this.byOwner(q.owner, app.name))?.appId !== app.appId) return 'app_mismatch';
      return app;
    }
    if (q.owner === undefined || q.app_name === undefined) return 'unknown_app';
    return (await this.byOwner(q.owner, q.app_name)) ?? 'unknown_app';
  }

  /** owner is the owning admin's username, as in faynoSync; cached like report keys, unknown pairs too. */
  private async byOwner(owner: string, name: string): Promise<AppContext | null> {
    const id = `${usernameKey(owner)}\u0000${name}`;
    const now = this.deps.clock.now().getTime();
    const hit = this.byOwnerAndName.get(id);
    if (hit && hit.expiresAt > now) return hit.app;
    const account = await this.deps.accounts.findByUsername(owner);
    let app: AppContext | null = null;
    if (account !== null && account.role === 'admin') {
      const found = (await this.deps.directory.listApps(account.id)).find((a) => a.name === name);
      if (found) app = { appId: found.id, owner: found.owner, name: found.name, reports: found.reports };
    }
    if (this.deps.settings.cacheTtlMs > 0) {
      if (this.byOwnerAndName.size >= 10_000) this.byOwnerAndName.clear();
      this.byOwnerAndName.set(id, { app, expiresAt: now + this.deps.settings.cacheTtlMs });
    }
    return app;
  }

  private count(outcome: BeaconOutcome | 'rate_limited'): void {
    this.deps.metrics.increment('beacons_total', { outcome });
  }

  private async unavailableOnError<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw new UnavailableError('device sketches unavailable', 5, error);
    }
  }
}

const cellOf = (b: { version: string; channel: string; platform: string; arch: string }): RolloutCell => ({
  version: b.version,
  channel: b.channel,
  platform: b.platform,
  arch: b.arch,
});

function kindsOf(fromVersion: string | undefined | null, firstRun: boolean): SketchKind[] {
  const kinds: SketchKind[] = ['active'];
  if (fromVersion) kinds.push('arrivals');
  if (firstRun) kinds.push('first_runs');
  return kinds;
}
