import { Router } from 'express';
import type { ReportIngestion } from '../../app/report-ingestion';
import { readJsonBody } from './json-body';

export function reportIngestRoutes(ingestion: ReportIngestion, maxBodyBytes: number): Router {
  const router = Router();
  router.post('/reports/ingest', async (req, res) => {
    const ticket = await ingestion.authorize(req.headers.authorization, req.get('x-device-id'));
    const body = await readJsonBody(req, maxBodyBytes);
    const result = await ingestion.ingest(ticket, body);
    res.status(202).json({
      status: 'accepted',
      group_hash: result.groupHash,
      stored_details: result.storedDetails,
      ...(result.detailsError ? { details_error: result.detailsError } : {}),
    });
  });
  return router;
}
