import { Router, type RequestHandler } from 'express';
import type { JSONSchemaType } from 'ajv';
import { accountView, DEFAULT_TEAM_USER_PERMISSIONS, type Identity } from '../../app/identity';
import { isAdmin, type AppPermissions } from '../../domain/access';
import { NO_APP_PERMISSIONS } from '../../domain/account';
import { ForbiddenError } from '../../domain/errors';
import { PASSWORD_MAX_LENGTH } from '../../domain/password';
import type { TokenVerifier } from '../../ports/token-verifier';
import { authenticate, principalOf } from './authenticate';
import { bodyParser } from './body-schema';
import { readJsonBody } from './json-body';
import { errorResponse, JWT_ERRORS, objectSchema, type RouteDoc } from './openapi';
import type { RouteModule } from './route-module';

interface PermissionsBody {
  apps: Partial<AppPermissions>;
}

export interface CreateUserBody {
  username: string;
  password: string;
  /** Omitted: download only. Given: every permission not set true is false. */
  permissions?: PermissionsBody;
  allowed_apps?: string[];
}

export interface UpdateUserBody {
  username?: string;
  password?: string;
  /** Merged into the current permissions. */
  permissions?: PermissionsBody;
  /** Replaces the list. */
  allowed_apps?: string[];
}

const flag = { type: 'boolean', nullable: true } as const;
const permissionsSchema: JSONSchemaType<PermissionsBody> = {
  type: 'object',
  properties: {
    apps: {
      type: 'object',
      properties: { create: flag, edit: flag, delete: flag, download: flag },
      required: [],
      additionalProperties: false,
    },
  },
  required: ['apps'],
  additionalProperties: false,
};
// Formats are checked by the domain (checkUsername, checkPasswordPolicy); these bound the sizes.
const username = { type: 'string', minLength: 1, maxLength: 64 } as const;
const password = { type: 'string', minLength: 1, maxLength: PASSWORD_MAX_LENGTH } as const;
const allowedApps = { type: 'array', items: { type: 'string', minLength: 1, maxLength: 128 }, maxItems: 1000, nullable: true } as const;

export const CREATE_USER_BODY_SCHEMA: JSONSchemaType<CreateUserBody> = {
  type: 'object',
  properties: { username, password, permissions: { ...permissionsSchema, nullable: true }, allowed_apps: allowedApps },
  required: ['username', 'password'],
  additionalProperties: false,
};

export const UPDATE_USER_BODY_SCHEMA: JSONSchemaType<UpdateUserBody> = {
  type: 'object',
  properties: {
    username: { ...username, nullable: true },
    password: { ...password, nullable: true },
    permissions: { ...permissionsSchema, nullable: true },
    allowed_apps: allowedApps,
  },
  required: [],
  minProperties: 1,
  additionalProperties: false,
};

const USERS_MAX_BODY_BYTES = 64 * 1024;

const adminOnly: RequestHandler = (_req, res, next) => {
  if (!isAdmin(principalOf(res))) throw new ForbiddenError('only an admin may manage team users', 'admin_required');
  next();
};

/** Team users of the calling admin; another admin's users answer 404. */
export function usersRoutes(identity: Identity, verifier: TokenVerifier): Router {
  const router = Router();
  const guard = [authenticate(verifier), adminOnly];
  const validateCreate = bodyParser(CREATE_USER_BODY_SCHEMA);
  const validateUpdate = bodyParser(UPDATE_USER_BODY_SCHEMA);
  const adminId = (res: { locals: Record<string, unknown> }) => principalOf(res).id;

  router.post('/users', ...guard, async (req, res) => {
    const body = validateCreate(await readJsonBody(req, USERS_MAX_BODY_BYTES));
    const user = await identity.createTeamUser(adminId(res), {
      username: body.username,
      password: body.password,
      permissions: body.permissions ? { ...NO_APP_PERMISSIONS, ...definedFlags(body.permissions.apps) } : { ...DEFAULT_TEAM_USER_PERMISSIONS },
      allowedApps: body.allowed_apps ?? [],
    });
    res.status(201).json(accountView(user));
  });

  router.get('/users', ...guard, async (_req, res) => {
    const users = await identity.listTeamUsers(adminId(res));
    res.json({ items: users.map(accountView) });
  });

  router.get('/users/:id', ...guard, async (req, res) => {
    res.json(accountView(await identity.getTeamUser(adminId(res), req.params.id as string)));
  });

  router.patch('/users/:id', ...guard, async (req, res) => {
    const body = validateUpdate(await readJsonBody(req, USERS_MAX_BODY_BYTES));
    const user = await identity.updateTeamUser(adminId(res), req.params.id as string, {
      username: body.username ?? undefined,
      password: body.password ?? undefined,
      permissions: body.permissions ? definedFlags(body.permissions.apps) : undefined,
      allowedApps: body.allowed_apps ?? undefined,
    });
    res.json(accountView(user));
  });

  router.delete('/users/:id', ...guard, async (req, res) => {
    await identity.deleteTeamUser(adminId(res), req.params.id as string);
    res.status(204).end();
  });

  return router;
}

// JSONSchemaType needs `nullable` on optional fields, so a client may send null: treat it as absent.
function definedFlags(apps: Partial<AppPermissions>): Partial<AppPermissions> {
  return Object.fromEntries(Object.entries(apps).filter(([, value]) => typeof value === 'boolean'));
}

const account = objectSchema(['id', 'username', 'role'], {
  id: { type: 'string' },
  username: { type: 'string' },
  role: { type: 'string', enum: ['admin', 'user'] },
  permissions: { type: 'object' },
  allowed_apps: { type: 'array', items: { type: 'string' } },
});
const noSuchUser = { 404: errorResponse('No such user of this admin') };

const usersDocs: RouteDoc[] = [
  { method: 'post', path: '/users', summary: 'Create a team user under the calling admin', tag: 'users', auth: 'jwt', body: CREATE_USER_BODY_SCHEMA, responses: { 201: { description: 'Created', schema: account }, 400: errorResponse('Invalid body or unknown app'), 409: errorResponse('Username taken in this admin\'s team (usernames are unique per team: another team\'s, or an admin\'s, never clashes)'), ...JWT_ERRORS } },
  { method: 'get', path: '/users', summary: 'List the calling admin\'s team users', tag: 'users', auth: 'jwt', responses: { 200: { description: 'Team users', schema: objectSchema(['items'], { items: { type: 'array', items: account } }) }, ...JWT_ERRORS } },
  { method: 'get', path: '/users/:id', summary: 'One team user', tag: 'users', auth: 'jwt', responses: { 200: { description: 'Team user', schema: account }, ...noSuchUser, ...JWT_ERRORS } },
  { method: 'patch', path: '/users/:id', summary: 'Change a team user', tag: 'users', auth: 'jwt', body: UPDATE_USER_BODY_SCHEMA, responses: { 200: { description: 'Updated', schema: account }, 400: errorResponse('Invalid body'), ...noSuchUser, 409: errorResponse('Username taken in this admin\'s team'), ...JWT_ERRORS } },
  { method: 'delete', path: '/users/:id', summary: 'Delete a team user', tag: 'users', auth: 'jwt', responses: { 204: { description: 'Deleted' }, ...noSuchUser, ...JWT_ERRORS } },
];

export const usersModule: RouteModule<{ identity: Identity; tokenVerifier: TokenVerifier }> = {
  name: 'users',
  routes: ({ identity, tokenVerifier }) => usersRoutes(identity, tokenVerifier),
  docs: () => usersDocs,
};
