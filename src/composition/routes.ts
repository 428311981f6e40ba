import { appsModule } from '../adapters/http/apps-routes';
import { authModule } from '../adapters/http/auth-routes';
import { dashboardModule } from '../adapters/http/dashboard-routes';
import { logsModule } from '../adapters/http/logs-routes';
import { buildOpenApiDocument } from '../adapters/http/openapi';
import { metricsModule, openApiModule, opsModule, type OpsOptions } from '../adapters/http/ops-routes';
import { reportIngestModule } from '../adapters/http/report-ingest-routes';
import { relayTokensModule } from '../adapters/http/relay-token-routes';
import { reportsReadModule } from '../adapters/http/reports-read-routes';
import { rolloutRatesModule } from '../adapters/http/rollouts-routes';
import type { RouteModule } from '../adapters/http/route-module';
import { beaconBatchModule, beaconModule } from '../adapters/http/telemetry-routes';
import { usersModule } from '../adapters/http/users-routes';
import { rolloutHealthModule, webhooksModule } from '../adapters/http/verdict-routes';
import type { PromMetrics } from '../adapters/prometheus/prom-metrics';
import type { RedisConnection } from '../adapters/redis/redis-client';
import type { AppManagement } from '../app/app-management';
import type { BeaconIntake } from '../app/beacon-intake';
import type { Identity } from '../app/identity';
import type { LogsIntake } from '../app/logs-intake';
import type { RelayTokens } from '../app/relay-tokens';
import type { ReportGroups } from '../app/report-groups';
import type { ReportIngestion } from '../app/report-ingestion';
import type { RolloutHealth } from '../app/rollout-health';
import type { RolloutRates } from '../app/rollout-rates';
import type { WebhookManagement } from '../app/webhook-management';
import type { Logger } from '../ports/logger';
import type { Metrics } from '../ports/metrics';
import type { TokenVerifier } from '../ports/token-verifier';
import type { Config } from './config';

/** Everything the route modules are built from; compose() fills it, tests swap a part (the verifier). */
export interface RouteParts {
  ingestion: ReportIngestion;
  /** Null when TELEMETRY_ENABLED=false. */
  beacons: BeaconIntake | null;
  ops: OpsOptions;
  /** Null when the service counts in memory (tests): no /metrics then. */
  promMetrics: PromMetrics | null;
  identity: Identity;
  /** Verifies bearer JWTs for every authenticated route. */
  tokenVerifier: TokenVerifier;
  /** Null when LOGS_ENABLED=false. */
  logsIntake: LogsIntake | null;
  metrics: Metrics;
  logger: Logger;
  redis: RedisConnection | null;
  apps: AppManagement;
  groups: ReportGroups;
  webhookManagement: WebhookManagement;
  rolloutHealth: RolloutHealth;
  rates: RolloutRates;
  relayTokens: RelayTokens;
}

/** What createApp hands the modules: the parts, and the document of the modules it mounts (built once they are chosen). */
export type MountParts = RouteParts & { openApiDocument: () => object };

export type ServiceRouteModule = RouteModule<MountParts, Readonly<Config>>;

/**
 * Every route of the service, in the order createApp mounts them. Each request walks the list
 * until a route matches, so the two hot routes come first: the beacon, a single GET on the app
 * (ingest pays one path test for it), then ingest. A new feature adds its module on one line.
 */
export const ROUTE_MODULES: readonly ServiceRouteModule[] = [
  beaconModule,
  reportIngestModule,
  beaconBatchModule,
  opsModule,
  metricsModule,
  openApiModule,
  authModule,
  usersModule,
  logsModule,
  appsModule,
  reportsReadModule,
  webhooksModule,
  relayTokensModule,
  rolloutHealthModule,
  rolloutRatesModule,
  dashboardModule,
];

export function enabledModules(modules: readonly ServiceRouteModule[], config: Readonly<Config>, parts: MountParts): ServiceRouteModule[] {
  return modules.filter((module) => module.enabled?.(config, parts) ?? true);
}

const VERSION: string = require('../../package.json').version;

/** The OpenAPI document of exactly the modules given. */
export function openApiDocument(modules: readonly ServiceRouteModule[], config: Readonly<Config>): object {
  return buildOpenApiDocument(
    modules.flatMap((module) => module.docs(config)),
    { version: VERSION },
  );
}
