import { Router, type Request } from 'express';
import type { AppManagement } from '../../app/app-management';
import type { TokenVerifier } from '../../ports/token-verifier';
import { authenticate, principalOf } from './authenticate';
import { bodyParser, queryParser } from './body-schema';
import { readJsonBody } from './json-body';
import { appToWire, keyToWire } from './views';
import {
  appCreateBodySchema,
  appPatchBodySchema,
  emptyQuerySchema,
  type CurrentRolloutWire,
  keyRegenerateBodySchema,
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
