import type { Router } from 'express';
import type { RedisConnection } from '../adapters/redis/redis-client';
import type { Logger } from '../ports/logger';
import type { Metrics } from '../ports/metrics';
import type { TokenVerifier } from '../ports/token-verifier';
import { authRoutes } from '../adapters/http/auth-routes';
import { DASHBOARD_DIST_DIR, dashboardDocs, dashboardRoutes } from '../adapters/http/dashboard-routes';
import { logsRoutes } from '../adapters/http/logs-routes';
import type { RouteDoc } from '../adapters/http/openapi';
import { appsDocs, authDocs, logsDocs, reportsReadDocs, usersDocs } from '../adapters/http/route-docs';
import { usersRoutes } from '../adapters/http/users-routes';
import { rolloutsDocs, rolloutsRoutes } from '../adapters/http/rollouts-routes';
import type { RolloutRates } from '../app/rollout-rates';
import type { Identity } from '../app/identity';
import type { LogsIntake } from '../app/logs-intake';
import { rolloutHealthRoutes, webhooksRoutes } from '../adapters/http/verdict-routes';
import { relayTokenDocs, relayTokenRoutes } from '../adapters/http/relay-token-routes';
import { rolloutHealthDocs, webhooksDocs } from '../adapters/http/verdict-route-docs';
import type { Config } from './config';
import type { Verdicts } from './verdicts';
import { readApiRouters, type ReadApiParts } from './read-api';
import { randomHex } from './secrets';

export interface RouteParts extends ReadApiParts {
  identity: Identity;
  tokenVerifier: TokenVerifier;
  logsIntake: LogsIntake | null;
  metrics: Metrics;
  logger: Logger;
  redis: RedisConnection | null;
  verdicts: Pick<Verdicts, 'webhookManagement' | 'rolloutHealth'>;
  /** Absent in tests that build the read API alone. */
  rates?: RolloutRates;
}

/**
 * Every router behind the ingest and ops routes, in the order createApp mounts them, with their
 * OpenAPI entries. The ingest and ops routes are createApp's own, since they go first.
 */
export function apiRoutes(config: Readonly<Config>, parts: RouteParts): { routers: Router[]; routeDocs: RouteDoc[] } {
  const { identity, tokenVerifier, logsIntake } = parts;
  const routers: Router[] = [
    authRoutes(identity),
    usersRoutes(identity, tokenVerifier),
    ...(logsIntake ? [logsRoutes({ intake: logsIntake, settings: config.logs, metrics: parts.metrics, logger: parts.logger, redis: parts.redis })] : []),
    ...readApiRouters({ ...parts, currentRollout: (appId) => parts.verdicts.rolloutHealth.worstCurrent(appId) }, tokenVerifier, randomHex),
    webhooksRoutes(parts.verdicts.webhookManagement, tokenVerifier),
    relayTokenRoutes(parts.relayTokens, tokenVerifier),
    rolloutHealthRoutes(parts.verdicts.rolloutHealth, tokenVerifier),
    ...(parts.rates ? [rolloutsRoutes(parts.rates, tokenVerifier)] : []),
    dashboardRoutes({ distDir: config.dashboardDir ?? DASHBOARD_DIST_DIR, verifier: tokenVerifier }),
  ];
  const routeDocs = [
    ...authDocs,
    ...usersDocs,
    ...appsDocs,
    ...(config.reports.enabled ? reportsReadDocs : []),
    ...(config.logs.enabled ? logsDocs(config.logs) : []),
    ...webhooksDocs,
    ...relayTokenDocs,
    ...rolloutHealthDocs,
    ...(parts.rates ? rolloutsDocs : []),
    ...dashboardDocs,
  ];
  return { routers, routeDocs };
}
