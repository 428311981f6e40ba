import { Router, type RequestHandler } from 'express';
import type { BeaconIntake } from '../../app/beacon-intake';
import { batchBeaconSchema, batchBodySchema, beaconQuerySchema, MAX_BATCH_BEACONS } from '../../domain/beacon';
import { DEVICE_ID_RULE } from '../../domain/device-id';
import { RateLimitedError } from '../../domain/errors';
import { sendError } from './error-handler';
import { readJsonBody } from './json-body';
import { errorResponse, type RouteDoc } from './openapi';
import { required, type RouteModule } from './route-module';

/** A batch of 1,000 beacons is about 200 KB; anything much bigger is refused unread. */
export const MAX_BATCH_BODY_BYTES = 512 * 1024;

/**
 * GET /telemetry/beacon answers 204 with no body whatever became of the beacon, as faynoSync does;
 * only the per-address limit answers 429. Mounted on the app itself, ahead of every router: it is
 * the hottest route, and each router it passes through is work every beacon pays for.
 */
export function beaconHandler(intake: BeaconIntake): RequestHandler {
  return async (req, res) => {
    try {
      await intake.beacon(req.ip, req.query, req.get('x-device-id'), req.headers.authorization);
    } catch (error) {
      // A flood from one address is made of 429s: answered here, not after a walk through every
      // router to the error handler. Anything else still goes there.
      if (!(error instanceof RateLimitedError)) throw error;
      sendError(res, error, 429);
      return;
    }
    res.writeHead(204);
    res.end();
  };
}

/** POST /telemetry/beacons, the relays' batch: the relay token is checked before the body is read. */
export function telemetryRoutes(intake: BeaconIntake): Router {
  const router = Router();
  router.post('/telemetry/beacons', async (req, res) => {
    const app = await intake.relayApp(req.headers.authorization);
    const body = await readJsonBody(req, MAX_BATCH_BODY_BYTES);
    const result = await intake.batch(app, body);
    res.status(202).json({ accepted: result.accepted, rejected: result.rejected });
  });
  return router;
}

const batchAnswer = {
  type: 'object',
  required: ['accepted', 'rejected'],
  properties: {
    accepted: { type: 'integer' },
    rejected: { type: 'array', items: { type: 'object', required: ['index', 'error'], properties: { index: { type: 'integer' }, error: { type: 'string' } } } },
  },
};

const beaconDocs: RouteDoc[] = [
  {
    method: 'get',
    path: '/telemetry/beacon',
    summary: 'Update-check beacon (faynoSync wire format): counts the device as active in its cell',
    tag: 'telemetry',
    auth: 'none',
    query: beaconQuerySchema,
    headers: [
      { name: 'X-Device-ID', required: true, description: `Anonymous device id; never stored, only counted in HyperLogLog sketches: ${DEVICE_ID_RULE} (otherwise 204, not counted)` },
      { name: 'Authorization', required: false, description: 'Bearer rpk_…: identifies the app instead of owner and app_name' },
    ],
    responses: {
      204: { description: 'Always, counted or not (see telltale_beacons_total{outcome} and refused_beacons in GET /rollouts/rates)' },
      429: errorResponse('Over TELEMETRY_RATE_LIMIT_PER_IP beacons per TELEMETRY_RATE_LIMIT_WINDOW_S from one address (an IPv6 /64); Retry-After'),
    },
  },
];

const batchDocs: RouteDoc[] = [
  {
    method: 'post',
    path: '/telemetry/beacons',
    summary: `A relay's batch of up to ${MAX_BATCH_BEACONS} beacons, dated within the last 48 hours`,
    tag: 'telemetry',
    auth: 'relay_token',
    body: { ...batchBodySchema, properties: { beacons: { ...batchBodySchema.properties.beacons, items: batchBeaconSchema } } },
    responses: {
      202: { description: 'How many were counted, and why the others were not (invalid, or over the daily cell cap or the pending-sketch bound)', schema: batchAnswer },
      400: errorResponse('Invalid JSON, or not {beacons: [...]} of 1 to 1,000'),
      401: errorResponse('No relay token (relay_token_required; the report key is refused too), or an unknown or revoked one (invalid_relay_token)'),
      403: errorResponse("Reports disabled for the token's app"),
      413: errorResponse('Body too large'),
      429: errorResponse('REPORTS_RATE_LIMIT_PER_KEY_PER_MINUTE batches per app; Retry-After'),
      503: errorResponse('Sketch store unavailable; Retry-After'),
    },
  },
];

/** Null when TELEMETRY_ENABLED=false. */
type BeaconParts = { beacons: BeaconIntake | null };

export const beaconModule: RouteModule<BeaconParts> = {
  name: 'beacon',
  enabled: (_settings, { beacons }) => beacons !== null,
  routes: ({ beacons }) => ({ method: 'get', path: '/telemetry/beacon', handler: beaconHandler(required(beacons, 'beacons')) }),
  docs: () => beaconDocs,
};

export const beaconBatchModule: RouteModule<BeaconParts> = {
  name: 'beacon-batch',
  enabled: (_settings, { beacons }) => beacons !== null,
  routes: ({ beacons }) => telemetryRoutes(required(beacons, 'beacons')),
  docs: () => batchDocs,
};
