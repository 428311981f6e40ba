import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { ApiError, type Health, type RefusedSummary, type Verdict } from './api';
import { count } from './format';

export function VerdictBadge({ verdict }: { verdict: Verdict | null | undefined }) {
  const text = verdict ?? 'no data';
  return <span class={`badge badge-${verdict ?? 'none'}`}>{text}</span>;
}

/** A rollout's verdict; the baseline and older versions are shown, not judged, and say which they are. */
export function ReleaseVerdict({ health }: { health: Health | null | undefined }) {
  if (!health) return <VerdictBadge verdict={null} />;
  if (health.role === 'rollout') return <VerdictBadge verdict={health.verdict} />;
  return <span class="muted not-judged">not judged</span>;
}

/** What each role means, in the words of docs/webhooks-and-verdicts.md. */
export function roleText(health: Health): string {
  const baseline = health.baseline_version ?? 'the baseline';
  if (health.role === 'rollout') return `Rolling out: newer than the baseline ${baseline}, and judged against it.`;
  if (health.role === 'baseline') return 'The baseline: the version the rollouts are compared with. It is shown, not judged: no verdict, no webhook.';
  return `A previous version, older than the baseline ${baseline}. It is shown, not judged: no verdict, no webhook.`;
}

const REFUSAL_WORDS: Record<keyof RefusedSummary['by_reason'], string> = {
  ip_limit: 'over the per-address beacon limit',
  cell_cap: 'a new cell over the daily cap',
  pending_cap: 'pending sketches full',
};

/**
 * Refused beacons beside the device counts: a device whose beacon was refused is not counted, so a
 * non-zero count means the denominator is incomplete, not small.
 */
export function RefusedNote({ refused, window }: { refused: RefusedSummary; window: string }) {
  if (refused.total === 0) return <p class="muted small refused-none">No beacons were refused {window}: the device counts are complete.</p>;
  const reasons = (Object.keys(REFUSAL_WORDS) as Array<keyof RefusedSummary['by_reason']>)
    .filter((r) => refused.by_reason[r] > 0)
    .map((r) => `${count(refused.by_reason[r])} ${REFUSAL_WORDS[r]} (${r})`);
  return (
    <p class="warning refused">
      <strong>{count(refused.total)} refused beacons</strong> {window}: {reasons.join(', ')}
      {refused.unattributed > 0 && `; ${count(refused.unattributed)} of them in no cell`}. Those devices were not counted, so the device
      counts are incomplete and the rates' denominators are short: a rate may read higher than it is.
    </p>
  );
}

export function StatusBadge({ status }: { status: string }) {
  return <span class={`status status-${status}`}>{status}</span>;
}

/** The page's h1; it takes focus after a navigation so keyboard and screen-reader users land on it. */
export function PageTitle({ children, focus }: { children: ComponentChildren; focus: boolean }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (focus) ref.current?.focus();
  }, []);
  return (
    <h1 tabIndex={-1} ref={ref}>
      {children}
    </h1>
  );
}

/** A wide table scrolls inside this box, never the page; the box takes focus so keyboards can scroll it too. */
export function TableWrap({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <div class="table-wrap" role="region" aria-label={label} tabIndex={0}>
      {children}
    </div>
  );
}

export const isNotFound = (error: Error | undefined) => error instanceof ApiError && error.status === 404;

export function ErrorText({ error }: { error: Error | undefined }) {
  if (!error) return null;
  const text = error instanceof ApiError && error.status === 404 ? 'Not found, or not yours to see.' : error.message;
  return (
    <p class="error" role="alert">
      {text}
    </p>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="muted" role="status">
      Loading {what}…
    </p>
  );
}
