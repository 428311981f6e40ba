import { basename } from 'node:path';
import { Router, type Request, type Response } from 'express';
import type { ReportGroups } from '../../app/report-groups';
import { ValidationError } from '../../domain/errors';
import type { SummaryDimension } from '../../domain/group-query';
import { parseRfc3339 } from '../../domain/rfc3339';
import type { TokenVerifier } from '../../ports/token-verifier';
import { authenticate, principalOf } from './authenticate';
import { bodyParser, queryParser } from './body-schema';
import { readJsonBody } from './json-body';
import { blobToWire, bucketToWire, groupToWire } from './views';
import {
  blobDownloadQuerySchema,
  groupListQuerySchema,
  groupPatchBodySchema,
  groupRefQuerySchema,
  MAX_ADMIN_BODY_BYTES,
  summaryQuerySchema,
} from './read-api-schemas';

const parseGroupList = queryParser(groupListQuerySchema);
const parseSummary = queryParser(summaryQuerySchema);
const parseGroupRef = queryParser(groupRefQuerySchema);
const parseDownload = queryParser(blobDownloadQuerySchema);
const parsePatch = bodyParser(groupPatchBodySchema);

const hashOf = (req: Request) => String(req.params.groupHash);

function dateParam(value: string | undefined, field: string): Date | undefined {
  if (value === undefined) return undefined;
  const date = parseRfc3339(value);
  if (date === null) throw new ValidationError(`query parameter ${field} must be an RFC 3339 date-time such as 2026-03-01T00:00:00Z`, 'invalid_value', { field });
  return date;
}

function groupByParam(value: string | undefined): SummaryDimension[] {
  if (value === undefined) return [];
  const dimensions = value.split(',') as SummaryDimension[];
  if (new Set(dimensions).size !== dimensions.length) {
    throw new ValidationError('invalid query parameter group_by: a dimension is repeated', 'invalid_value', { field: 'group_by' });
  }
  return dimensions;
}

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
