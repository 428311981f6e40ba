// The OpenAPI 3.1 document is generated from the same JSON schemas ajv validates with, listed
// next to each router as RouteDoc entries (a route module's docs()), so the document can't drift
// from the code.

export type AuthScheme = 'none' | 'report_key' | 'relay_token' | 'jwt' | 'jwt_or_device' | 'metrics_token' | 'signed_url';

export interface RouteDoc {
  method: 'get' | 'post' | 'patch' | 'put' | 'delete';
  /** Express style, e.g. /reports/groups/:groupHash */
  path: string;
  summary: string;
  tag: string;
  auth: AuthScheme;
  /** JSON schema of the request body (the ajv one). */
  body?: object;
  /** JSON schema of the query: an object schema whose properties are the parameters. */
  query?: object;
  headers?: Array<{ name: string; required: boolean; description: string; schema?: object }>;
  responses: Record<number, { description: string; schema?: object }>;
}

export const errorSchema = {
  type: 'object',
  required: ['error', 'code'],
  properties: { error: { type: 'string' }, code: { type: 'string' } },
  additionalProperties: true,
} as const;

/** Building blocks of RouteDoc entries. */
export const errorResponse = (description: string) => ({ description, schema: errorSchema });
export const objectSchema = (required: string[], properties: Record<string, object>) => ({ type: 'object', required, properties });
export const JWT_ERRORS = {
  401: errorResponse('Missing, invalid or expired bearer token'),
  403: errorResponse('The caller lacks the permission this route needs'),
};

/** ajv's `nullable: true` is OpenAPI 3.0; 3.1 (JSON Schema 2020-12) spells it as a type union. */
export function toOpenApiSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toOpenApiSchema);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  const source = schema as Record<string, unknown>;
  for (const [key, value] of Object.entries(source)) {
    if (key === 'nullable') continue;
    if (key === 'properties' || key === 'patternProperties' || key === '$defs' || key === 'definitions') {
      out[key] = Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, toOpenApiSchema(v)]));
    } else {
      out[key] = toOpenApiSchema(value);
    }
  }
  if (source.nullable === true && typeof source.type === 'string' && source.type !== 'null') out.type = [source.type, 'null'];
  return out;
}

/** Every error body is the one shape, named once under components. */
const ERROR_REF = { $ref: '#/components/schemas/Error' };

const securityOf: Record<AuthScheme, Array<Record<string, string[]>>> = {
  none: [],
  report_key: [{ reportKey: [] }],
  relay_token: [{ relayToken: [] }],
  jwt: [{ bearerJwt: [] }],
  jwt_or_device: [{ bearerJwt: [] }, { deviceId: [] }],
  metrics_token: [{ metricsToken: [] }],
  signed_url: [],
};

export function openApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

export function buildOpenApiDocument(routes: readonly RouteDoc[], info: { version: string }): object {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = openApiPath(route.path);
    const parameters: unknown[] = [];
    for (const match of route.path.matchAll(/:([A-Za-z0-9_]+)/g)) {
      parameters.push({ name: match[1], in: 'path', required: true, schema: { type: 'string' } });
    }
    const query = route.query as { properties?: Record<string, object>; required?: readonly string[] } | undefined;
    // ajv marks optional parameters `nullable`, but a query string can't carry a null.
    for (const [name, { nullable: _optional, ...schema }] of Object.entries(query?.properties ?? {}) as Array<[string, { nullable?: boolean }]>) {
      parameters.push({ name, in: 'query', required: query?.required?.includes(name) ?? false, schema: toOpenApiSchema(schema) });
    }
    for (const header of route.headers ?? []) {
      parameters.push({ name: header.name, in: 'header', required: header.required, description: header.description, schema: header.schema ?? { type: 'string' } });
    }
    const responses: Record<string, unknown> = {};
    for (const [status, response] of Object.entries(route.responses)) {
      responses[status] = {
        description: response.description,
        ...(response.schema ? { content: { 'application/json': { schema: response.schema === errorSchema ? ERROR_REF : toOpenApiSchema(response.schema) } } } : {}),
      };
    }
    paths[path] ??= {};
    paths[path][route.method] = {
      summary: route.summary,
      tags: [route.tag],
      operationId: `${route.method}${path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      security: securityOf[route.auth],
      ...(parameters.length ? { parameters } : {}),
      ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: toOpenApiSchema(route.body) } } } } : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Telltale', version: info.version, description: 'Failure reports and client logs for app rollouts.' },
    paths,
    components: {
      securitySchemes: {
        reportKey: { type: 'http', scheme: 'bearer', description: 'A per-app report key, rpk_ followed by 64 hex digits' },
        relayToken: { type: 'http', scheme: 'bearer', description: 'A relay token an admin created for the app (POST /apps/{id}/relay-tokens): rlt_, 24 hex digits, _, 64 hex digits' },
        bearerJwt: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        deviceId: { type: 'apiKey', in: 'header', name: 'X-Device-Id', description: 'Anonymous device id (UUID v4)' },
        metricsToken: { type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN' },
      },
      schemas: { Error: errorSchema },
    },
  };
}
