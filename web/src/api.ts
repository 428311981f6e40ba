// The dashboard is a client of the public JSON API and nothing else. The token lives in memory
// and sessionStorage (gone with the tab), never localStorage.

const TOKEN_KEY = 'telltale.token';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

let token: string | null = readStoredToken();
let onUnauthorized: () => void = () => undefined;

function readStoredToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function currentToken(): string | null {
  return token;
}

export function setToken(value: string | null): void {
  token = value;
  try {
    if (value === null) sessionStorage.removeItem(TOKEN_KEY);
    else sessionStorage.setItem(TOKEN_KEY, value);
  } catch {
    // Storage may be disabled; the token then lives in memory only.
  }
}

/** Called when the API answers 401 to a signed-in request: the page goes back to sign-in. */
export function whenUnauthorized(handler: () => void): void {
  onUnauthorized = handler;
}

type Query = Record<string, string | number | undefined | null>;

export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== null && value !== '') params.set(name, String(value));
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'omit' });
  const text = await res.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    if (res.status === 401 && token !== null) {
      setToken(null);
      onUnauthorized();
    }
    const err = (data ?? {}) as { error?: string; code?: string };
    throw new ApiError(res.status, err.error ?? `${res.status} ${res.statusText}`, err.code);
  }
  return data as T;
}

export const get = <T>(path: string, query?: Query) => api<T>('GET', withQuery(path, query));

/** For APIs a server may not have yet (rollouts, webhooks): 404 and 501 read as "none". */
export async function optional<T>(request: Promise<T>): Promise<T | null> {
  try {
    return await request;
  } catch (error) {
    if (error instanceof ApiError && (error.status === 404 || error.status === 501)) return null;
    throw error;
  }
}

export async function signIn(username: string, password: string): Promise<void> {
  setToken(null);
  try {
    const { token: issued } = await api<{ token: string }>('POST', '/auth/login', { username, password });
    setToken(issued);
  } catch (error) {
    if (error instanceof ApiError && (error.status === 401 || error.status === 400)) throw new ApiError(error.status, 'Wrong username or password.');
    if (error instanceof ApiError && error.status === 429) throw new ApiError(429, 'Too many attempts. Wait a minute and try again.');
    throw error;
  }
}

// Wire shapes (README, docs/read-api.md, issues 12 and 13).

export interface Me {
  id: string;
  username: string;
  role: 'admin' | 'user';
  permissions: { apps: { create: boolean; edit: boolean; delete: boolean; download: boolean } };
  allowed_apps: string[];
}

export type Action = keyof Me['permissions']['apps'];
export const can = (me: Me | null, action: Action) => me !== null && (me.role === 'admin' || me.permissions.apps[action]);

export interface App {
  id: string;
  name: string;
  reports: boolean;
  created_at: string;
  updated_at: string;
}

export type GroupStatus = 'open' | 'resolved' | 'muted';
export const EVENT_TYPES = ['crash', 'startup_failure', 'update_failure', 'install_failure', 'rollback_failure'] as const;
export const GROUP_STATUSES: GroupStatus[] = ['open', 'resolved', 'muted'];

export interface Group {
  group_hash: string;
  app_id: string;
  application: { name: string; version: string; channel: string };
  system: { platform: string; arch: string };
  event: { type: string; reason: string };
  stats: { count: number; first_seen: string; last_seen: string; details_stored: number; details_rejected: number };
  status: GroupStatus;
  resolved_at: string | null;
  resolved_by: string | null;
  tags: string[];
  note: string | null;
  created_at: string;
  updated_at: string;
}

export interface GroupPage {
  items: Group[];
  total: number;
  page: number;
  limit: number;
}

export interface Blob {
  id: string;
  created_at: string;
  expires_at: string;
  storage: { compressed_size: number; decompressed_size: number; content_type: string; encoding: string };
  url: string;
}

export interface ReportKey {
  app_id: string;
  report_key: string | null;
}

export interface Interval {
  rate: number;
  low: number;
  high: number;
}

export interface RatesCell {
  version?: string;
  channel?: string;
  platform?: string;
  arch?: string;
  active_device_days: number;
  share: number;
  suppressed: boolean;
  affected?: Record<string, number>;
  rates?: Record<string, Interval | undefined>;
}

export interface Rates {
  app_id: string;
  from: string;
  to: string;
  granularity: string;
  group_by: string[];
  cells: RatesCell[];
}

export type Verdict = 'healthy' | 'watch' | 'halt';

export interface CellHealth {
  channel: string;
  platform: string;
  arch: string;
  verdict: Verdict;
  reasons: string[];
  baseline_version: string | null;
}

/** GET /rollouts/health (ReleaseHealth in src/app/rollout-evaluator.ts); per-cell metrics are not read here. */
export interface Health {
  app_id: string;
  version: string;
  verdict: Verdict;
  baseline_version: string | null;
  data_through: string | null;
  evaluated_at: string | null;
  resumed: { at: string; by: string; note: string } | null;
  cells: CellHealth[];
}

export interface Webhook {
  id: string;
  app_id: string;
  url: string;
  events: string[];
  created_at: string;
  /** Only in the answer to POST /apps/:id/webhooks. */
  secret?: string;
}

export interface Delivery {
  event_id: string;
  webhook_id: string;
  attempt: number;
  status: 'delivered' | 'failed';
  response_status: number | null;
  error: string | null;
  at: string;
  next_attempt_at: string | null;
}

export const WEBHOOK_EVENTS = ['rollout.verdict_changed', 'group.new', 'group.regressed'] as const;
