import { readFileSync } from 'node:fs';
import { CONFIG_FILE, CONFIG_TABLE, isVariable, variables, type DefaultContext, type Table, type ValuesOf, type Variable } from './config-table';

// Reads the environment once into a typed, frozen object, row by row from config-table.ts. A bad
// value throws a ConfigError naming the variable, so a misconfigured service fails at startup and
// not on first use. Nothing else in the service reads process.env.

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

export type Config = ValuesOf<typeof CONFIG_TABLE>;
export type RepositoryDriver = Config['repository']['driver'];
export type StorageDriver = Config['storage']['driver'];

type Env = Record<string, string | undefined>;

/** Where values come from: the environment first, then the CONFIG_FILE's JSON, then the row's default. */
interface Source {
  env: Env;
  file: object;
}

export function loadConfig(env: Env = process.env): Readonly<Config> {
  const source: Source = { env, file: readConfigFile(readVariable(CONFIG_FILE, { env, file: {} })) };
  const config = readTable(CONFIG_TABLE, source) as Config;
  checkRepository(config);
  checkStorage(config, env);
  checkRedis(config);
  checkTokenLifetimes(config);
  checkMetricsListen(config);
  return deepFreeze(config);
}

const present = (env: Env, name: string): string | undefined => {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
};

function readTable(table: Table, source: Source): Record<string, unknown> {
  return Object.fromEntries(Object.entries(table).map(([key, entry]) => [key, isVariable(entry) ? readVariable(entry, source) : readTable(entry, source)]));
}

function readVariable<T>(row: Variable<T>, source: Source): T {
  const raw = present(source.env, row.env);
  if (raw !== undefined) return parseAs(row, raw, (message) => new ConfigError(row.env, message));
  const given = row.file === undefined ? undefined : valueAt(source.file, row.file);
  if (given !== undefined) return fromFile(row, given);
  if (typeof row.default === 'function') {
    const compute = row.default as (from: DefaultContext) => T;
    return compute({ get: (other) => readVariable(other, source), raw: (name) => present(source.env, name) });
  }
  // A copy: the config is frozen, the table's defaults are not.
  return (Array.isArray(row.default) ? [...row.default] : row.default) as T;
}

function parseAs<T>(row: Variable<T>, raw: string, refusal: (message: string) => ConfigError): T {
  try {
    return row.format.parse(raw);
  } catch (error) {
    throw refusal((error as Error).message);
  }
}

function fromFile<T>(row: Variable<T>, given: unknown): T {
  const where = `${row.file} (for ${row.env})`;
  if (typeof given !== row.format.json) throw new ConfigError('CONFIG_FILE', `${where} must be a ${row.format.json}`);
  return parseAs(row, String(given), (message) => new ConfigError('CONFIG_FILE', `${where} ${message}`));
}

function valueAt(file: object, path: string): unknown {
  let value: unknown = file;
  for (const key of path.split('.')) value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  return value;
}

