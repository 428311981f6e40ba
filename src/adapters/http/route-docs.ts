import type { LogsSettings } from '../../app/logs-intake';
import { logBatchSchema } from '../../domain/log-entry';
import { LOGIN_BODY_SCHEMA } from './auth-routes';
import { errorSchema, type RouteDoc } from './openapi';
import {
  appCreateBodySchema,
  appCreatedSchema,
  appPatchBodySchema,
  appSchema,
  blobDownloadQuerySchema,
  blobSchema,
  groupListQuerySchema,
  groupPageSchema,
  groupPatchBodySchema,
  groupPatchedSchema,
  groupRefQuerySchema,
  groupSchema,
  itemsSchema,
  keyRegenerateBodySchema,
  keySchema,
  summaryQuerySchema,
} from './read-api-schemas';
import { CREATE_USER_BODY_SCHEMA, UPDATE_USER_BODY_SCHEMA } from './users-routes';

const error = (description: string) => ({ description, schema: errorSchema });
const object = (required: string[], properties: Record<string, object>) => ({ type: 'object', required, properties });
const items = (of: object = { type: 'object' }) => object(['items'], { items: { type: 'array', items: of } });

const jwtErrors = { 401: error('Missing, invalid or expired bearer token'), 403: error('The caller lacks the permission this route needs') };

const account = object(['id', 'username', 'role'], {
  id: { type: 'string' },
  username: { type: 'string' },
  role: { type: 'string', enum: ['admin', 'user'] },
  permissions: { type: 'object' },
  allowed_apps: { type: 'array', items: { type: 'string' } },
});

export const authDocs: RouteDoc[] = [
  {
    method: 'post',
    path: '/auth/login',
    summary: 'Sign in with username and password; a team user gives its team too (its admin\'s username)',
    tag: 'auth',
    auth: 'none',
    body: LOGIN_BODY_SCHEMA,
    responses: {
      200: { description: 'A bearer JWT', schema: object(['token'], { token: { type: 'string' } }) },
      400: error('Invalid body'),
      401: error('invalid credentials'),
      429: error('Too many sign-in attempts (scope login, login_ip or login_concurrency); Retry-After'),
      501: error('Sign-in disabled: tokens come from an external issuer (JWT_PUBLIC_KEY only)'),
      503: error('Too many sign-ins being checked at once; Retry-After'),
    },
  },
];

export const usersDocs: RouteDoc[] = [
  { method: 'post', path: '/users', summary: 'Create a team user under the calling admin', tag: 'users', auth: 'jwt', body: CREATE_USER_BODY_SCHEMA, responses: { 201: { description: 'Created', schema: account }, 400: error('Invalid body or unknown app'), 409: error('Username taken in this admin\'s team (usernames are unique per team: another team\'s, or an admin\'s, never clashes)'), ...jwtErrors } },
  { method: 'get', path: '/users', summary: 'List the calling admin\'s team users', tag: 'users', auth: 'jwt', responses: { 200: { description: 'Team users', schema: items(account) }, ...jwtErrors } },
  { method: 'get', path: '/users/:id', summary: 'One team user', tag: 'users', auth: 'jwt', responses: { 200: { description: 'Team user', schema: account }, 404: error('No such user of this admin'), ...jwtErrors } },
  { method: 'patch', path: '/users/:id', summary: 'Change a team user', tag: 'users', auth: 'jwt', body: UPDATE_USER_BODY_SCHEMA, responses: { 200: { description: 'Updated', schema: account }, 400: error('Invalid body'), 404: error('No such user of this admin'), 409: error('Username taken in this admin\'s team'), ...jwtErrors } },
  { method: 'delete', path: '/users/:id', summary: 'Delete a team user', tag: 'users', auth: 'jwt', responses: { 204: { description: 'Deleted' }, 404: error('No such user of this admin'), ...jwtErrors } },
];

export const appsDocs: RouteDoc[] = [
  { method: 'post', path: '/apps', summary: 'Create an app and its report key', tag: 'apps', auth: 'jwt', body: appCreateBodySchema, responses: { 201: { description: 'Created, with report_key', schema: appCreatedSchema }, 400: error('Invalid body'), 409: error('An app of that name exists in the account; details.app_id is its id'), ...jwtErrors } },
  { method: 'get', path: '/apps', summary: 'The apps the caller may read', tag: 'apps', auth: 'jwt', responses: { 200: { description: 'Apps', schema: itemsSchema(appSchema) }, ...jwtErrors } },
  { method: 'get', path: '/apps/:id', summary: 'One app', tag: 'apps', auth: 'jwt', responses: { 200: { description: 'App', schema: appSchema }, 404: error('No such app in reach'), ...jwtErrors } },
  { method: 'patch', path: '/apps/:id', summary: 'Turn reports on or off', tag: 'apps', auth: 'jwt', body: appPatchBodySchema, responses: { 200: { description: 'Updated', schema: appSchema }, 400: error('Invalid body'), 404: error('No such app in reach'), ...jwtErrors } },
  { method: 'delete', path: '/apps/:id', summary: 'Delete an app with its key, groups and blobs', tag: 'apps', auth: 'jwt', responses: { 200: { description: 'Deleted', schema: object(['id', 'deleted'], { id: { type: 'string' }, deleted: { type: 'boolean' } }) }, 404: error('No such app in reach'), ...jwtErrors } },
  { method: 'get', path: '/reports/keys', summary: 'Report keys of the caller\'s apps', tag: 'apps', auth: 'jwt', responses: { 200: { description: 'Keys', schema: itemsSchema(keySchema) }, ...jwtErrors } },
  { method: 'post', path: '/reports/keys/regenerate', summary: 'Replace an app\'s report key; the old one stops working at once', tag: 'apps', auth: 'jwt', body: keyRegenerateBodySchema, responses: { 200: { description: 'The new key', schema: keySchema }, 400: error('Invalid body'), 404: error('No such app in reach'), ...jwtErrors } },
];

