import { beaconQueryError, checkBatchBeacon, parseBatchBody, type BeaconQuery } from '../domain/beacon';
import { bearerToken } from '../domain/bearer-token';
import { deviceIdFromHeader } from '../domain/device-id';
import { AuthenticationError, ForbiddenError, RateLimitedError, UnavailableError } from '../domain/errors';
import { addressKey } from '../domain/ip-ranges';
import { pseudonym } from '../domain/privacy';
import { RELAY_TOKEN_PREFIX } from '../domain/relay-token';
import { bucketStart, type RolloutCell } from '../domain/rollout-cell';
import type { AccountRepository } from '../ports/account-repository';
import type { AppContext, AppDirectory } from '../ports/app-directory';
import type { UnmatchedReason } from '../ports/beacon-refusals';
import type { Clock } from '../ports/clock';
import type { SketchKind } from '../ports/device-sketches';
import type { Logger } from '../ports/logger';
import type { Metrics } from '../ports/metrics';
import type { LimitRule, RateLimiter } from '../ports/rate-limiter';
import { BeaconApps } from './beacon-apps';
import type { CellCap } from './cell-cap';
import type { CountOutcome, DeviceCounter } from './device-counter';
import type { RefusalTally } from './refusal-tally';
import type { RelayTokens } from './relay-tokens';

const REPORT_KEY_PATTERN = /^rpk_[0-9a-f]{64}$/;
const HOW_TO_GET_A_RELAY_TOKEN = 'an admin creates one per app with POST /apps/{id}/relay-tokens, the dashboard (app settings) or `telltale relays create --app <app_id> --name <label>`';
/** Bounds the per-IP memos; past it they start over (a memo only saves work, it decides nothing). */
const MAX_REMEMBERED_IPS = 10_000;

/** What became of a beacon; the public metric folds the app-dependent ones into `accepted` (see publicOutcome). */
export type BeaconOutcome =
  | CountOutcome
  | UnmatchedReason
  | 'missing_device_id'
  | 'invalid_device_id'
  | 'invalid_parameter'
  | 'invalid_report_key'
  | 'unavailable';

export interface BeaconSettings {
  /** TELEMETRY_RATE_LIMIT_PER_IP beacons per TELEMETRY_RATE_LIMIT_WINDOW_S from one address (an IPv6 /64). */
  rateLimitPerIp: number;
  rateLimitWindowSeconds: number;
  /** How long an (owner, app name) lookup is trusted; REPORTS_KEY_CACHE_TTL_MS. */
  cacheTtlMs: number;
}

export interface BeaconIntakeDeps {
  accounts: AccountRepository;
  directory: AppDirectory;
  limiter: RateLimiter;
  counter: DeviceCounter;
  cap: CellCap;
  refusals: RefusalTally;
  metrics: Metrics;
  clock: Clock;
  logger: Logger;
  settings: BeaconSettings;
  /** Who may send batches (POST /telemetry/beacons). */
  relayTokens: Pick<RelayTokens, 'appOf'>;
  /** The per-key limit of report ingestion, applied to relays' batches too (per app). */
  rateLimitPerKeyPerMinute: number;
}

export interface BatchResult {
  accepted: number;
  rejected: Array<{ index: number; error: string }>;
}

const BATCH_REFUSALS: Record<Exclude<CountOutcome, 'counted'>, string> = {
  cell_cap: 'not counted: the app has ROLLOUT_MAX_CELLS_PER_APP_PER_DAY cells that day already',
  pending_cap: 'not counted: pending sketches are full (ROLLOUT_MAX_PENDING_BYTES); send it again later',
};

/**
 * The update-check beacon. Every outcome is counted in telltale_beacons_total and the client gets
 * the same 204 (faynoSync's behaviour): a beacon is statistics, never worth a retry. Only the per-IP
 * limit answers otherwise (429), so a flood is refused before it costs a lookup; a refused beacon
 * is still put in its app and cell when that is cheap, so the rates show what was refused.
 */
export class BeaconIntake {
  private readonly apps: BeaconApps;
  private readonly ipKeys = new Map<string, string>();
  /** IP key → when its refusing window ends (ms). */
  private readonly refusedUntil = new Map<string, number>();

