import { basename } from 'node:path';
import { Router, type Request, type Response } from 'express';
import type { ReportGroups } from '../../app/report-groups';
import type { SummaryDimension } from '../../domain/group-query';
import type { TokenVerifier } from '../../ports/token-verifier';
import { authenticate, principalOf } from './authenticate';
import { bodyParser, dateParam, distinctListParam, queryParser } from './body-schema';
import { readJsonBody } from './json-body';
import { errorResponse, JWT_ERRORS, objectSchema, type RouteDoc } from './openapi';
import { whenReportsEnabled } from './report-ingest-routes';
import type { RouteModule } from './route-module';
import { blobToWire, bucketToWire, groupToWire } from './views';
import {
  blobDownloadQuerySchema,
  blobSchema,
  groupListQuerySchema,
  groupPageSchema,
  groupPatchBodySchema,
  groupPatchedSchema,
  groupRefQuerySchema,
  groupSchema,
  itemsSchema,
  MAX_ADMIN_BODY_BYTES,
  summaryQuerySchema,
} from './read-api-schemas';

const parseGroupList = queryParser(groupListQuerySchema);
const parseSummary = queryParser(summaryQuerySchema);
const parseGroupRef = queryParser(groupRefQuerySchema);
const parseDownload = queryParser(blobDownloadQuerySchema);
const parsePatch = bodyParser(groupPatchBodySchema);

const hashOf = (req: Request) => String(req.params.groupHash);

const groupByParam = (value: string | undefined): SummaryDimension[] => (value === undefined ? [] : distinctListParam(value, 'group_by'));

/**
 * The stored gzip bytes as they are, with no Content-Encoding: every client (curl, a browser,
 * fetch) then gets the same .json.gz file to decompress, as faynoSync's docs describe.
 */
