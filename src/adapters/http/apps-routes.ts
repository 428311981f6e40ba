import { Router, type Request } from 'express';
import type { AppManagement } from '../../app/app-management';
import type { RolloutHealth } from '../../app/rollout-health';
import type { TokenVerifier } from '../../ports/token-verifier';
import { authenticate, principalOf } from './authenticate';
import { bodyParser, queryParser } from './body-schema';
import { readJsonBody } from './json-body';
import { errorResponse, JWT_ERRORS, objectSchema, type RouteDoc } from './openapi';
import type { RouteModule } from './route-module';
import { appToWire, keyToWire } from './views';
import {
  appCreateBodySchema,
  appCreatedSchema,
  appPatchBodySchema,
  appSchema,
  emptyQuerySchema,
  appListItemSchema,
  type CurrentRolloutWire,
  itemsSchema,
  keyRegenerateBodySchema,
  keySchema,
  MAX_ADMIN_BODY_BYTES,
} from './read-api-schemas';

const parseNoQuery = queryParser(emptyQuerySchema);
const parseCreate = bodyParser(appCreateBodySchema);
const parsePatch = bodyParser(appPatchBodySchema);
const parseRegenerate = bodyParser(keyRegenerateBodySchema);

const idOf = (req: Request) => String(req.params.id);

/** The worst verdict among an app's current rollouts, for the app list (null: nothing rolling out). */
export type CurrentRollout = (appId: string) => Promise<CurrentRolloutWire | null>;

/** Apps and their report keys. Per-route authentication, like the read API. */
export function appsRoutes(apps: AppManagement, verifier: TokenVerifier, currentRollout: CurrentRollout = async () => null): Router {
  const router = Router();
  const auth = authenticate(verifier);

  router.post('/apps', auth, async (req, res) => {
    parseNoQuery(req.query);
    const body = parseCreate(await readJsonBody(req, MAX_ADMIN_BODY_BYTES));
    const { app, key } = await apps.create(principalOf(res), { name: body.name, reports: body.reports ?? true });
    res.status(201).json({ ...appToWire(app), report_key: key.key });
  });

  router.get('/apps', auth, async (req, res) => {
    parseNoQuery(req.query);
    const list = await apps.list(principalOf(res));
    res.json({ items: await Promise.all(list.map(async (app) => ({ ...appToWire(app), rollout: await currentRollout(app.id) }))) });
  });

  router.get('/apps/:id', auth, async (req, res) => {
    parseNoQuery(req.query);
    res.json(appToWire(await apps.get(principalOf(res), idOf(req))));
  });

  router.patch('/apps/:id', auth, async (req, res) => {
    parseNoQuery(req.query);
    const body = parsePatch(await readJsonBody(req, MAX_ADMIN_BODY_BYTES));
    res.json(appToWire(await apps.setReports(principalOf(res), idOf(req), body.reports)));
  });

  router.delete('/apps/:id', auth, async (req, res) => {
    parseNoQuery(req.query);
    await apps.delete(principalOf(res), idOf(req));
    res.json({ id: idOf(req), deleted: true });
  });

  router.get('/reports/keys', auth, async (req, res) => {
    parseNoQuery(req.query);
    const keys = await apps.keys(principalOf(res));
    res.json({ items: keys.map(({ app, key }) => keyToWire(app, key)) });
  });

  router.post('/reports/keys/regenerate', auth, async (req, res) => {
    parseNoQuery(req.query);
    const body = parseRegenerate(await readJsonBody(req, MAX_ADMIN_BODY_BYTES));
    const { app, key } = await apps.regenerateKey(principalOf(res), body.app_id);
    res.json(keyToWire(app, key));
  });

  return router;
}

const noSuchApp = { 404: errorResponse('No such app in reach') };

const appsDocs: RouteDoc[] = [
  { method: 'post', path: '/apps', summary: 'Create an app and its report key', tag: 'apps', auth: 'jwt', body: appCreateBodySchema, responses: { 201: { description: 'Created, with report_key', schema: appCreatedSchema }, 400: errorResponse('Invalid body'), 409: errorResponse('An app of that name exists in the account; details.app_id is its id'), ...JWT_ERRORS } },
  { method: 'get', path: '/apps', summary: 'The apps the caller may read', tag: 'apps', auth: 'jwt', responses: { 200: { description: 'Apps, each with its worst current rollout', schema: itemsSchema(appListItemSchema) }, ...JWT_ERRORS } },
  { method: 'get', path: '/apps/:id', summary: 'One app', tag: 'apps', auth: 'jwt', responses: { 200: { description: 'App', schema: appSchema }, ...noSuchApp, ...JWT_ERRORS } },
  { method: 'patch', path: '/apps/:id', summary: 'Turn reports on or off', tag: 'apps', auth: 'jwt', body: appPatchBodySchema, responses: { 200: { description: 'Updated', schema: appSchema }, 400: errorResponse('Invalid body'), ...noSuchApp, ...JWT_ERRORS } },
  { method: 'delete', path: '/apps/:id', summary: 'Delete an app with its key, groups and blobs', tag: 'apps', auth: 'jwt', responses: { 200: { description: 'Deleted', schema: objectSchema(['id', 'deleted'], { id: { type: 'string' }, deleted: { type: 'boolean' } }) }, ...noSuchApp, ...JWT_ERRORS } },
  { method: 'get', path: '/reports/keys', summary: 'Report keys of the caller\'s apps', tag: 'apps', auth: 'jwt', responses: { 200: { description: 'Keys', schema: itemsSchema(keySchema) }, ...JWT_ERRORS } },
  { method: 'post', path: '/reports/keys/regenerate', summary: 'Replace an app\'s report key; the old one stops working at once', tag: 'apps', auth: 'jwt', body: keyRegenerateBodySchema, responses: { 200: { description: 'The new key', schema: keySchema }, 400: errorResponse('Invalid body'), ...noSuchApp, ...JWT_ERRORS } },
];

export const appsModule: RouteModule<{ apps: AppManagement; tokenVerifier: TokenVerifier; rolloutHealth: Pick<RolloutHealth, 'worstCurrent'> }> = {
  name: 'apps',
  routes: ({ apps, tokenVerifier, rolloutHealth }) => appsRoutes(apps, tokenVerifier, (appId) => rolloutHealth.worstCurrent(appId)),
  docs: () => appsDocs,
};
