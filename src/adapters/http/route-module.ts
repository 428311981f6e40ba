import type { RequestHandler, Router } from 'express';
import type { RouteDoc } from './openapi';

/**
 * One route on the app itself rather than in a router: a request for another path then pays one
 * path test for it instead of a pass through a router. For the hottest route only (the beacon).
 */
export interface AppRoute {
  method: 'get' | 'post';
  path: string;
  handler: RequestHandler;
}

/**
 * One feature's HTTP surface: when this instance serves it, what it mounts, and the OpenAPI
 * operations of what it mounts, side by side in the feature's *-routes.ts file. The composition
 * root lists the modules once, in mount order (composition/routes.ts); createApp mounts the
 * enabled ones and builds /openapi.json from the same list, so a route and its documentation come
 * and go together. `Parts` is what the routes are built from (use cases, verifier …), `Settings`
 * the slice of the config the module reads; both are whatever the module names, no more.
 */
export interface RouteModule<Parts = unknown, Settings = unknown> {
  /** Names the module in test failures. */
  readonly name: string;
  /**
   * Absent: always served. When false, the module's paths answer the JSON 404 like any unknown
   * path, and the document leaves them out. routes() is called only for an enabled module.
   */
  readonly enabled?: (settings: Settings, parts: Parts) => boolean;
  /** Built once, at startup. */
  readonly routes: (parts: Parts, settings: Settings) => Router | AppRoute;
  /** Exactly the operations routes() registers, from the schemas its handlers validate with. */
  readonly docs: (settings: Settings) => readonly RouteDoc[];
  /** Paths a browser page on CORS_ORIGINS may call. */
  readonly corsPaths?: readonly string[];
}

/** For routes() of a module whose enabled() checked that the part is there. */
export function required<T>(part: T | null | undefined, name: string): T {
  if (part === null || part === undefined) throw new Error(`route module needs ${name}, which the composition did not provide`);
  return part;
}