  constructor(private readonly deps: BeaconIntakeDeps) {
    this.apps = new BeaconApps({ accounts: deps.accounts, directory: deps.directory, clock: deps.clock, cacheTtlMs: deps.settings.cacheTtlMs });
  }

  /** Throws RateLimitedError over the per-address limit, after counting the refusal against the beacon's app and cell. */
  async beacon(ip: string | undefined, query: unknown, deviceIdHeader: string | undefined, authorization: string | undefined): Promise<BeaconOutcome> {
    const refusal = await this.limit(ip);
    if (refusal !== null) {
      await this.countRefusal(query, authorization).catch(() => this.deps.refusals.refused(null, null, this.deps.clock.now(), 'ip_limit'));
      throw refusal;
    }
    const outcome = await this.outcomeOf(query, deviceIdHeader, authorization).catch((error: Error) => {
      this.deps.logger.warn({ err: { message: error.message } }, 'beacon not counted');
      return 'unavailable' as const;
    });
    this.count(outcome);
    return outcome;
  }

  /**
   * The app a relay's batch is for, from its relay token, before the body is read: a bad token
   * costs no body, and at most one lookup by id (see RelayTokens.appOf). The public report key is
   * refused by name, so a relay set up before relay tokens is told what changed.
   */
  async relayApp(authorization: string | undefined): Promise<AppContext> {
    const token = bearerToken(authorization);
    if (token === null || !token.startsWith(RELAY_TOKEN_PREFIX)) {
      const what = token !== null && REPORT_KEY_PATTERN.test(token) ? 'the report key is not accepted here: a relay token is required' : 'a relay token is required';
      throw new AuthenticationError(`${what} (Authorization: Bearer rlt_…); ${HOW_TO_GET_A_RELAY_TOKEN}`, 'relay_token_required');
    }
    // A store that is down answers 503 from its adapter (UnavailableError), like every lookup here.
    const appId = await this.deps.relayTokens.appOf(token);
    const app = appId === null ? null : await this.deps.directory.getApp(appId);
    if (app === null) throw new AuthenticationError(`unknown or revoked relay token; ${HOW_TO_GET_A_RELAY_TOKEN}`, 'invalid_relay_token');
    if (!app.reports) throw new ForbiddenError('reports are disabled for this app', 'reports_disabled');
    const verdict = await this.deps.limiter.consume([{ scope: 'key', key: `beacons:${app.id}`, limit: this.deps.rateLimitPerKeyPerMinute, windowSeconds: 60 }]);
    if (!verdict.allowed) throw new RateLimitedError(verdict.scope, verdict.retryAfterSeconds);
    return { appId: app.id, owner: app.owner, name: app.name, reports: app.reports };
  }

  /** POST /telemetry/beacons: a relay's batch for the app relayApp found. */
  async batch(app: AppContext, body: unknown): Promise<BatchResult> {
    const beacons = parseBatchBody(body);
    const now = this.deps.clock.now();
    const result: BatchResult = { accepted: 0, rejected: [] };
    let invalid = 0;
    for (const [index, raw] of beacons.entries()) {
      const checked = checkBatchBeacon(raw, now);
      if ('error' in checked) {
        result.rejected.push({ index, error: checked.error });
        this.count(checked.outcome);
        invalid++;
        continue;
      }
      const { beacon, at } = checked;
      const outcome = await this.unavailableOnError(() =>
        this.deps.counter.count(app.appId, cellOf(beacon), beacon.device_id, kindsOf(beacon.from_version, beacon.first_run === true), at),
      );
      if (outcome === 'counted') result.accepted++;
      else result.rejected.push({ index, error: BATCH_REFUSALS[outcome] });
    }
    // Refused over a bound or not, a well-formed beacon is `accepted` on /metrics (see publicOutcome).
    this.deps.metrics.increment('beacons_total', { outcome: 'accepted' }, beacons.length - invalid);
    return result;
  }

