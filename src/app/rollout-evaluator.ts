import { bucketStart, utcDay } from '../domain/rollout-cell';
import { rowsByCells, skipToNow, startEvidence, updateEvidence, type DayCellCounts, type ReleaseEvidence } from '../domain/rollout-release-evidence';
import { chooseAppBaseline, roleOf, supersededBy, type VersionActivity } from '../domain/rollout-roles';
import { gridsOf, rolloutSettings, type RolloutSettings } from '../domain/rollout-settings';
import type { EvidenceGrids } from '../domain/rollout-evidence';
import { judgeRelease, type Judgement, type Verdict, type VerdictState } from '../domain/rollout-verdict';
import { compareVersions } from '../domain/version-order';
import type { Clock } from '../ports/clock';
import type { AppRolloutSettings, HistoryEntry, ReleaseState, VerdictStore } from '../ports/verdict-store';
import type { OutboxEvent } from '../ports/webhook-store';
import { cooperative } from './cooperative';
import type { DailyCounts } from './rollout-counts';

const DAY = 86_400_000;
/** Cells whose new device-days are taken into a release's evidence per event-loop turn. */
const EVIDENCE_CELLS_PER_TURN = 50;

export interface EvaluatorSettings {
  /** Service-wide defaults under every app's own settings. */
  defaults: Partial<RolloutSettings>;
  /** How many days back the evidence of a release first evaluated may start (within the daily sketches' retention). */
  bootstrapDays: number;
}

/** The webhook bodies of the two rollout events; views.ts provides them (one mapping each, versioned). */
export interface RolloutPayloads {
  verdictChanged(release: ReleaseState, from: Verdict | null): Record<string, unknown>;
  crashRateLimitShared(release: ReleaseState): Record<string, unknown>;
}

export interface RolloutEvaluatorDeps {
  counts: DailyCounts;
  store: VerdictStore;
  apps: { listAppIds(): Promise<string[]> };
  clock: Clock;
  newId: () => string;
  settings: EvaluatorSettings;
  payloads: RolloutPayloads;
  /** Lets other work run between releases (the event loop must never wait long behind an evaluation). */
  pause?: () => Promise<void>;
}

/** One evaluation of one app: what it read, once, for every release. */
interface AppRound {
  appId: string;
  now: number;
  rows: DayCellCounts[];
  stored: Map<string, ReleaseState>;
  activity: VersionActivity[];
  baseline: string | null;
  settings: RolloutSettings;
  grids: EvidenceGrids;
}

export function settingsOf(defaults: Partial<RolloutSettings>, app: AppRolloutSettings): RolloutSettings {
  const { baseline: _baseline, ...own } = app;
  const { baseline: _default, ...base } = defaults as Partial<RolloutSettings> & { baseline?: unknown };
  return rolloutSettings({ ...base, ...own });
}

/**
 * updateEvidence a part of the cells per event-loop turn (rowsByCells): the same evidence as one
 * update, without keeping requests waiting behind a release in many cells. Days close with the last part.
 */
async function addCounts(evidence: ReleaseEvidence, release: string, rows: readonly DayCellCounts[], grids: EvidenceGrids, at: { now: number; closeBefore: string }): Promise<ReleaseEvidence> {
  const parts = rowsByCells(rows, EVIDENCE_CELLS_PER_TURN);
  const pause = cooperative();
  let out = evidence;
  for (const [i, part] of parts.entries()) {
    out = updateEvidence(out, release, part, grids, { now: at.now, closeBefore: i === parts.length - 1 ? at.closeBefore : out.openFrom });
    await pause();
  }
  return out;
}

const heldHalt = (r: ReleaseState | null): boolean => r?.verdict === 'halt' && !(r.resumedAt !== null && r.haltedAt !== null && r.resumedAt >= r.haltedAt);

/**
 * Judges every release that is rolling out against its app's baseline, from the daily sketches'
 * device-day counts, and remembers each one's evidence so the next evaluation only adds the
 * device-days new since. Baseline and older versions get their role and no verdict. A change of
 * verdict is one history line and one outbox event, saved with the state.
 */
