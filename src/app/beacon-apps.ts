import { usernameKey } from '../domain/account';
import type { BeaconQuery } from '../domain/beacon';
import { bearerToken } from '../domain/bearer-token';
import type { AccountRepository } from '../ports/account-repository';
import type { AppContext, AppDirectory } from '../ports/app-directory';
import type { UnmatchedReason } from '../ports/beacon-refusals';
import type { Clock } from '../ports/clock';

const REPORT_KEY_PATTERN = /^rpk_[0-9a-f]{64}$/;
/** Bounds each cache; past it one starts over (a cache saves lookups, it decides nothing). */
const MAX_CACHED = 10_000;
/** How long an answer may still put a refused beacon in its app: long enough to cover a limit window. */
const ATTRIBUTION_TTL_MS = 10 * 60_000;
/** Lookups a second that refused beacons may cause when their app was not seen lately; the rest go unattributed. */
const ATTRIBUTION_LOOKUPS_PER_SECOND = 50;

export type BeaconApp = AppContext | UnmatchedReason | 'invalid_report_key';

interface Cached<T> {
  value: T;
  expiresAt: number;
}

/**
 * Which app a beacon names, by report key or by (owner, app name). Answers are cached for
 * REPORTS_KEY_CACHE_TTL_MS for counting, unknown names too, and kept ten minutes longer for
 * attributing refused beacons: those must stay cheap in a flood, so a refused beacon never causes
 * more than ATTRIBUTION_LOOKUPS_PER_SECOND lookups a second in all.
 */
export class BeaconApps {
  private readonly byOwnerAndName = new Map<string, Cached<AppContext | null>>();
  private readonly recent = new Map<string, Cached<AppContext | null>>();
  private budget = { second: 0, left: ATTRIBUTION_LOOKUPS_PER_SECOND };

  constructor(private readonly deps: { accounts: AccountRepository; directory: AppDirectory; clock: Clock; cacheTtlMs: number }) {}

  /** The app a well-formed beacon counts for, or why none: reports_disabled is the caller's to check. */
  async resolve(q: BeaconQuery, authorization: string | undefined): Promise<BeaconApp> {
    const found = await this.lookup(q, authorization);
    this.remember(recentId(q, authorization), typeof found === 'string' ? null : found);
    return found;
  }

  /** The app to count a refused beacon for, from recent answers or (while the budget lasts) a lookup; null when none. */
  attribute(q: BeaconQuery, authorization: string | undefined): AppContext | null | Promise<AppContext | null> {
    const hit = this.recent.get(recentId(q, authorization));
    const now = this.deps.clock.now().getTime();
    if (hit && hit.expiresAt > now) return hit.value;
    const second = Math.floor(now / 1000);
    if (this.budget.second !== second) this.budget = { second, left: ATTRIBUTION_LOOKUPS_PER_SECOND };
    if (this.budget.left <= 0) return null;
    this.budget.left--;
    return this.resolve(q, authorization).then((found) => (typeof found === 'string' ? null : found));
  }

  private async lookup(q: BeaconQuery, authorization: string | undefined): Promise<BeaconApp> {
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
    if (hit && hit.expiresAt > now) return hit.value;
    const account = await this.deps.accounts.findByUsername(owner);
    let app: AppContext | null = null;
    if (account !== null && account.role === 'admin') {
      const found = (await this.deps.directory.listApps(account.id)).find((a) => a.name === name);
      if (found) app = { appId: found.id, owner: found.owner, name: found.name, reports: found.reports };
    }
    if (this.deps.cacheTtlMs > 0) {
      if (this.byOwnerAndName.size >= MAX_CACHED) this.byOwnerAndName.clear();
      this.byOwnerAndName.set(id, { value: app, expiresAt: now + this.deps.cacheTtlMs });
    }
    return app;
  }

  /** Refreshed when half its time is gone (or the answer changed), not on every beacon. */
  private remember(id: string, app: AppContext | null): void {
    const now = this.deps.clock.now().getTime();
    const hit = this.recent.get(id);
    if (hit && hit.value === app && hit.expiresAt - now > ATTRIBUTION_TTL_MS / 2) return;
    if (this.recent.size >= MAX_CACHED) this.recent.clear();
    this.recent.set(id, { value: app, expiresAt: now + ATTRIBUTION_TTL_MS });
  }
}

const recentId = (q: BeaconQuery, authorization: string | undefined) =>
  authorization !== undefined ? `key\u0000${authorization}\u0000${q.owner ?? ''}\u0000${q.app_name ?? ''}` : `name\u0000${q.owner}\u0000${q.app_name}`;
