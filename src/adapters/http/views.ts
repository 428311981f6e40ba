import { dimensionsOf, type BlobRecord, type ReportGroup } from '../../domain/report';
import type { App, ReportKey } from '../../ports/app-directory';
import type { SummaryBucket } from '../../ports/report-repository';
import { hasDenominator, type CellEvidenceState } from '../../domain/rollout-release-evidence';
import { wilsonInterval } from '../../domain/rollout-rates';
import { GATED_METRICS } from '../../domain/rollout-settings';
import type { LimitJudgement, MetricJudgement, Verdict, VerdictReason } from '../../domain/rollout-verdict';
import type { HistoryEntry, ReleaseState } from '../../ports/verdict-store';

// The JSON shapes of the API, shared by the HTTP routes and the CLI's --json output, so both
// speak the same snake_case.

// Wire names follow faynoSync's documents (snake_case); owner and storage bucket are never sent.
export function groupToWire(g: ReportGroup) {
  return {
    group_hash: g.groupHash,
    app_id: g.appId,
    ...dimensionsOf(g),
    stats: {
      count: g.stats.count,
      first_seen: g.stats.firstSeen.toISOString(),
      last_seen: g.stats.lastSeen.toISOString(),
      details_stored: g.stats.detailsStored,
      details_rejected: g.stats.detailsRejected,
    },
    status: g.status,
    resolved_at: g.resolvedAt?.toISOString() ?? null,
    resolved_by: g.resolvedBy,
    tags: [...g.tags],
    note: g.note,
    created_at: g.createdAt.toISOString(),
    updated_at: g.updatedAt.toISOString(),
  };
}

export function blobToWire(b: BlobRecord & { url: string }) {
  return {
    id: b.id,
    group_hash: b.groupHash,
    app_id: b.appId,
    ...dimensionsOf(b),
    storage: {
      driver: b.storage.driver,
      key: b.storage.key,
      compressed_size: b.storage.compressedSize,
      decompressed_size: b.storage.decompressedSize,
      content_type: b.storage.contentType,
      encoding: b.storage.encoding,
    },
    created_at: b.createdAt.toISOString(),
    expires_at: b.expiresAt.toISOString(),
    url: b.url,
  };
}

export function bucketToWire(b: SummaryBucket) {
  return { ...b.key, count: b.count, groups: b.groups, last_seen: b.lastSeen.toISOString() };
}

export function appToWire(app: App) {
  return { id: app.id, name: app.name, reports: app.reports, created_at: app.createdAt.toISOString(), updated_at: app.updatedAt.toISOString() };
}

export function keyToWire(app: App, key: ReportKey | null) {
  return {
    app_id: app.id,
    app_name: app.name,
    report_key: key?.key ?? null,
    created_at: key?.createdAt.toISOString() ?? null,
    updated_at: key?.updatedAt.toISOString() ?? null,
  };
}

// Rollout health: one mapping for the API (and the CLI's --json), one for the webhook payloads.

type RateWire = { affected: number; exposure: number; rate: number | null; low: number | null; high: number | null };

const rateToWire = (r: { affected: number; exposure: number; rate: number; low: number; high: number }, measured = true): RateWire =>
  measured ? { affected: r.affected, exposure: r.exposure, rate: r.rate, low: r.low, high: r.high } : { affected: r.affected, exposure: r.exposure, rate: null, low: null, high: null };

function metricToWire(m: MetricJudgement) {
  const measured = m.status === 'measured';
  return {
    status: m.status,
    release: rateToWire(m.release, measured),
    baseline: rateToWire(m.baseline, measured),
    ratio: m.ratio,
    e_value: m.eValue,
    e_value_healthy: m.eValueHealthy,
  };
}

function limitToWire(l: LimitJudgement) {
  return {
    scope: l.platform === null ? 'overall' : 'platform',
    platform: l.platform,
    arch: l.arch,
    limit: l.limit,
    release: { ...rateToWire(l.release), anytime_low: l.release.anytimeLow },
    baseline_matched_rate: l.baselineMatchedRate,
    e_value: l.eValue,
    over: l.over,
    shared: l.shared,
  };
}

function cellToWire(c: CellEvidenceState) {
  const side = (s: { affected: number; exposure: number }, measured: boolean) => rateToWire({ ...s, ...wilsonInterval(s.affected, s.exposure) }, measured);
  const metrics = Object.fromEntries(
    GATED_METRICS.map((m) => {
      const measured = hasDenominator(m, c.release[m]) && hasDenominator(m, c.baseline[m]);
      const release = side(c.release[m], hasDenominator(m, c.release[m]));
      const baseline = side(c.baseline[m], hasDenominator(m, c.baseline[m]));
      const ratio = measured && baseline.rate ? release.rate! / baseline.rate : null;
      // Devices on both sides but no count of how many tried: no denominator; a side without devices here: no data.
      const bothActive = c.release.crash.exposure > 0 && c.baseline.crash.exposure > 0;
      return [m, { status: measured ? 'measured' : bothActive ? 'no_denominator' : 'no_data', release, baseline, ratio }];
    }),
  );
  return { ...c.cell, metrics };
}

