import type { Principal } from '../domain/access';
import {
  clientMessage,
  compileLogBatchParser,
  enrich,
  enrichContext,
  requireDeviceId,
  type ClientLogLevel,
  type LogBatchParser,
  type LogCaller,
} from '../domain/log-entry';
import { compileScrubber, type Scrubber } from '../domain/privacy';
import type { AppIntegrity } from '../ports/app-integrity';
import type { Clock } from '../ports/clock';
import type { ClientLogSink } from '../ports/logger';
import type { Metrics } from '../ports/metrics';
import type { TokenVerifier } from '../ports/token-verifier';
import { bearerToken } from '../domain/bearer-token';

export interface LogsSettings {
  enabled: boolean;
  maxRequestsPerMinute: number;
  /** Anonymous batches from one address, whatever the device ids (beyond the seed). */
  maxRequestsPerIpPerMinute: number;
  maxBatch: number;
  maxMessageLength: number;
  maxStackLength: number;
  maxBodyBytes: number;
  appIntegrityEnabled: boolean;
  source: string;
  /** 'stdout', 'stderr' or a file path. */
  destination: string;
  scrubKeys: string[];
  /** Accepted `device.platform` values (LOGS_PLATFORMS). */
  platforms?: string[];
}

export interface LogsIntakeDeps {
  tokenVerifier: TokenVerifier;
  appIntegrity: AppIntegrity;
  sink: ClientLogSink;
  metrics: Metrics;
  clock: Clock;
  settings: LogsSettings;
}

export interface LogsRequest {
  authorization: string | undefined;
  deviceId: string | undefined;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  ip: string | undefined;
}

export interface IdentifiedCaller extends LogCaller {
  user: Principal | null;
}

export class LogsIntake {
  private readonly parse: LogBatchParser;
  private readonly scrub: Scrubber;

  constructor(private readonly deps: LogsIntakeDeps) {
    this.parse = compileLogBatchParser(deps.settings);
    this.scrub = compileScrubber(deps.settings.scrubKeys);
  }

  /** The guard: a valid JWT first; without one, a UUID v4 device id, checked for app integrity when enabled. */
  async identify(request: LogsRequest): Promise<IdentifiedCaller> {
    const token = bearerToken(request.authorization);
    // A verifier failure (say, the account store is down) is treated like a bad token, as in the seed.
    const user = token === null ? null : await this.deps.tokenVerifier.verify(token).catch(() => null);
    if (user !== null) return { authMode: 'authenticated', user, userId: user.id, deviceId: null };
    const deviceId = requireDeviceId(request.deviceId, token !== null);
    if (this.deps.settings.appIntegrityEnabled) {
      await this.deps.appIntegrity.validate({ headers: request.headers, ip: request.ip, deviceId });
    }
    return { authMode: 'unauthenticated', user: null, userId: null, deviceId };
  }

  /** Validates, scrubs, enriches and writes the batch; returns how many entries were accepted. */
  accept(caller: LogCaller, body: unknown, requestTraceId: string): number {
    const batch = this.parse(body);
    const ctx = enrichContext(batch, {
      caller: { authMode: caller.authMode, userId: caller.userId, deviceId: caller.deviceId },
      source: this.deps.settings.source,
      requestTraceId,
      serverTimestamp: this.deps.clock.now().getTime(),
      scrub: this.scrub,
    });
    const perLevel = new Map<ClientLogLevel, number>();
    for (const entry of batch.logs) {
      this.deps.sink.write(entry.level, enrich(entry, ctx), clientMessage(entry, this.scrub));
      perLevel.set(entry.level, (perLevel.get(entry.level) ?? 0) + 1);
    }
    for (const [level, count] of perLevel) this.deps.metrics.increment('client_log_entries_total', { level }, count);
    return batch.logs.length;
  }
}
