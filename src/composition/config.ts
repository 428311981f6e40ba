import { readFileSync } from 'node:fs';
import { parseClusterNodes, type ClusterNode } from '../adapters/redis/redis-client';
import { availableParallelism } from 'node:os';
import type { S3Settings } from '../adapters/s3/s3-blob-store';
import type { LogsSettings } from '../app/logs-intake';
import type { ReportSettings } from '../app/report-ingestion';
import { DEFAULT_LOG_PLATFORMS } from '../domain/log-entry';

// Reads the environment once into a typed, frozen object. A bad value throws a ConfigError
// naming the variable, so a misconfigured service fails at startup and not on first use.
// Nothing else in the service reads process.env.

export class ConfigError extends Error {
  constructor(readonly variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

/** Adapters name the variable to fix at the start of their message ("S3_BUCKET_NAME_PRIVATE: …"). */
export function startupError(error: Error, fallbackVariable: string): ConfigError {
  const named = /^([A-Z][A-Z0-9_]*(?:\/[A-Z][A-Z0-9_]*)*): ([\s\S]*)$/.exec(error.message);
  return named ? new ConfigError(named[1]!, named[2]!) : new ConfigError(fallbackVariable, error.message);
}

export type RepositoryDriver = 'sqlite' | 'mongo' | 'memory';
export type StorageDriver = 'fs' | 's3' | 'memory';

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
  /** Base URL clients reach this service on; used in locally signed blob URLs. */
  publicBaseUrl: string;
  trustProxy: string | number | boolean;
  shutdownTimeoutMs: number;
  corsOrigins: string[];
  metricsToken: string | null;
  /** The built dashboard (index.html + assets/); null: the one `npm run build` writes to dist/web. */
  dashboardDir: string | null;

  reports: ReportSettings;

  repository: { driver: RepositoryDriver; mongoUrl: string | null; mongoDb: string };

  storage: {
    driver: StorageDriver;
    s3: S3Settings;
  };

  redisUrl: string | null;
  /** REDIS_CLUSTER_NODES; set only when REDIS_URL is not. */
  redisClusterNodes: ClusterNode[] | null;

  auth: {
    jwtSecret: string | null;
    jwtPublicKey: string | null;
    jwtIssuer: string | null;
    jwtAudience: string | null;
    tokenTtlSeconds: number;
    /** Tokens whose lifetime (exp − iat) is longer are refused, whoever signed them. */
    maxTokenTtlSeconds: number;
    loginRateLimitPerMinute: number;
    failedLoginsPerIpPerMinute: number;
    /** Password hashes (scrypt) running at once; sign-ins over it get 503 at once. */
    maxConcurrentHashes: number;
  };

  /** Accepted connections: at most `max` in all and `perIp` from one address (0: no per-address cap). */
  connections: { max: number; perIp: number };

  logs: LogsSettings;

  verdicts: {
    /** Seconds between rollout evaluations (one instance evaluates, under a lease). */
    evalIntervalSeconds: number;
    /** Milliseconds between rounds of the webhook delivery worker. */
    webhookDeliveryIntervalMs: number;
    webhookTimeoutMs: number;
    /** Lets webhooks reach loopback, private and link-local addresses (tests, on-premises receivers). */
    webhookAllowPrivate: boolean;
  };

  telemetry: { enabled: boolean; rateLimitPerIpPerMinute: number };

  rollouts: {
    minDevices: number;
    hourlyRetentionDays: number;
    dailyRetentionDays: number;
    flushIntervalMs: number;
    /** auto: Redis when REDIS_URL is set, else the repository's store; repository: always the latter. */
    sketchStore: 'auto' | 'repository';
  };
}

type Env = Record<string, string | undefined>;

const present = (env: Env, name: string): string | undefined => {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
};

function int(env: Env, name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const raw = present(env, name);
  if (raw === undefined) return fallback;
  if (!/^-?\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = present(env, name);
  if (raw === undefined) return fallback;
  const lower = raw.toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(lower)) return true;
  if (['false', '0', 'no', 'off'].includes(lower)) return false;
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = present(env, name);
  if (raw === undefined) return fallback;
  const lower = raw.toLowerCase() as T;
  if (!allowed.includes(lower)) throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${raw}"`);
  return lower;
}

/** A comma-separated list of short lowercase names; an empty list is refused. */
function list(env: Env, name: string, fallback: readonly string[]): string[] {
  const raw = present(env, name);
  if (raw === undefined) return [...fallback];
  const items = raw.split(',').map((s) => s.trim()).filter(Boolean);
  if (items.length === 0 || !items.every((item) => /^[a-z0-9_-]{1,32}$/.test(item))) {
    throw new ConfigError(name, 'must be a comma-separated list of lowercase names (a-z, 0-9, _ and -)');
  }
  return items;
}

function url(env: Env, name: string, protocols: string[]): string | null {
  const raw = present(env, name);
  if (raw === undefined) return null;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, 'is not a valid URL');
  }
  if (!protocols.includes(parsed.protocol)) throw new ConfigError(name, `must use ${protocols.join(' or ')}`);
  return raw;
}