/** The optional JSON file in the logs seed's shape: { "logs": { "enabled", "rateLimit", "validation", "appIntegrity", … } }. */
function readConfigFile(path: string | null): object {
  if (path === null) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError('CONFIG_FILE', `cannot read ${path}: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null) throw new ConfigError('CONFIG_FILE', 'must hold a JSON object');
  const logs = (parsed as { logs?: unknown }).logs;
  if (logs !== undefined && (typeof logs !== 'object' || logs === null)) throw new ConfigError('CONFIG_FILE', '"logs" must be an object');
  return parsed;
}

function checkRepository(config: Config): void {
  if (config.repository.driver === 'mongo' && config.repository.mongoUrl === null) throw new ConfigError('MONGO_URL', 'is required when REPOSITORY_DRIVER=mongo');
}

function checkStorage(config: Config, env: Env): void {
  if (config.storage.driver !== 's3') return;
  const { bucket, accessKeyId, secretAccessKey } = config.storage.s3;
  if (bucket === null) throw new ConfigError('S3_BUCKET_NAME_PRIVATE', `is required when STORAGE_DRIVER=${present(env, 'STORAGE_DRIVER')}`);
  if ((accessKeyId === null) !== (secretAccessKey === null)) {
    throw new ConfigError(accessKeyId === null ? 'S3_ACCESS_KEY' : 'S3_SECRET_KEY', 'S3_ACCESS_KEY and S3_SECRET_KEY go together');
  }
}

function checkRedis(config: Config): void {
  if (config.redisUrl !== null && config.redisClusterNodes !== null) throw new ConfigError('REDIS_CLUSTER_NODES', 'set either REDIS_URL or REDIS_CLUSTER_NODES, not both');
}

function checkTokenLifetimes(config: Config): void {
  const { tokenTtlSeconds, maxTokenTtlSeconds } = config.auth;
  if (maxTokenTtlSeconds < tokenTtlSeconds) throw new ConfigError('JWT_MAX_TTL_SECONDS', `must be at least JWT_TTL_SECONDS (${tokenTtlSeconds})`);
}

function checkMetricsListen(config: Config): void {
  const metrics = config.metricsListen;
  if (metrics !== null && metrics.port !== 0 && metrics.port === config.port) throw new ConfigError('METRICS_LISTEN', `must use another port than PORT (${config.port}), or be off`);
}

function deepFreeze<T>(value: T): Readonly<T> {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** Prefixes only our variables use here: another variable that starts with one is most likely a typo. */
export const OWN_PREFIXES = ['REPORTS_', 'REPOSITORY_', 'MONGO_', 'STORAGE_', 'S3_', 'REDIS_', 'JWT_', 'AUTH_', 'SERVER_', 'SHUTDOWN_', 'CORS_', 'METRICS_', 'DASHBOARD_', 'LOGS_', 'TELEMETRY_', 'ROLLOUT_', 'WEBHOOK_'];

/**
 * Variables of our own tools that share a prefix, often set in the service's environment: the example
 * webhook receiver's secret (exported in the README's shell), the browser test's time budget.
 */
export const OUR_TOOLS_VARIABLES = ['WEBHOOK_SECRET', 'DASHBOARD_TIME_BUDGET_MS'];

// Kubernetes (and Docker's legacy links) set these for every service, e.g. REDIS_SERVICE_HOST and
// REDIS_PORT_6379_TCP for a service named redis: not ours, and not typos.
const SERVICE_LINK = /_(SERVICE_HOST|SERVICE_PORT(_\w+)?|PORT(_\d+_(TCP|UDP|SCTP)(_\w+)?)?)$/;

/**
 * One warning for each variable that looks meant for us but isn't one of ours: it shares one of
 * our prefixes, or is a letter or two away from one of our names (`PROT`). Each names the closest
 * known variable. Unknown variables never stop the service: the environment is shared.
 */
export function unknownVariables(env: Env): string[] {
  const known = variables().map((row) => row.env);
  const warnings: string[] = [];
  for (const name of Object.keys(env)) {
    if (known.includes(name) || OUR_TOOLS_VARIABLES.includes(name) || !/^[A-Z][A-Z0-9_]*$/.test(name) || SERVICE_LINK.test(name)) continue;
    const edits = name.length < 8 ? 1 : 2;
    // Names of very different lengths can't be that close: most of the environment is ruled out without counting.
    const nearMiss = known.some((candidate) => Math.abs(candidate.length - name.length) <= edits && editDistance(name, candidate, edits) <= edits);
    if (nearMiss || OWN_PREFIXES.some((prefix) => name.startsWith(prefix))) warnings.push(`unknown variable ${name}; did you mean ${closestOf(name, known)}?`);
  }
  return warnings;
}

/** The fewest edits away; but a name cut short (S3_BUCKET_NAME) or run on is closest to the one it is part of. */
function closestOf(name: string, known: readonly string[]): string {
  const related = known.filter((candidate) => candidate.startsWith(name) || name.startsWith(candidate));
  const pool = related.length > 0 ? related : known;
  return pool.reduce((best, candidate) => (editDistance(name, candidate) < editDistance(name, best) ? candidate : best));
}

/**
 * Levenshtein distance with adjacent transpositions counted as one edit (PROT → PORT is 1). Past
 * `limit` it stops counting and answers limit + 1: two whole rows over it can only grow.
 */
export function editDistance(a: string, b: string, limit = Infinity): number {
  // Three rows of the table suffice: a transposition looks two rows back.
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      let distance = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) distance = Math.min(distance, before[j - 2]! + 1);
      current.push(distance);
    }
    if (Math.min(...previous) > limit && Math.min(...current) > limit) return limit + 1;
    [before, previous] = [previous, current];
  }
  return previous[b.length]!;
}
