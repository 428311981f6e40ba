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
}

export const LOGIN_BODY_SCHEMA: JSONSchemaType<LoginBody> = {
  type: 'object',
  properties: {
    username: { type: 'string', minLength: 1, maxLength: 64 },
    password: { type: 'string', minLength: 1, maxLength: PASSWORD_MAX_LENGTH },
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
    const token = await identity.login(body.username, body.password, req.ip ?? req.socket.remoteAddress ?? 'unknown');
    res.setHeader('Cache-Control', 'no-store');
    res.json({ token });
  });
  return router;
}

const authDocs: RouteDoc[] = [
  {
    method: 'post',
    path: '/auth/login',
    summary: 'Sign in with username and password',
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