/** The optional JSON file in the logs seed's shape: { "logs": { "enabled", "rateLimit", "validation", "appIntegrity" } }. */
interface LogsFile {
  enabled?: unknown;
  rateLimit?: { maxRequestsPerMinute?: unknown };
  validation?: { maxBatch?: unknown; maxMessageLength?: unknown; maxStackLength?: unknown; maxBodyBytes?: unknown };
  appIntegrity?: { enabled?: unknown };
  source?: unknown;
  destination?: unknown;
}

function readLogsFile(env: Env): LogsFile {
  const path = present(env, 'CONFIG_FILE');
  if (path === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError('CONFIG_FILE', `cannot read ${path}: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null) throw new ConfigError('CONFIG_FILE', 'must hold a JSON object');
  const logs = (parsed as { logs?: unknown }).logs;
  if (logs === undefined) return {};
  if (typeof logs !== 'object' || logs === null) throw new ConfigError('CONFIG_FILE', '"logs" must be an object');
  return logs as LogsFile;
}

/** The file's value becomes the default an environment variable may override. */
function fileDefault(value: unknown, name: string, kind: 'number' | 'boolean' | 'string'): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== kind) throw new ConfigError('CONFIG_FILE', `${name} must be a ${kind}`);
  return String(value);
}

const DEFAULT_SCRUB_KEYS = [
  'password',
  'passwd',
  'secret',
  'token',
  'api_key',
  'apikey',
  'authorization',
  'cookie',
  'session',
  'private_key',
];

export function loadConfig(env: Env = process.env): Readonly<Config> {
  const file = readLogsFile(env);
  const logsEnv: Env = {
    LOGS_ENABLED: fileDefault(file.enabled, 'logs.enabled', 'boolean'),
    LOGS_RATE_LIMIT_MAX_REQUESTS_PER_MINUTE: fileDefault(file.rateLimit?.maxRequestsPerMinute, 'logs.rateLimit.maxRequestsPerMinute', 'number'),
    LOGS_MAX_BATCH: fileDefault(file.validation?.maxBatch, 'logs.validation.maxBatch', 'number'),
    LOGS_MAX_MESSAGE_LENGTH: fileDefault(file.validation?.maxMessageLength, 'logs.validation.maxMessageLength', 'number'),
    LOGS_MAX_STACK_LENGTH: fileDefault(file.validation?.maxStackLength, 'logs.validation.maxStackLength', 'number'),
    LOGS_MAX_BODY_BYTES: fileDefault(file.validation?.maxBodyBytes, 'logs.validation.maxBodyBytes', 'number'),
    LOGS_APP_INTEGRITY_ENABLED: fileDefault(file.appIntegrity?.enabled, 'logs.appIntegrity.enabled', 'boolean'),
    LOGS_SOURCE: fileDefault(file.source, 'logs.source', 'string'),
    LOGS_DESTINATION: fileDefault(file.destination, 'logs.destination', 'string'),
  };
  for (const [name, value] of Object.entries(env)) if (name.startsWith('LOGS_') && present(env, name) !== undefined) logsEnv[name] = value;

  const repositoryDriver = oneOf(env, 'REPOSITORY_DRIVER', ['sqlite', 'mongo', 'memory'] as const, 'sqlite');
  const mongoUrl = url(env, 'MONGO_URL', ['mongodb:', 'mongodb+srv:']);
  if (repositoryDriver === 'mongo' && mongoUrl === null) throw new ConfigError('MONGO_URL', 'is required when REPOSITORY_DRIVER=mongo');

  // faynoSync names its S3 flavours; they all speak the same API to us.
  const rawStorage = oneOf(env, 'STORAGE_DRIVER', ['fs', 's3', 'aws', 'minio', 'digitalocean', 'memory'] as const, 'fs');
  const storageDriver: StorageDriver = rawStorage === 'fs' || rawStorage === 'memory' ? rawStorage : 's3';
  const bucket = present(env, 'S3_BUCKET_NAME_PRIVATE') ?? null;
  const accessKeyId = present(env, 'S3_ACCESS_KEY') ?? null;
  const secretAccessKey = present(env, 'S3_SECRET_KEY') ?? null;
  if (storageDriver === 's3') {
    if (bucket === null) throw new ConfigError('S3_BUCKET_NAME_PRIVATE', `is required when STORAGE_DRIVER=${rawStorage}`);
    if ((accessKeyId === null) !== (secretAccessKey === null)) {
      throw new ConfigError(accessKeyId === null ? 'S3_ACCESS_KEY' : 'S3_SECRET_KEY', 'S3_ACCESS_KEY and S3_SECRET_KEY go together');
    }
  }

  const jwtPublicKey = present(env, 'JWT_PUBLIC_KEY')?.replace(/\\n/g, '\n') ?? null;
  if (jwtPublicKey !== null && !jwtPublicKey.includes('-----BEGIN')) throw new ConfigError('JWT_PUBLIC_KEY', 'must be a PEM public key');
  const jwtSecret = present(env, 'JWT_SECRET') ?? null;
  if (jwtSecret !== null && jwtSecret.length < 32) throw new ConfigError('JWT_SECRET', 'must be at least 32 characters');

  const port = int(env, 'PORT', 8080, 0, 65535);
  const tokenTtlSeconds = int(env, 'JWT_TTL_SECONDS', 3600, 60, 30 * 24 * 3600);
  const maxTokenTtlSeconds = int(env, 'JWT_MAX_TTL_SECONDS', Math.max(30 * 24 * 3600, tokenTtlSeconds), 60, 10 * 365 * 24 * 3600);
  if (maxTokenTtlSeconds < tokenTtlSeconds) throw new ConfigError('JWT_MAX_TTL_SECONDS', `must be at least JWT_TTL_SECONDS (${tokenTtlSeconds})`);
  const trustProxyRaw = present(env, 'TRUST_PROXY');
  const trustProxy =
    trustProxyRaw === undefined ? false : /^\d+$/.test(trustProxyRaw) ? Number(trustProxyRaw) : trustProxyRaw === 'true' ? true : trustProxyRaw === 'false' ? false : trustProxyRaw;

  const config: Config = {
    host: present(env, 'HOST') ?? '0.0.0.0',
    port,
    dataDir: present(env, 'DATA_DIR') ?? './data',
    logLevel: oneOf(env, 'LOG_LEVEL', ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const, 'info'),
    publicBaseUrl: url(env, 'PUBLIC_BASE_URL', ['http:', 'https:']) ?? `http://localhost:${port}`,
    trustProxy,
    shutdownTimeoutMs: int(env, 'SHUTDOWN_TIMEOUT_MS', 10_000, 0, 600_000),
    corsOrigins: (present(env, 'CORS_ORIGINS') ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    metricsToken: present(env, 'METRICS_TOKEN') ?? null,
    dashboardDir: present(env, 'DASHBOARD_DIR') ?? null,
    reports: {
      enabled: bool(env, 'REPORTS_ENABLED', true),
      maxBodyBytes: int(env, 'REPORTS_MAX_BODY_BYTES', 262_144, 1024, 64 * 1024 * 1024),
      maxDetailsCompressedBytes: int(env, 'REPORTS_MAX_DETAILS_COMPRESSED_BYTES', 131_072, 1, 64 * 1024 * 1024),
      maxDetailsDecompressedBytes: int(env, 'REPORTS_MAX_DETAILS_DECOMPRESSED_BYTES', 1_048_576, 1, 256 * 1024 * 1024),
      blobRetentionDays: int(env, 'REPORTS_BLOB_RETENTION_DAYS', 30, 1, 3650),
      maxBlobsPerGroup: int(env, 'REPORTS_MAX_BLOBS_PER_GROUP', 10, 0, 10_000),
      storagePrefix: present(env, 'REPORTS_STORAGE_PREFIX') ?? 'reports',
      rateLimitPerKeyPerMinute: int(env, 'REPORTS_RATE_LIMIT_PER_KEY_PER_MINUTE', 100, 1),
      rateLimitPerGroupPerMinute: int(env, 'REPORTS_RATE_LIMIT_PER_GROUP_PER_MINUTE', 30, 1),
      rateLimitPerDeviceGroupPerHour: int(env, 'REPORTS_RATE_LIMIT_PER_DEVICE_GROUP_PER_HOUR', 1, 1),
      keyCacheTtlMs: int(env, 'REPORTS_KEY_CACHE_TTL_MS', 5_000, 0, 3_600_000),
      signedUrlTtlSeconds: int(env, 'REPORTS_SIGNED_URL_TTL_SECONDS', 900, 1, 7 * 24 * 3600),
      sweepIntervalMs: int(env, 'REPORTS_SWEEP_INTERVAL_MS', 3_600_000, 0),
      s3Lifecycle: bool(env, 'REPORTS_S3_LIFECYCLE', false),
    },
    repository: { driver: repositoryDriver, mongoUrl, mongoDb: present(env, 'MONGO_DB') ?? 'telltale' },
    storage: {
      driver: storageDriver,
      s3: {
        bucket,
        endpoint: url(env, 'S3_ENDPOINT', ['http:', 'https:']),
        publicEndpoint: url(env, 'S3_PUBLIC_ENDPOINT', ['http:', 'https:']),
        region: present(env, 'S3_REGION') ?? 'us-east-1',
        accessKeyId,
        secretAccessKey,
        forcePathStyle: bool(env, 'S3_FORCE_PATH_STYLE', rawStorage !== 'aws'),
        checksumMode: oneOf(env, 'S3_CHECKSUM_MODE', ['when_required', 'when_supported'] as const, 'when_required') === 'when_required' ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED',
      },
    },
    redisUrl: url(env, 'REDIS_URL', ['redis:', 'rediss:']),
    redisClusterNodes: clusterNodes(env),
    auth: {
      jwtSecret,
      jwtPublicKey,
      jwtIssuer: present(env, 'JWT_ISSUER') ?? null,
      jwtAudience: present(env, 'JWT_AUDIENCE') ?? null,
      tokenTtlSeconds,
      maxTokenTtlSeconds,
      loginRateLimitPerMinute: int(env, 'AUTH_LOGIN_RATE_LIMIT_PER_MINUTE', 10, 1),
      failedLoginsPerIpPerMinute: int(env, 'AUTH_FAILED_LOGINS_PER_IP_PER_MINUTE', 30, 1),
      // Half the cores, at least one: scrypt is CPU-bound, and the event loop needs a core of its own.
      maxConcurrentHashes: int(env, 'AUTH_MAX_CONCURRENT_HASHES', Math.max(1, Math.floor(availableParallelism() / 2)), 1, 64),
    },
    connections: {
      max: int(env, 'SERVER_MAX_CONNECTIONS', 4096, 1, 1_000_000),
      perIp: int(env, 'SERVER_MAX_CONNECTIONS_PER_IP', 256, 0, 1_000_000),
    },
    logs: {
      enabled: bool(logsEnv, 'LOGS_ENABLED', true),
      maxRequestsPerMinute: int(logsEnv, 'LOGS_RATE_LIMIT_MAX_REQUESTS_PER_MINUTE', 60, 1),
      maxRequestsPerIpPerMinute: int(logsEnv, 'LOGS_RATE_LIMIT_PER_IP_PER_MINUTE', 600, 1),
      maxBatch: int(logsEnv, 'LOGS_MAX_BATCH', 100, 1, 10_000),
      maxMessageLength: int(logsEnv, 'LOGS_MAX_MESSAGE_LENGTH', 2000, 1, 1_000_000),
      maxStackLength: int(logsEnv, 'LOGS_MAX_STACK_LENGTH', 5000, 1, 1_000_000),
      maxBodyBytes: int(logsEnv, 'LOGS_MAX_BODY_BYTES', 262_144, 1024, 64 * 1024 * 1024),
      appIntegrityEnabled: bool(logsEnv, 'LOGS_APP_INTEGRITY_ENABLED', false),
      source: present(logsEnv, 'LOGS_SOURCE') ?? 'client-app',
      destination: present(logsEnv, 'LOGS_DESTINATION') ?? 'stdout',
      platforms: list(logsEnv, 'LOGS_PLATFORMS', DEFAULT_LOG_PLATFORMS),
      scrubKeys: (present(logsEnv, 'LOGS_SCRUB_KEYS') ?? DEFAULT_SCRUB_KEYS.join(',')).split(',').map((s) => s.trim().toLowerCase()).filter(Boolean),
    },
    verdicts: {
      evalIntervalSeconds: int(env, 'ROLLOUT_EVAL_INTERVAL_S', 300, 1, 86_400),
      webhookDeliveryIntervalMs: int(env, 'WEBHOOK_DELIVERY_INTERVAL_MS', 2_000, 100, 3_600_000),
      webhookTimeoutMs: int(env, 'WEBHOOK_TIMEOUT_MS', 5_000, 100, 60_000),
      webhookAllowPrivate: bool(env, 'WEBHOOK_ALLOW_PRIVATE', false),
    },
    telemetry: {
      enabled: bool(env, 'TELEMETRY_ENABLED', true),
      rateLimitPerIpPerMinute: int(env, 'TELEMETRY_RATE_LIMIT_PER_IP_PER_MINUTE', 120, 1),
    },
    rollouts: {
      minDevices: int(env, 'ROLLOUT_MIN_DEVICES', 20, 1, 1_000_000),
      hourlyRetentionDays: int(env, 'ROLLOUT_HOURLY_RETENTION_DAYS', 7, 1, 90),
      dailyRetentionDays: int(env, 'ROLLOUT_DAILY_RETENTION_DAYS', 90, 1, 3650),
      flushIntervalMs: int(env, 'ROLLOUT_FLUSH_INTERVAL_MS', 1000, 10, 600_000),
      sketchStore: oneOf(env, 'ROLLOUT_SKETCH_STORE', ['auto', 'repository'] as const, 'auto'),
    },
  };
  return deepFreeze(config);
}

function deepFreeze<T>(value: T): Readonly<T> {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

function clusterNodes(env: Env): ClusterNode[] | null {
  const raw = present(env, 'REDIS_CLUSTER_NODES');
  if (raw === undefined) return null;
  if (present(env, 'REDIS_URL') !== undefined) throw new ConfigError('REDIS_CLUSTER_NODES', 'set either REDIS_URL or REDIS_CLUSTER_NODES, not both');
  try {
    return parseClusterNodes(raw);
  } catch (error) {
    throw new ConfigError('REDIS_CLUSTER_NODES', (error as Error).message.replace(/^REDIS_CLUSTER_NODES: /, ''));
  }
}
