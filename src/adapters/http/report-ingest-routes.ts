import { Router } from 'express';
import type { ReportIngestion } from '../../app/report-ingestion';
import { sendError, statusOf } from './error-handler';
import { readJsonBody } from './json-body';
import { errorResponse, type RouteDoc } from './openapi';
import type { RouteModule } from './route-module';
import { JSON_HEADERS } from './json-headers';
import { DEVICE_ID_RULE } from '../../domain/device-id';
import { reportInputSchema } from '../../domain/report-validation';

/** As in faynoSync, REPORTS_ENABLED=false registers neither ingestion nor the reports read API. */
export const whenReportsEnabled = (settings: { reports: { enabled: boolean } }) => settings.reports.enabled;

export function reportIngestRoutes(ingestion: ReportIngestion, maxBodyBytes: number): Router {
  const router = Router();
  router.post('/reports/ingest', async (req, res) => {
    let ticket;
    try {
      ticket = await ingestion.authorize(req.headers.authorization, req.get('x-device-id'));
    } catch (error) {
      // Refusals before the body (bad key, per-key limit) are what a storm is made of: answered
      // here rather than through Express's error chain. Outages and bugs still go there.
      const status = statusOf(error);
      if (status >= 500) throw error;
      sendError(res, error, status);
      return;
    }
    const body = await readJsonBody(req, maxBodyBytes);
    const result = await ingestion.ingest(ticket, body);
    // Written directly rather than through res.json(): the hottest response of the service.
    const answer = JSON.stringify({
      status: 'accepted',
      group_hash: result.groupHash,
      stored_details: result.storedDetails,
      ...(result.detailsError ? { details_error: result.detailsError } : {}),
    });
    res.writeHead(202, { ...JSON_HEADERS, 'Content-Length': Buffer.byteLength(answer) });
    res.end(answer);
  });
  // A browser or a mistyped curl that GETs the route learns it exists and takes POST only.
  router.all('/reports/ingest', (_req, res) => {
    res.setHeader('Allow', 'POST');
    res.status(405).set(JSON_HEADERS).json({ error: 'method not allowed; use POST', code: 'method_not_allowed' });
  });
  return router;
}

const ingestAccepted = {
  type: 'object',
  required: ['status', 'group_hash', 'stored_details'],
  properties: {
    status: { type: 'string', enum: ['accepted'] },
    group_hash: { type: 'string', pattern: '^[0-9a-f]{64}$' },
    stored_details: { type: 'boolean' },
    details_error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' } } },
  },
};

const reportIngestDocs: RouteDoc[] = [
  {
    method: 'post',
    path: '/reports/ingest',
    summary: 'Count one failure report (faynoSync wire format)',
    tag: 'reports',
    auth: 'report_key',
    body: reportInputSchema,
    headers: [{ name: 'X-Device-ID', required: true, description: `Anonymous device id, used for rate limits only and never stored: ${DEVICE_ID_RULE}` }],
    responses: {
      202: { description: 'Counted; details stored or, with details_error, refused', schema: ingestAccepted },
      400: errorResponse('Missing or invalid X-Device-ID, invalid JSON, or a missing/invalid field'),
      401: errorResponse('Missing or unknown report key'),
      403: errorResponse('Reports disabled for the app, or application.name is not the key\'s app'),
      413: errorResponse('Body over REPORTS_MAX_BODY_BYTES'),
      415: errorResponse('Body is not application/json'),
      429: errorResponse('A rate limit tripped; scope names it; Retry-After'),
      501: errorResponse('Transfer-Encoding other than chunked'),
      503: errorResponse('Repository unavailable; Retry-After'),
    },
  },
];

export const reportIngestModule: RouteModule<{ ingestion: ReportIngestion }, { reports: { enabled: boolean; maxBodyBytes: number } }> = {
  name: 'report-ingest',
  enabled: whenReportsEnabled,
  routes: ({ ingestion }, { reports }) => reportIngestRoutes(ingestion, reports.maxBodyBytes),
  docs: () => reportIngestDocs,
  corsPaths: ['/reports/ingest'],
};
