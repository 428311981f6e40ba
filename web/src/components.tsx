import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { ApiError, type Verdict } from './api';

export function VerdictBadge({ verdict }: { verdict: Verdict | null | undefined }) {
  const text = verdict ?? 'no data';
  return <span class={`badge badge-${verdict ?? 'none'}`}>{text}</span>;
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
