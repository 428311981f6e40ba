import { Router } from 'express';
import type { RatesAnswer, RolloutRates } from '../../app/rollout-rates';
import { ValidationError } from '../../domain/errors';
import { EVENT_TYPES } from '../../domain/report';
import { REFUSAL_REASONS } from '../../ports/beacon-refusals';
import { parseRfc3339 } from '../../domain/rfc3339';
import type { CellField } from '../../domain/rollout-cell';
import type { TokenVerifier } from '../../ports/token-verifier';
import { authenticate, principalOf } from './authenticate';
import { queryParser } from './body-schema';
import { errorSchema, type RouteDoc } from './openapi';
import { ratesQuerySchema } from './read-api-schemas';

const parseRates = queryParser(ratesQuerySchema);

function dateParam(value: string | undefined, field: string): Date | undefined {
  if (value === undefined) return undefined;
  const date = parseRfc3339(value);
  if (date === null) throw new ValidationError(`query parameter ${field} must be an RFC 3339 date-time such as 2026-03-01T00:00:00Z`, 'invalid_value', { field });
  return date;
}

function groupByParam(value: string | undefined): CellField[] {
  if (value === undefined) return ['version'];
  const fields = value.split(',') as CellField[];
  if (new Set(fields).size !== fields.length) throw new ValidationError('invalid query parameter group_by: a dimension is repeated', 'invalid_value', { field: 'group_by' });
  return fields;
}

export function ratesToWire(answer: RatesAnswer) {
  return {
    app_id: answer.app.id,
    from: answer.from.toISOString(),
    to: answer.to.toISOString(),
    granularity: answer.granularity,
    group_by: answer.groupBy,
    cells: answer.cells,
    refused_beacons: { total: answer.refused.total, unattributed: answer.refused.unattributed, by_reason: answer.refused.byReason },
  };
}

export function rolloutsRoutes(rates: RolloutRates, verifier: TokenVerifier): Router {
  const router = Router();
  router.get('/rollouts/rates', authenticate(verifier), async (req, res) => {
    const q = parseRates(req.query);
    const answer = await rates.rates(principalOf(res), {
      app: q.app,
      from: dateParam(q.from, 'from'),
      to: dateParam(q.to, 'to'),
      filter: { version: q.version, channel: q.channel, platform: q.platform, arch: q.arch },
      groupBy: groupByParam(q.group_by),
      granularity: q.granularity,
    });
    res.json(ratesToWire(answer));
  });
  return router;
}

const interval = { type: 'object', required: ['rate', 'low', 'high'], properties: { rate: { type: 'number' }, low: { type: 'number' }, high: { type: 'number' } } };
const unmeasuredOr = {
  type: 'object',
  required: ['rate', 'low', 'high'],
  description: 'null rate and bounds with reason no_denominator when no client reported the denominator (from_version arrivals; first_run)',
  properties: { rate: { type: ['number', 'null'] }, low: { type: ['number', 'null'] }, high: { type: ['number', 'null'] }, reason: { type: 'string', enum: ['no_denominator'] } },
};
const count = { type: 'integer', minimum: 0 };

export const ratesAnswerSchema = {
  type: 'object',
  required: ['app_id', 'from', 'to', 'granularity', 'group_by', 'cells', 'refused_beacons'],
  properties: {
    app_id: { type: 'string' },
    from: { type: 'string', format: 'date-time' },
    to: { type: 'string', format: 'date-time' },
    granularity: { type: 'string', enum: ['day', 'hour'] },
    group_by: { type: 'array', items: { type: 'string' } },
    cells: {
      type: 'array',
      items: {
        type: 'object',
        required: ['suppressed', 'refused_beacons'],
        description: `The group_by fields, then: suppressed (fewer active device-days than ROLLOUT_MIN_DEVICES: no counts or rates are shown), or the counts and 95% Wilson intervals; and refused_beacons`,
        properties: {
          version: { type: 'string' },
          channel: { type: 'string' },
          platform: { type: 'string' },
          arch: { type: 'string' },
          suppressed: { type: 'boolean' },
          active_device_days: count,
          share: { type: 'number', minimum: 0, maximum: 1 },
          affected: { type: 'object', properties: Object.fromEntries(EVENT_TYPES.map((t) => [t, count])) },
          rates: { type: 'object', properties: { crash: interval, crash_free: interval, update_failure: unmeasuredOr, install_failure: unmeasuredOr } },
          refused_beacons: {
            ...count,
            description: 'Beacons (and reports) of these cells in the window whose device was not counted: over the per-address limit, or pending sketches full. Not 0: the device counts are short',
          },
        },
      },
    },
    refused_beacons: {
      type: 'object',
      required: ['total', 'unattributed', 'by_reason'],
      description: 'Refused beacons of the app in the window: those of the cells shown, plus those that no cell could take',
      properties: {
        total: count,
        unattributed: { ...count, description: 'Not in any cell: a new cell over ROLLOUT_MAX_CELLS_PER_APP_PER_DAY, or refused before its cell was known that day' },
        by_reason: {
          type: 'object',
          required: [...REFUSAL_REASONS],
          properties: Object.fromEntries(REFUSAL_REASONS.map((r) => [r, count])),
          description: 'ip_limit: over the per-address beacon limit; cell_cap: a new cell over the daily cap; pending_cap: pending sketches over ROLLOUT_MAX_PENDING_BYTES',
        },
      },
    },
  },
};

export const rolloutsDocs: RouteDoc[] = [
  {
    method: 'get',
    path: '/rollouts/rates',
    summary: 'Active device-days and failure rates with 95% Wilson intervals, per version (or other dimensions)',
    tag: 'rollouts',
    auth: 'jwt',
    query: ratesQuerySchema,
    responses: {
      200: { description: 'Rates per group of cells', schema: ratesAnswerSchema },
      400: { description: 'An unknown, repeated or invalid query parameter, named', schema: errorSchema },
      401: { description: 'Missing, invalid or expired bearer token', schema: errorSchema },
      403: { description: 'The caller lacks apps.download', schema: errorSchema },
      404: { description: 'No such app in reach', schema: errorSchema },
    },
  },
];