  /**
   * The per-address limit, null when allowed. A refusal is remembered until the Retry-After it gave
   * (windows are fixed, so the shared counter can't reset much before then): a flooding address is
   * refused in process, without a limiter call each time.
   */
  private async limit(ip: string | undefined): Promise<RateLimitedError | null> {
    const key = this.ipKey(ip ?? 'unknown');
    const now = this.deps.clock.now().getTime();
    const refusedUntil = this.refusedUntil.get(key);
    if (refusedUntil !== undefined) {
      if (refusedUntil > now) return this.refuse('ip', Math.max(1, Math.ceil((refusedUntil - now) / 1000)));
      this.refusedUntil.delete(key);
    }
    const { rateLimitPerIp, rateLimitWindowSeconds } = this.deps.settings;
    const rule: LimitRule = { scope: 'ip', key, limit: rateLimitPerIp, windowSeconds: rateLimitWindowSeconds };
    const verdict = await this.deps.limiter.consume([rule]);
    if (verdict.allowed) return null;
    if (this.refusedUntil.size >= MAX_REMEMBERED_IPS) this.refusedUntil.clear();
    this.refusedUntil.set(key, now + verdict.retryAfterSeconds * 1000);
    return this.refuse(verdict.scope, verdict.retryAfterSeconds);
  }

  private refuse(scope: string, retryAfterSeconds: number): RateLimitedError {
    this.deps.metrics.increment('rate_limit_rejections_total', { scope: 'beacon_ip' });
    this.deps.metrics.increment('beacons_total', { outcome: 'rate_limited' });
    return new RateLimitedError(scope, retryAfterSeconds);
  }

  /** In its cell when this instance already counts that cell today, else in its app only; nowhere when the app is unknown. */
  private async countRefusal(query: unknown, authorization: string | undefined): Promise<void> {
    const now = this.deps.clock.now();
    const q = beaconQueryError(query) === null ? (query as BeaconQuery) : null;
    const found = q && this.apps.attribute(q, authorization);
    const app = found instanceof Promise ? await found : found;
    if (q === null || app === null) return this.deps.refusals.refused(null, null, now, 'ip_limit');
    const cell = cellOf(q);
    this.deps.refusals.refused(app.appId, this.deps.cap.knows(app.appId, cell, bucketStart(now, 'day')) ? cell : null, now, 'ip_limit');
  }

  /** The limiter key of an address (an IPv6 /64): its pseudonym, a SHA-256 per beacon unless remembered. */
  private ipKey(ip: string): string {
    let key = this.ipKeys.get(ip);
    if (key === undefined) {
      key = `beacon:${pseudonym(addressKey(ip))}`;
      if (this.ipKeys.size >= MAX_REMEMBERED_IPS) this.ipKeys.clear();
      this.ipKeys.set(ip, key);
    }
    return key;
  }

  private async outcomeOf(query: unknown, deviceIdHeader: string | undefined, authorization: string | undefined): Promise<BeaconOutcome> {
    const device = deviceIdFromHeader(deviceIdHeader);
    if (!device.ok) return device.code;
    if (beaconQueryError(query) !== null) return 'invalid_parameter';
    const q = query as BeaconQuery;
    const resolved = await this.apps.resolve(q, authorization);
    const unmatched = typeof resolved === 'string' ? resolved : resolved.reports ? null : 'reports_disabled';
    if (unmatched === 'invalid_report_key') return unmatched;
    if (unmatched !== null) {
      this.deps.refusals.unmatched(q.owner ?? '', q.app_name ?? '', unmatched, this.deps.clock.now());
      return unmatched;
    }
    const firstRun = q.first_run === '1' || q.first_run === 'true';
    return this.deps.counter.count((resolved as { appId: string }).appId, cellOf(q), device.id, kindsOf(q.from_version, firstRun), this.deps.clock.now());
  }

  private count(outcome: BeaconOutcome): void {
    this.deps.metrics.increment('beacons_total', { outcome: publicOutcome(outcome) });
  }

  private async unavailableOnError<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw new UnavailableError('device sketches unavailable', 5, error);
    }
  }
}

/**
 * The outcome /metrics may show. Whether a well-formed beacon's owner and app name exist, count,
 * or match its key must not be told apart there (anyone could probe names), so all of those are
 * `accepted`; the detail is in `telltale beacons unknown` and in /rollouts/rates.
 */
export function publicOutcome(outcome: BeaconOutcome): string {
  switch (outcome) {
    case 'counted':
    case 'cell_cap':
    case 'pending_cap':
    case 'unknown_app':
    case 'reports_disabled':
    case 'app_mismatch':
      return 'accepted';
    default:
      return outcome;
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