const groupHashParam = { 400: error('Malformed groupHash or query'), 404: error('No such group in the caller\'s apps') };

export const reportsReadDocs: RouteDoc[] = [
  { method: 'get', path: '/reports/groups', summary: 'Report groups, newest lastSeen first', tag: 'reports', auth: 'jwt', query: groupListQuerySchema, responses: { 200: { description: 'A page of groups', schema: groupPageSchema }, 400: error('An invalid filter, named'), 404: error('Unknown app'), ...jwtErrors } },
  { method: 'get', path: '/reports/summary', summary: 'Rollout health: counts summed over groups by chosen dimensions', tag: 'reports', auth: 'jwt', query: summaryQuerySchema, responses: { 200: { description: 'Buckets with count, groups and lastSeen' }, 400: error('Invalid query'), 404: error('Unknown app'), ...jwtErrors } },
  { method: 'get', path: '/reports/groups/:groupHash', summary: 'One group', tag: 'reports', auth: 'jwt', query: groupRefQuerySchema, responses: { 200: { description: 'The group', schema: groupSchema }, ...groupHashParam, ...jwtErrors } },
  { method: 'get', path: '/reports/groups/:groupHash/blobs', summary: 'A group\'s stored details, with short-lived download URLs', tag: 'reports', auth: 'jwt', query: groupRefQuerySchema, responses: { 200: { description: 'Blobs with url', schema: itemsSchema(blobSchema) }, ...groupHashParam, ...jwtErrors } },
  { method: 'get', path: '/reports/groups/:groupHash/blobs/:blobId', summary: 'One stored details object, as the gzip-compressed JSON the signed URL serves, through the API (for pages that show it in place)', tag: 'reports', auth: 'jwt', query: groupRefQuerySchema, responses: { 200: { description: 'application/gzip: the details as stored' }, 400: error('Malformed groupHash or query'), 404: error('No such group or details object in the caller\'s apps'), ...jwtErrors } },
  { method: 'patch', path: '/reports/groups/:groupHash', summary: 'Triage: status, tags, note', tag: 'reports', auth: 'jwt', query: groupRefQuerySchema, body: groupPatchBodySchema, responses: { 200: { description: 'Updated group', schema: groupPatchedSchema }, ...groupHashParam, ...jwtErrors } },
  { method: 'delete', path: '/reports/groups/:groupHash', summary: 'Delete a group, its blob records and objects', tag: 'reports', auth: 'jwt', query: groupRefQuerySchema, responses: { 200: { description: 'Deleted', schema: object(['group_hash', 'deleted'], { group_hash: { type: 'string' }, deleted: { type: 'boolean' } }) }, ...groupHashParam, ...jwtErrors } },
  { method: 'get', path: '/reports/blobs/download', summary: 'Download details through a signed URL (fs and memory blob stores)', tag: 'reports', auth: 'signed_url', query: blobDownloadQuerySchema, responses: { 200: { description: 'The gzip-compressed JSON details' }, 400: error('Malformed query'), 403: error('Tampered or expired signature'), 404: error('Object gone') } },
];

export function logsDocs(logs: LogsSettings): RouteDoc[] {
  return [
    {
      method: 'post',
      path: '/api/v1/logs',
      summary: 'A batch of client log entries',
      tag: 'logs',
      auth: 'jwt_or_device',
      body: logBatchSchema(logs),
      headers: [
        { name: 'X-Device-Id', required: false, description: 'UUID v4; required without a valid JWT' },
        { name: 'X-Trace-Id', required: false, description: 'Echoed in the response; generated when absent' },
      ],
      responses: {
        200: { description: 'Accepted', schema: object(['accepted', 'count'], { accepted: { type: 'boolean' }, count: { type: 'integer' } }) },
        400: error('Invalid device ID format, or invalid JSON'),
        401: error('Device ID required, or invalid or expired token (a refused bearer token and no X-Device-Id)'),
        413: error('Body over LOGS_MAX_BODY_BYTES'),
        422: error('Schema violation; paths lists the failing ones'),
        429: error('Rate limited (scope logs: per user or device; logs_ip: per address for anonymous callers); RateLimit headers and Retry-After'),
        501: error('Transfer-Encoding other than chunked'),
      },
    },
  ];
}