export class RolloutEvaluator {
  /** One evaluation of an app at a time in this process: a second caller waits for the first, then runs. */
  private readonly running = new Map<string, Promise<unknown>>();

  constructor(private readonly deps: RolloutEvaluatorDeps) {}

  private exclusive<T>(appId: string, run: () => Promise<T>): Promise<T> {
    const before = this.running.get(appId) ?? Promise.resolve();
    const mine = before.catch(() => undefined).then(run);
    const settled = mine.catch(() => undefined);
    this.running.set(appId, settled);
    void settled.then(() => {
      if (this.running.get(appId) === settled) this.running.delete(appId);
    });
    return mine;
  }

  /** Every app; returns how many releases were judged. Stops between apps when the signal aborts. */
  async evaluateAll(signal?: AbortSignal): Promise<number> {
    let n = 0;
    for (const appId of await this.deps.apps.listAppIds()) {
      if (signal?.aborted) break;
      n += (await this.evaluateApp(appId, signal)).filter((r) => r.role === 'rollout').length;
    }
    return n;
  }

  /** Every version of the app with traffic over the last two days, or evaluated before; sorted by version. */
  async evaluateApp(appId: string, signal?: AbortSignal): Promise<ReleaseState[]> {
    return this.exclusive(appId, () => this.evaluateAppNow(appId, signal));
  }

  private async evaluateAppNow(appId: string, signal?: AbortSignal): Promise<ReleaseState[]> {
    const round = await this.round(appId);
    const versions = new Set([...round.activity.map((a) => a.version), ...round.stored.keys()]);
    const out: ReleaseState[] = [];
    const pause = this.deps.pause ?? cooperative();
    for (const version of [...versions].sort(compareVersions)) {
      if (signal?.aborted) break;
      out.push(await this.evaluateIn(round, version));
      await pause();
    }
    return out;
  }

  /** Evaluates the app now and returns this version's state; null when the version has no data and no state. */
  async evaluateRelease(appId: string, version: string): Promise<ReleaseState | null> {
    return this.exclusive(appId, async () => {
      const round = await this.round(appId);
      if (!round.stored.has(version) && !round.activity.some((a) => a.version === version)) return null;
      return this.evaluateIn(round, version);
    });
  }

  /** The stored state; evaluated on the spot (and saved) when never evaluated yet. */
  async state(appId: string, version: string): Promise<ReleaseState | null> {
    return (await this.deps.store.findRelease(appId, version)) ?? this.evaluateRelease(appId, version);
  }

  /**
   * The release judged against another baseline, from the daily counts since its first day (one
   * interval per day): a single look, not saved, so it may be asked at any time without spending
   * the stored test's error budget.
   */
  async whatIf(appId: string, version: string, baseline: string): Promise<ReleaseState> {
    const round = await this.round(appId);
    const { settings, grids } = round;
    const from = round.now - this.deps.settings.bootstrapDays * DAY;
    const history = await this.historyRows(appId, version, baseline, from, round.now + 1);
    const firstDay = history.filter((r) => r.version === version && r.counts.active > 0).map((r) => r.day).sort()[0] ?? utcDay(new Date(round.now));
    const evidence = await addCounts(startEvidence(baseline, Date.parse(firstDay), firstDay, grids), version, history, grids, { now: round.now, closeBefore: utcDay(new Date(round.now)) });
    const judgement = judgeRelease(evidence, null, { now: round.now, resumedAt: null }, settings);
    const stored = round.stored.get(version) ?? null;
    return { ...this.base(round, version, stored), role: 'rollout', baselineVersion: baseline, ...this.judged(judgement), evidence, judgement: { metrics: judgement.metrics, limits: judgement.limits } };
  }

  /** Records who resumed a halted release and why, then evaluates it again: its evidence restarts now. */
  async resume(appId: string, version: string, by: string, note: string): Promise<ReleaseState | null> {
    const resumed = await this.deps.store.resume({ appId, version, by, note, at: this.deps.clock.now() });
    if (!resumed) return null;
    return this.evaluateRelease(appId, version);
  }