function sendGzip(res: Response, key: string, body: Buffer): void {
  res.set({
    'Content-Type': 'application/gzip',
    'Content-Disposition': `attachment; filename="${basename(key).replace(/[^A-Za-z0-9._-]/g, '_')}"`,
    'Cache-Control': 'private, no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  res.send(body);
}

/**
 * The JWT-protected read API plus the download route the local stores' signed URLs point at.
 * Authentication is per route, so this router never answers for paths it does not own.
 */
export function reportsReadRoutes(groups: ReportGroups, verifier: TokenVerifier): Router {
  const router = Router();
  const auth = authenticate(verifier);

  router.get('/reports/groups', auth, async (req, res) => {
    const q = parseGroupList(req.query);
    const page = await groups.list(principalOf(res), {
      app: q.app,
      filter: {
        version: q.version,
        channel: q.channel,
        platform: q.platform,
        arch: q.arch,
        type: q.type,
        reason: q.reason,
        status: q.status,
        from: dateParam(q.from, 'from'),
        to: dateParam(q.to, 'to'),
      },
      page: q.page,
      limit: q.limit,
    });
    res.json({ items: page.items.map(groupToWire), total: page.total, page: q.page, limit: q.limit });
  });

  router.get('/reports/summary', auth, async (req, res) => {
    const q = parseSummary(req.query);
    const groupBy = groupByParam(q.group_by);
    const { app, buckets } = await groups.summarize(principalOf(res), {
      app: q.app,
      groupBy,
      from: dateParam(q.from, 'from'),
      to: dateParam(q.to, 'to'),
    });
    res.json({ app_id: app.id, group_by: groupBy, buckets: buckets.map(bucketToWire) });
  });

  router.get('/reports/blobs/download', async (req, res) => {
    const q = parseDownload(req.query);
    sendGzip(res, q.key, await groups.download(q.key, q.expires, q.signature));
  });

  router.get('/reports/groups/:groupHash', auth, async (req, res) => {
    const q = parseGroupRef(req.query);
    res.json(groupToWire(await groups.get(principalOf(res), hashOf(req), q.app)));
  });

  router.get('/reports/groups/:groupHash/blobs', auth, async (req, res) => {
    const q = parseGroupRef(req.query);
    const blobs = await groups.blobs(principalOf(res), hashOf(req), q.app);
    res.json({ items: blobs.map(blobToWire) });
  });

  // The same bytes as the signed URL, through the API: same-origin for the dashboard, whatever the blob store.
  router.get('/reports/groups/:groupHash/blobs/:blobId', auth, async (req, res) => {
    const q = parseGroupRef(req.query);
    const blobId = String(req.params.blobId);
    sendGzip(res, `${blobId}.json.gz`, await groups.blobContent(principalOf(res), hashOf(req), q.app, blobId));
  });

  router.patch('/reports/groups/:groupHash', auth, async (req, res) => {
    const q = parseGroupRef(req.query);
    const body = parsePatch(await readJsonBody(req, MAX_ADMIN_BODY_BYTES));
    const group = await groups.triage(principalOf(res), hashOf(req), q.app, body);
    res.json({ group_hash: group.groupHash, updated: true, group: groupToWire(group) });
  });

  router.delete('/reports/groups/:groupHash', auth, async (req, res) => {
    const q = parseGroupRef(req.query);
    await groups.delete(principalOf(res), hashOf(req), q.app);
    res.json({ group_hash: hashOf(req), deleted: true });
  });

  return router;
}

const groupHashErrors = { 400: errorResponse('Malformed groupHash or query'), 404: errorResponse('No such group in the caller\'s apps') };

const reportsReadDocs: RouteDoc[] = [
  { method: 'get', path: '/reports/groups', summary: 'Report groups, newest lastSeen first', tag: 'reports', auth: 'jwt', query: groupListQuerySchema, responses: { 200: { description: 'A page of groups', schema: groupPageSchema }, 400: errorResponse('An invalid filter, named'), 404: errorResponse('Unknown app'), ...JWT_ERRORS } },
  { method: 'get', path: '/reports/summary', summary: 'Rollout health: counts summed over groups by chosen dimensions', tag: 'reports', auth: 'jwt', query: summaryQuerySchema, responses: { 200: { description: 'Buckets with count, groups and lastSeen' }, 400: errorResponse('Invalid query'), 404: errorResponse('Unknown app'), ...JWT_ERRORS } },
  { method: 'get', path: '/reports/groups/:groupHash', summary: 'One group', tag: 'reports', auth: 'jwt', query: groupRefQuerySchema, responses: { 200: { description: 'The group', schema: groupSchema }, ...groupHashErrors, ...JWT_ERRORS } },
  { method: 'get', path: '/reports/groups/:groupHash/blobs', summary: 'A group\'s stored details, with short-lived download URLs', tag: 'reports', auth: 'jwt', query: groupRefQuerySchema, responses: { 200: { description: 'Blobs with url', schema: itemsSchema(blobSchema) }, ...groupHashErrors, ...JWT_ERRORS } },
  { method: 'get', path: '/reports/groups/:groupHash/blobs/:blobId', summary: 'One stored details object, as the gzip-compressed JSON the signed URL serves, through the API (for pages that show it in place)', tag: 'reports', auth: 'jwt', query: groupRefQuerySchema, responses: { 200: { description: 'application/gzip: the details as stored' }, 400: errorResponse('Malformed groupHash or query'), 404: errorResponse('No such group or details object in the caller\'s apps'), ...JWT_ERRORS } },
  { method: 'patch', path: '/reports/groups/:groupHash', summary: 'Triage: status, tags, note', tag: 'reports', auth: 'jwt', query: groupRefQuerySchema, body: groupPatchBodySchema, responses: { 200: { description: 'Updated group', schema: groupPatchedSchema }, ...groupHashErrors, ...JWT_ERRORS } },
  { method: 'delete', path: '/reports/groups/:groupHash', summary: 'Delete a group, its blob records and objects', tag: 'reports', auth: 'jwt', query: groupRefQuerySchema, responses: { 200: { description: 'Deleted', schema: objectSchema(['group_hash', 'deleted'], { group_hash: { type: 'string' }, deleted: { type: 'boolean' } }) }, ...groupHashErrors, ...JWT_ERRORS } },
  { method: 'get', path: '/reports/blobs/download', summary: 'Download details through a signed URL (fs and memory blob stores)', tag: 'reports', auth: 'signed_url', query: blobDownloadQuerySchema, responses: { 200: { description: 'The gzip-compressed JSON details' }, 400: errorResponse('Malformed query'), 403: errorResponse('Tampered or expired signature'), 404: errorResponse('Object gone') } },
];

export const reportsReadModule: RouteModule<{ groups: ReportGroups; tokenVerifier: TokenVerifier }, { reports: { enabled: boolean } }> = {
  name: 'reports-read',
  enabled: whenReportsEnabled,
  routes: ({ groups, tokenVerifier }) => reportsReadRoutes(groups, tokenVerifier),
  docs: () => reportsReadDocs,
};
