import { Router } from 'express';
import type { JSONSchemaType } from 'ajv';
import type { Identity } from '../../app/identity';
import { PASSWORD_MAX_LENGTH } from '../../domain/password';
import { bodyParser } from './body-schema';
import { readJsonBody } from './json-body';
import { errorResponse, objectSchema, type RouteDoc } from './openapi';
import type { RouteModule } from './route-module';

export interface LoginBody {
  username: string;
  password: string;
  /** A team user's team: its admin's username. Absent or empty for admins (and team users from before team scopes). */
  team?: string;
}

export const LOGIN_BODY_SCHEMA: JSONSchemaType<LoginBody> = {
  type: 'object',
  properties: {
    username: { type: 'string', minLength: 1, maxLength: 64 },
    password: { type: 'string', minLength: 1, maxLength: PASSWORD_MAX_LENGTH },
    team: { type: 'string', maxLength: 64, nullable: true, description: "a team user's team: the username of the admin who created it; leave out as an admin" },
  },
  required: ['username', 'password'],
  additionalProperties: false,
};

const LOGIN_MAX_BODY_BYTES = 16 * 1024;

export function authRoutes(identity: Identity): Router {
  const router = Router();
  const validate = bodyParser(LOGIN_BODY_SCHEMA);
  router.post('/auth/login', async (req, res) => {
    const body = validate(await readJsonBody(req, LOGIN_MAX_BODY_BYTES));
    const team = body.team === undefined || body.team === '' ? undefined : body.team;
    const token = await identity.login(body.username, body.password, req.ip ?? req.socket.remoteAddress ?? 'unknown', team);
    res.setHeader('Cache-Control', 'no-store');
    res.json({ token });
  });
  return router;
}

const authDocs: RouteDoc[] = [
  {
    method: 'post',
    path: '/auth/login',
    summary: 'Sign in with username and password; a team user gives its team too (its admin\'s username)',
    tag: 'auth',
    auth: 'none',
    body: LOGIN_BODY_SCHEMA,
    responses: {
      200: { description: 'A bearer JWT', schema: objectSchema(['token'], { token: { type: 'string' } }) },
      400: errorResponse('Invalid body'),
      401: errorResponse('invalid credentials'),
      429: errorResponse('Too many sign-in attempts (scope login, login_ip or login_concurrency); Retry-After'),
      501: errorResponse('Sign-in disabled: tokens come from an external issuer (JWT_PUBLIC_KEY only)'),
      503: errorResponse('Too many sign-ins being checked at once; Retry-After'),
    },
  },
];

export const authModule: RouteModule<{ identity: Identity }> = {
  name: 'auth',
  routes: ({ identity }) => authRoutes(identity),
  docs: () => authDocs,
};