  /** Releases a person would call current: rolling out (or on a held halt), not superseded, with traffic. */
  async current(appId: string): Promise<ReleaseState[]> {
    const releases = await this.deps.store.listReleases(appId);
    return releases.filter((r) => (r.role === 'rollout' || heldHalt(r)) && r.supersededBy === null && r.activeDeviceDays > 0).sort((a, b) => compareVersions(a.version, b.version));
  }

  private async round(appId: string): Promise<AppRound> {
    const now = this.deps.clock.now().getTime();
    const yesterday = bucketStart(new Date(now - DAY), 'day');
    const rows = await this.deps.counts.dailyCounts(appId, yesterday, new Date(now + 1));
    const stored = new Map((await this.deps.store.listReleases(appId)).map((r) => [r.version, r]));
    const own = await this.deps.store.getSettings(appId);
    const settings = settingsOf(this.deps.settings.defaults, own);
    const active = new Map<string, number>();
    for (const r of rows) active.set(r.version, (active.get(r.version) ?? 0) + r.counts.active);
    const activity = [...active].map(([version, activeDeviceDays]) => ({ version, activeDeviceDays, halted: heldHalt(stored.get(version) ?? null) }));
    const named = own.baseline ?? (this.deps.settings.defaults as { baseline?: string | null }).baseline ?? null;
    const current = [...stored.values()].find((r) => r.role === 'baseline')?.version ?? null;
    return { appId, now, rows, stored, activity, baseline: chooseAppBaseline(activity, named, current), settings, grids: gridsOf(settings) };
  }

  private base(round: AppRound, version: string, stored: ReleaseState | null): ReleaseState {
    return {
      appId: round.appId,
      version,
      role: roleOf(version, round.baseline),
      verdict: null,
      reasons: [],
      baselineVersion: round.baseline,
      consecutiveHealthy: 0,
      haltedAt: null,
      supersededBy: supersededBy(version, round.activity, round.settings.minDevices),
      activeDeviceDays: round.activity.find((a) => a.version === version)?.activeDeviceDays ?? 0,
      evidence: null,
      judgement: null,
      dataThrough: new Date(round.now),
      evaluatedAt: new Date(round.now),
      resumedAt: stored?.resumedAt ?? null,
      resumedBy: stored?.resumedBy ?? null,
      resumeNote: stored?.resumeNote ?? null,
    };
  }

  private judged(j: Judgement): Pick<ReleaseState, 'verdict' | 'reasons' | 'consecutiveHealthy' | 'haltedAt'> {
    return { verdict: j.verdict, reasons: j.reasons, consecutiveHealthy: j.consecutiveHealthy, haltedAt: j.haltedAt === null ? null : new Date(j.haltedAt) };
  }

  private async evaluateIn(round: AppRound, version: string): Promise<ReleaseState> {
    const stored = round.stored.get(version) ?? null;
    const base = this.base(round, version, stored);
    // A version without traffic for two days, already saved as such: nothing new to take in or say.
    if (stored && stored.activeDeviceDays === 0 && base.activeDeviceDays === 0 && stored.role === base.role && stored.baselineVersion === base.baselineVersion) return stored;
    const next = base.role === 'rollout' && round.baseline !== null ? await this.judge(round, base, stored) : this.unjudged(base, stored);
    await this.save(round, stored, next);
    round.stored.set(version, next);
    return next;
  }

  /** Baseline and previous versions: no verdict, except a halt nobody resumed, which stays. */
  private unjudged(base: ReleaseState, stored: ReleaseState | null): ReleaseState {
    if (!heldHalt(stored)) return base;
    return { ...base, verdict: 'halt', reasons: stored!.reasons, haltedAt: stored!.haltedAt, evidence: stored!.evidence, judgement: stored!.judgement };
  }

