import type { RouteModule } from './route-module';
import type { JSONSchemaType } from 'ajv';
import { Router, type Request } from 'express';
import type { RelayTokens } from '../../app/relay-tokens';
import { MAX_RELAY_TOKENS_PER_APP, RELAY_TOKEN_NAME_MAX_LENGTH, relayTokenHint } from '../../domain/relay-token';
import type { RelayToken } from '../../ports/relay-token-store';
import type { TokenVerifier } from '../../ports/token-verifier';
import { authenticate, principalOf } from './authenticate';
import { bodyParser, queryParser } from './body-schema';
import { readJsonBody } from './json-body';
import { errorSchema, type RouteDoc } from './openapi';
import { emptyQuerySchema, itemsSchema, MAX_ADMIN_BODY_BYTES } from './read-api-schemas';

export interface RelayTokenCreateBody {
  name: string;
}

export const relayTokenCreateBodySchema: JSONSchemaType<RelayTokenCreateBody> = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: { name: { type: 'string', minLength: 1, maxLength: RELAY_TOKEN_NAME_MAX_LENGTH, description: 'which relay holds it, e.g. "eu-relay-1"' } },
};

export interface RelayTokenWire {
  id: string;
  app_id: string;
  name: string;
  hint: string;
  created_at: string;
}

const relayTokenProperties = {
  id: { type: 'string' },
  app_id: { type: 'string' },
  name: { type: 'string' },
  hint: { type: 'string', description: 'rlt_<id>_… and the last four characters: enough to recognise the token, never the token' },
  created_at: { type: 'string', format: 'date-time' },
} as const;

export const relayTokenSchema: JSONSchemaType<RelayTokenWire> = {
  type: 'object',
  required: ['id', 'app_id', 'name', 'hint', 'created_at'],
  properties: relayTokenProperties,
};

export const relayTokenCreatedSchema: JSONSchemaType<RelayTokenWire & { token: string }> = {
  type: 'object',
  required: ['id', 'app_id', 'name', 'hint', 'created_at', 'token'],
  properties: { ...relayTokenProperties, token: { type: 'string', description: 'rlt_…, for Authorization: Bearer on POST /telemetry/beacons; only in this answer, stored only as its SHA-256' } },
};

export const relayTokenToWire = (t: RelayToken): RelayTokenWire => ({
  id: t.id,
  app_id: t.appId,
  name: t.name,
  hint: relayTokenHint(t.id, t.lastFour),
  created_at: t.createdAt.toISOString(),
});

const parseNoQuery = queryParser(emptyQuerySchema);
const parseCreate = bodyParser(relayTokenCreateBodySchema);
const appIdOf = (req: Request) => String(req.params.id);

/** Relay tokens of an app, for its admin only (POST /telemetry/beacons takes them). */
export function relayTokenRoutes(tokens: RelayTokens, verifier: TokenVerifier): Router {
  const router = Router();
  const auth = authenticate(verifier);

  router.post('/apps/:id/relay-tokens', auth, async (req, res) => {
    parseNoQuery(req.query);
    const body = parseCreate(await readJsonBody(req, MAX_ADMIN_BODY_BYTES));
    const { record, token } = await tokens.create(principalOf(res), appIdOf(req), body.name);
    // The only time the token leaves the service.
    res.status(201).json({ ...relayTokenToWire(record), token });
  });

  router.get('/apps/:id/relay-tokens', auth, async (req, res) => {
    parseNoQuery(req.query);
    res.json({ items: (await tokens.list(principalOf(res), appIdOf(req))).map(relayTokenToWire) });
  });

  router.delete('/apps/:id/relay-tokens/:tokenId', auth, async (req, res) => {
    parseNoQuery(req.query);
    await tokens.revoke(principalOf(res), appIdOf(req), String(req.params.tokenId));
    res.status(204).end();
  });

  return router;
}

const error = (description: string) => ({ description, schema: errorSchema });
const common = {
  401: error('Missing, invalid or expired bearer token'),
  403: error('Not an admin (admin_required): relay tokens are managed by the app\'s admin'),
  404: error('No such app in reach'),
};

export const relayTokenDocs: RouteDoc[] = [
  {
    method: 'post',
    path: '/apps/:id/relay-tokens',
    summary: 'Create a relay token for the app; the token is in this answer only',
    tag: 'relay-tokens',
    auth: 'jwt',
    query: emptyQuerySchema,
    body: relayTokenCreateBodySchema,
    responses: {
      201: { description: 'Created, with token', schema: relayTokenCreatedSchema },
      400: error(`Invalid body, or the app has ${MAX_RELAY_TOKENS_PER_APP} relay tokens already (too_many_relay_tokens)`),
      ...common,
    },
  },
  {
    method: 'get',
    path: '/apps/:id/relay-tokens',
    summary: "The app's relay tokens, oldest first (never the tokens themselves)",
    tag: 'relay-tokens',
    auth: 'jwt',
    query: emptyQuerySchema,
    responses: { 200: { description: 'Relay tokens', schema: itemsSchema(relayTokenSchema) }, ...common },
  },
  {
    method: 'delete',
    path: '/apps/:id/relay-tokens/:tokenId',
    summary: 'Revoke a relay token: its next batch is refused (401)',
    tag: 'relay-tokens',
    auth: 'jwt',
    query: emptyQuerySchema,
    responses: { 204: { description: 'Revoked' }, ...common, 404: error('No such app in reach, or no such token of the app') },
  },
];

export const relayTokensModule: RouteModule<{ relayTokens: RelayTokens; tokenVerifier: TokenVerifier }> = {
  name: 'relay-tokens',
  routes: ({ relayTokens, tokenVerifier }) => relayTokenRoutes(relayTokens, tokenVerifier),
  docs: () => relayTokenDocs,
};