const clock = (d: Date) => `${d.toISOString().slice(11, 16)} UTC`;

/** Each reason in words, for people (the dashboard and the CLI show these; scripts read `reasons`). */
export function reasonText(reason: VerdictReason, r: ReleaseState): string {
  const texts: Record<VerdictReason, () => string> = {
    insufficient_data: () => `fewer than the minimum device-days on the release or on ${r.baselineVersion ?? 'its baseline'}`,
    evidence_building: () => `evidence against ${r.baselineVersion ?? 'the baseline'} still building`,
    evidence_restarted: () => (r.resumedAt ? `evidence restarted at ${clock(r.resumedAt)} after a resume by ${r.resumedBy ?? 'someone'}` : 'evidence restarted'),
    no_baseline_cells: () => `${r.baselineVersion ?? 'the baseline'} has no devices in this release's channels, platforms and arches`,
    crash_rate_above_baseline: () => `crash rate above ${r.baselineVersion ?? 'the baseline'}'s`,
    update_failure_rate_above_baseline: () => `update-failure rate above ${r.baselineVersion ?? 'the baseline'}'s`,
    install_failure_rate_above_baseline: () => `install-failure rate above ${r.baselineVersion ?? 'the baseline'}'s`,
    crash_rate_limit: () => 'crash rate above the crash-rate limit',
    crash_rate_limit_platform: () => {
      const over = r.judgement?.limits.filter((l) => l.platform !== null && l.over && !l.shared).map((l) => `${l.platform}/${l.arch}`) ?? [];
      return `crash rate above the per-platform limit${over.length ? ` on ${over.join(', ')}` : ''}`;
    },
    crash_rate_limit_shared: () => `crash rate over the limit, and ${r.baselineVersion ?? 'the baseline'}'s too over the same hours: a shared incident, not this release`,
    halted_awaiting_resume: () => (r.haltedAt ? `halted at ${r.haltedAt.toISOString()}; a person must resume it` : 'halted; a person must resume it'),
  };
  return texts[reason]();
}

/** GET /rollouts/health, POST /rollouts/resume|evaluate items, the CLI's --json. */
export function releaseToWire(r: ReleaseState) {
  const metrics = r.judgement ? Object.fromEntries(r.judgement.metrics.map((m) => [m.metric, metricToWire(m)])) : {};
  return {
    app_id: r.appId,
    version: r.version,
    role: r.role,
    verdict: r.verdict,
    reasons: [...r.reasons],
    explanation: r.reasons.map((reason) => reasonText(reason, r)),
    baseline_version: r.baselineVersion,
    superseded_by: r.supersededBy,
    active_device_days: Math.round(r.activeDeviceDays),
    evidence_since: r.evidence ? new Date(r.evidence.since).toISOString() : null,
    halted_at: r.haltedAt?.toISOString() ?? null,
    data_through: r.dataThrough?.toISOString() ?? null,
    evaluated_at: r.evaluatedAt.toISOString(),
    resumed: r.resumedAt ? { at: r.resumedAt.toISOString(), by: r.resumedBy ?? '', note: r.resumeNote ?? '' } : null,
    metrics,
    limits: r.judgement ? r.judgement.limits.map(limitToWire) : [],
    cells: r.evidence ? r.evidence.cells.map(cellToWire) : [],
  };
}

export function historyToWire(h: HistoryEntry) {
  return { at: h.at.toISOString(), kind: h.kind, from: h.from, to: h.to, reasons: [...h.reasons], by: h.by, note: h.note };
}

/** The version of the rollout webhook payloads; bumped when their shape changes. */
export const ROLLOUT_PAYLOAD_VERSION = 2;

/** The `data` of rollout.verdict_changed and rollout.crash_rate_limit_shared webhooks. */
export const rolloutPayloads = {
  verdictChanged: (r: ReleaseState, from: Verdict | null) => ({ payload_version: ROLLOUT_PAYLOAD_VERSION, ...releaseToWire(r), from, to: r.verdict }),
  crashRateLimitShared: (r: ReleaseState) => ({ payload_version: ROLLOUT_PAYLOAD_VERSION, ...releaseToWire(r) }),
};