  private async judge(round: AppRound, base: ReleaseState, stored: ReleaseState | null): Promise<ReleaseState> {
    const grids = round.grids;
    const evidence = await addCounts(await this.evidenceFor(round, base, stored), base.version, round.rows, grids, { now: round.now, closeBefore: utcDay(new Date(round.now - DAY)) });
    const previous: VerdictState | null =
      stored?.verdict != null ? { verdict: stored.verdict, reasons: stored.reasons, consecutiveHealthy: stored.consecutiveHealthy, haltedAt: stored.haltedAt?.getTime() ?? null } : null;
    const judgement = judgeRelease(evidence, previous, { now: round.now, resumedAt: stored?.resumedAt?.getTime() ?? null }, round.settings);
    return { ...base, ...this.judged(judgement), evidence, judgement: { metrics: judgement.metrics, limits: judgement.limits } };
  }

  /**
   * The evidence to add today's counts to: the stored one, unless it is against another baseline or
   * predates a resume. After a resume it starts from the devices seen from now on; otherwise from the
   * release's first day (at most bootstrapDays back), each past day one interval.
   */
  private async evidenceFor(round: AppRound, base: ReleaseState, stored: ReleaseState | null): Promise<ReleaseEvidence> {
    const baseline = round.baseline!;
    const resumedAt = stored?.resumedAt?.getTime() ?? null;
    const kept = stored?.evidence;
    if (kept && kept.baseline === baseline && (resumedAt === null || kept.since >= resumedAt)) return kept;
    const grids = round.grids;
    const today = utcDay(new Date(round.now));
    if (resumedAt !== null) return skipToNow(startEvidence(baseline, round.now, today, grids), base.version, round.rows, round.now);
    const yesterday = bucketStart(new Date(round.now - DAY), 'day').getTime();
    const from = bucketStart(new Date(round.now - this.deps.settings.bootstrapDays * DAY), 'day').getTime();
    const past = from < yesterday ? await this.historyRows(round.appId, base.version, baseline, from, yesterday) : [];
    const firstDay = [...past, ...round.rows].filter((r) => r.version === base.version && r.counts.active > 0).map((r) => r.day).sort()[0] ?? today;
    const started = startEvidence(baseline, Date.parse(firstDay), firstDay, grids);
    return past.length > 0 ? addCounts(started, base.version, past, grids, { now: yesterday, closeBefore: utcDay(new Date(yesterday)) }) : started;
  }

  private async historyRows(appId: string, version: string, baseline: string, from: number, to: number): Promise<DayCellCounts[]> {
    const [mine, theirs] = [await this.deps.counts.dailyCounts(appId, new Date(from), new Date(to), { version }), await this.deps.counts.dailyCounts(appId, new Date(from), new Date(to), { version: baseline })];
    return [...mine, ...theirs];
  }

  private async save(round: AppRound, stored: ReleaseState | null, next: ReleaseState): Promise<void> {
    const history: HistoryEntry[] = [];
    const events: OutboxEvent[] = [];
    const at = new Date(round.now);
    const line = (kind: HistoryEntry['kind'], from: string | null, to: string | null): HistoryEntry => ({ appId: round.appId, version: next.version, at, kind, from, to, reasons: next.reasons, by: null, note: null });
    if (stored !== null && stored.role !== next.role) history.push(line('role', stored.role, next.role));
    const from = stored?.verdict ?? null;
    if (from !== next.verdict && next.verdict !== null) {
      history.push(line('verdict', from, next.verdict));
      // A first verdict of watch is the starting point, not news.
      if (from !== null || next.verdict !== 'watch') events.push(this.event(round, 'rollout.verdict_changed', this.deps.payloads.verdictChanged(next, from)));
    }
    const shared = (r: ReleaseState | null) => r?.reasons.includes('crash_rate_limit_shared') ?? false;
    if (shared(next) && !shared(stored)) {
      if (from === next.verdict) history.push(line('verdict', from, next.verdict));
      events.push(this.event(round, 'rollout.crash_rate_limit_shared', this.deps.payloads.crashRateLimitShared(next)));
    }
    await this.deps.store.saveEvaluation(next, history, events);
  }

  private event(round: AppRound, type: OutboxEvent['type'], payload: Record<string, unknown>): OutboxEvent {
    return { id: this.deps.newId(), appId: round.appId, type, payload, createdAt: new Date(round.now) };
  }
}
