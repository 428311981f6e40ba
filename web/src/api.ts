// The dashboard is a client of the public JSON API and nothing else. The wire types come from the
// service's OpenAPI document (api-types.ts, generated: npm run gen:api); the token from session.ts.
import {
  pathsAppsIdWebhooksPostRequestBodyContentApplicationJsonEventsValues,
  pathsReportsGroupsGetParametersQueryStatusValues,
  pathsReportsGroupsGetParametersQueryTypeValues,
  type paths,
} from './api-types';
import { session } from './session';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

type Query = Record<string, string | number | undefined | null>;

export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== null && value !== '') params.set(name, String(value));
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/** fetch with the bearer token; a 401 to a signed-in request ends the session. */
async function send(method: string, path: string, accept: string, body?: unknown): Promise<Response> {
  const token = session.token();
  const headers: Record<string, string> = { Accept: accept };
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'omit' });
  if (res.ok) return res;
  let err: { error?: string; code?: string } = {};
  try {
    err = (await res.json()) ?? {};
  } catch {
    err = {};
  }
  if (res.status === 401 && token !== null) session.end('expired');
  throw new ApiError(res.status, err.error ?? `${res.status} ${res.statusText}`, err.code);
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const text = await (await send(method, path, 'application/json', body)).text();
  return (text ? JSON.parse(text) : null) as T;
}

export const get = <T>(path: string, query?: Query) => api<T>('GET', withQuery(path, query));

/** A binary answer (stored details), as a stream of its bytes. */
export async function getBytes(path: string, query?: Query): Promise<Response> {
  return send('GET', withQuery(path, query), 'application/gzip');
}

/** For APIs a server may not have yet (rollouts, webhooks): 404 and 501 read as "none". */
export async function optional<T>(request: Promise<T>): Promise<T | null> {
  try {
    return await request;
  } catch (error) {
    if (error instanceof ApiError && (error.status === 404 || error.status === 501)) return null;
    throw error;
  }
}

/** `team`: a team user's admin's username; empty for an admin. */
export async function signIn(username: string, password: string, team = ''): Promise<void> {
  try {
    const { token } = await api<Answer<'/auth/login', 'post'>>('POST', '/auth/login', team === '' ? { username, password } : { username, password, team });
    session.start(token);
  } catch (error) {
    if (error instanceof ApiError && (error.status === 401 || error.status === 400)) throw new ApiError(error.status, team === '' ? 'Wrong username or password. A team user also gives the team.' : 'Wrong username, team or password.');
    if (error instanceof ApiError && error.status === 429) throw new ApiError(429, 'Too many attempts. Wait a minute and try again.');
    throw error;
  }
}

/** The JSON body of a 200 (or else 201) answer to `method path`, as the OpenAPI document gives it. */
export type Answer<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends { responses: infer R }
  ? R extends { 200: { content: { 'application/json': infer T } } }
    ? T
    : R extends { 201: { content: { 'application/json': infer T } } }
      ? T
      : never
  : never;

export type Me = Answer<'/auth/me', 'get'>;
export type Action = keyof Me['permissions']['apps'];
export const can = (me: Me | null, action: Action) => me !== null && (me.role === 'admin' || me.permissions.apps[action]);

export type App = Answer<'/apps/{id}', 'get'>;
/** GET /apps items: the app and its worst current rollout (null when nothing is rolling out). */
export type AppListItem = Answer<'/apps', 'get'>['items'][number];
export type CurrentRollout = NonNullable<AppListItem['rollout']>;
export type GroupPage = Answer<'/reports/groups', 'get'>;
export type Group = GroupPage['items'][number];
export type GroupStatus = Group['status'];
export type GroupPatched = Answer<'/reports/groups/{groupHash}', 'patch'>;
export type Blob = Answer<'/reports/groups/{groupHash}/blobs', 'get'>['items'][number];
export type ReportKey = Answer<'/reports/keys', 'get'>['items'][number];
export type Rates = Answer<'/rollouts/rates', 'get'>;
export type RatesCell = Rates['cells'][number];
export type Interval = NonNullable<NonNullable<RatesCell['rates']>['crash_free']>;
export type RefusedSummary = Rates['refused_beacons'];
export type Health = Answer<'/rollouts/health', 'get'>;
export type Verdict = NonNullable<Health['verdict']>;
export type Role = Health['role'];
export type Reason = Health['reasons'][number];
export type Limit = Health['limits'][number];
export type HealthCell = Health['cells'][number];
export type MetricName = keyof HealthCell['metrics'];
export type History = Answer<'/rollouts/history', 'get'>;
export type HistoryEntry = History['items'][number];
export type Webhook = Answer<'/apps/{id}/webhooks', 'get'>['items'][number];
export type CreatedWebhook = Answer<'/apps/{id}/webhooks', 'post'>;
export type Delivery = Answer<'/apps/{id}/webhooks/{wid}/deliveries', 'get'>['items'][number];

export const EVENT_TYPES = pathsReportsGroupsGetParametersQueryTypeValues;
export const GROUP_STATUSES = pathsReportsGroupsGetParametersQueryStatusValues;
export const WEBHOOK_EVENTS = pathsAppsIdWebhooksPostRequestBodyContentApplicationJsonEventsValues;
