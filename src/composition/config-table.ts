import { availableParallelism } from 'node:os';
import { DEFAULT_LOG_PLATFORMS } from '../domain/log-entry';
import { bool, choice, clusterNodes, int, list, listenAddress, names, oneOf, optional, pem, secret, text, trustProxy, url, type Format, type ListenAddress } from './config-formats';

// Every variable Telltale reads, one row each, in the shape of the Config object it fills
// (convict's schema: {doc, format, env, default}). loadConfig reads this table, and the README's
// table and .env.example are generated from it (`npm run docs:config`), so adding a variable is
// adding a row here: its type flows into Config, its line into the docs.

/** The headings the README and .env.example group the variables under, in their order. */
export const SECTIONS = {
  server: 'Server',
  reports: 'Failure reports (POST /reports/ingest)',
  repository: 'Repository',
  storage: 'Detail blobs',
  redis: 'Redis',
  auth: 'Accounts and tokens',
  logs: 'Client logs (POST /api/v1/logs)',
  telemetry: 'Telemetry beacons (GET /telemetry/beacon, POST /telemetry/beacons)',
  rollouts: 'Rollout rates and verdicts',
  webhooks: 'Webhooks',
} as const;

export type Section = keyof typeof SECTIONS;

/** What a computed default may look at: another row's value, or another variable as it was given. */
export interface DefaultContext {
  get<V>(row: Variable<V>): V;
  raw(name: string): string | undefined;
}

export interface Variable<T> {
  /** The environment variable. */
  env: string;
  section: Section;
  /** One line, Markdown: the README's "meaning" column. */
  doc: string;
  format: Format<T>;
  /** The value when unset. A computed one is left unset in .env.example and needs `shown`. */
  default: NoInfer<T> | ((from: DefaultContext) => NoInfer<T>);
  /** The default as the README says it, when the constant alone would not say it right. */
  shown?: string;
  /** Where a CONFIG_FILE (the logs seed's JSON shape) may give the value; the environment wins over it. */
  file?: string;
}

export const variable = <T>(row: Variable<T>): Variable<T> => row;

/** The nested rows; a Config is the same shape with each row replaced by its value. */
export interface Table {
  [key: string]: Variable<unknown> | Table;
}

export type ValuesOf<T> = T extends Variable<infer V> ? V : { [K in keyof T]: ValuesOf<T[K]> };

export const isVariable = (entry: Variable<unknown> | Table): entry is Variable<unknown> => typeof entry.env === 'string' && 'format' in entry;

export const DEFAULT_THREADPOOL_SIZE = 16;

const DEFAULT_SCRUB_KEYS = ['password', 'passwd', 'secret', 'token', 'api_key', 'apikey', 'authorization', 'cookie', 'session', 'private_key'];

const MIB = 1024 * 1024;

const DEFAULT_METRICS_LISTEN: ListenAddress = { host: '127.0.0.1', port: 9464 };
const DAY_S = 24 * 3600;

const port = variable({ env: 'PORT', section: 'server', format: int(0, 65535), default: 8080, doc: 'listen port' });

const tokenTtl = variable({ env: 'JWT_TTL_SECONDS', section: 'auth', format: int(60, 30 * DAY_S), default: 3600, doc: 'life of tokens from `/auth/login`' });

const configFile = variable({
  env: 'CONFIG_FILE',
  section: 'logs',
  format: optional(text),
  default: null,
  doc: 'JSON file in the logs seed\'s shape, `{"logs":{…}}`, giving the `LOGS_*` values it has; the environment wins over it',
});

export const CONFIG_FILE = configFile;

export const CONFIG_TABLE = {
  host: variable({ env: 'HOST', section: 'server', format: text, default: '0.0.0.0', doc: 'listen address' }),
  port,
  dataDir: variable({ env: 'DATA_DIR', section: 'server', format: text, default: './data', doc: 'SQLite database, filesystem blobs, and generated secrets' }),
  logLevel: variable({ env: 'LOG_LEVEL', section: 'server', format: oneOf(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']), default: 'info', doc: 'service log level' }),
  publicBaseUrl: variable({
    env: 'PUBLIC_BASE_URL',
    section: 'server',
    format: url('http:', 'https:'),
    default: ({ get }) => `http://localhost:${get(port)}`,
    shown: '`http://localhost:$PORT`',
    doc: 'base of the signed download URLs of the `fs` blob store',
  }),
  trustProxy: variable({ env: 'TRUST_PROXY', section: 'server', format: trustProxy, default: false, doc: 'Express `trust proxy`; behind a load balancer `1` (one hop), so limits by IP see the client\'s address' }),
  shutdownTimeoutMs: variable({
    env: 'SHUTDOWN_TIMEOUT_MS',
    section: 'server',
    format: int(0, 600_000),
    default: 10_000,
    doc: 'the longest a shutdown takes: in-flight requests get it less a second, then connections are closed; at it the process exits (code 1, forced)',
  }),
  corsOrigins: variable({ env: 'CORS_ORIGINS', section: 'server', format: list(), default: [], doc: 'origins allowed to call the two ingest routes from a browser' }),
  metricsListen: variable<ListenAddress | null>({
    env: 'METRICS_LISTEN',
    section: 'server',
    format: listenAddress,
    default: DEFAULT_METRICS_LISTEN,
    doc: 'a listener of its own for Prometheus, serving `/metrics` only (Prometheus\' convention of a dedicated port); loopback unless changed, `0.0.0.0:9464` for a scraper in another container, `off` for none',
  }),
  metricsToken: variable({
    env: 'METRICS_TOKEN',
    section: 'server',
    format: optional(text),
    default: null,
    doc: 'when set, `/metrics` is also served on `PORT`, and needs `Authorization: Bearer <token>` on both listeners; unset, `PORT` has no `/metrics`',
  }),
  dashboardDir: variable({
    env: 'DASHBOARD_DIR',
    section: 'server',
    format: optional(text),
    default: null,
    shown: '`dist/web` of the install',
    doc: 'the built dashboard served at `/` (`npm run build` writes it)',
  }),
  threadpoolSize: variable({
    env: 'UV_THREADPOOL_SIZE',
    section: 'server',
    format: int(1, 1024),
    default: DEFAULT_THREADPOOL_SIZE,
    doc: 'libuv threads shared by fs blob writes, zlib, DNS and password hashing; Node reads it before `.env` is, so set it in the real environment',
  }),
  connections: {
    max: variable({
      env: 'SERVER_MAX_CONNECTIONS',
      section: 'server',
      format: int(1, 1_000_000),
      default: 4096,
      doc: 'open connections in all; past it the oldest idle one (no request in flight) is closed to let a new one in, and a new one is refused only when all are busy; keep it above the listen backlog (511)',
    }),
    perIp: variable({
      env: 'SERVER_MAX_CONNECTIONS_PER_IP',
      section: 'server',
      format: int(0, 1_000_000),
      default: 256,
      doc: 'open connections from one address (an IPv6 /64), excess closed at once (`0`: off; raise or turn off behind a load balancer, whose connections all come from its own address)',
    }),
    firstRequestTimeoutMs: variable({
      env: 'SERVER_HEADERS_TIMEOUT_MS',
      section: 'server',
      format: int(1000, 120_000),
      default: 10_000,
      doc: 'a connection must send whole request headers within this; a silent one is closed then (Node alone never closes it)',
    }),
  },

  reports: {
    enabled: variable({ env: 'REPORTS_ENABLED', section: 'reports', format: bool, default: true, doc: '`false`: neither the ingest route nor the reports read API is registered (404)' }),
    maxBodyBytes: variable({ env: 'REPORTS_MAX_BODY_BYTES', section: 'reports', format: int(1024, 64 * MIB), default: 262_144, doc: 'ingest body cap (413)' }),
    maxDetailsCompressedBytes: variable({ env: 'REPORTS_MAX_DETAILS_COMPRESSED_BYTES', section: 'reports', format: int(1, 64 * MIB), default: 131_072, doc: 'details cap before inflating' }),
    maxDetailsDecompressedBytes: variable({ env: 'REPORTS_MAX_DETAILS_DECOMPRESSED_BYTES', section: 'reports', format: int(1, 256 * MIB), default: 1_048_576, doc: 'hard inflate cap' }),
    blobRetentionDays: variable({ env: 'REPORTS_BLOB_RETENTION_DAYS', section: 'reports', format: int(1, 3650), default: 30, doc: 'details expire this long after they were stored' }),
    maxBlobsPerGroup: variable({ env: 'REPORTS_MAX_BLOBS_PER_GROUP', section: 'reports', format: int(0, 10_000), default: 10, doc: 'newest details kept per group' }),
    storagePrefix: variable({ env: 'REPORTS_STORAGE_PREFIX', section: 'reports', format: text, default: 'reports', doc: 'object key prefix' }),
    rateLimitPerKeyPerMinute: variable({ env: 'REPORTS_RATE_LIMIT_PER_KEY_PER_MINUTE', section: 'reports', format: int(1), default: 100, doc: 'per report key' }),
    rateLimitPerGroupPerMinute: variable({ env: 'REPORTS_RATE_LIMIT_PER_GROUP_PER_MINUTE', section: 'reports', format: int(1), default: 30, doc: 'per (app, group)' }),
    rateLimitPerDeviceGroupPerHour: variable({ env: 'REPORTS_RATE_LIMIT_PER_DEVICE_GROUP_PER_HOUR', section: 'reports', format: int(1), default: 1, doc: 'per (app, device, group): the dedup' }),
    keyCacheTtlMs: variable({
      env: 'REPORTS_KEY_CACHE_TTL_MS',
      section: 'reports',
      format: int(0, 3_600_000),
      default: 5_000,
      doc: 'in-process cache of key → app; changes made through this instance apply at once',
    }),
    signedUrlTtlSeconds: variable({ env: 'REPORTS_SIGNED_URL_TTL_SECONDS', section: 'reports', format: int(1, 7 * DAY_S), default: 900, doc: 'life of a blob download URL' }),
    sweepIntervalMs: variable({ env: 'REPORTS_SWEEP_INTERVAL_MS', section: 'reports', format: int(0), default: 3_600_000, doc: 'retention sweep interval (`0`: off)' }),
    s3Lifecycle: variable({ env: 'REPORTS_S3_LIFECYCLE', section: 'reports', format: bool, default: false, doc: 'also put an S3 lifecycle rule expiring objects under the prefix' }),
  },

  repository: {
    driver: variable({
      env: 'REPOSITORY_DRIVER',
      section: 'repository',
      format: oneOf(['sqlite', 'mongo', 'memory']),
      default: 'sqlite',
      doc: '`sqlite`: `DATA_DIR/telltale.db`; `mongo`: `MONGO_URL`, `MONGO_DB`; `memory`: tests, lost on exit',
    }),
    mongoUrl: variable({ env: 'MONGO_URL', section: 'repository', format: optional(url('mongodb:', 'mongodb+srv:')), default: null, doc: 'required with `REPOSITORY_DRIVER=mongo`' }),
    mongoDb: variable({ env: 'MONGO_DB', section: 'repository', format: text, default: 'telltale', doc: 'database name' }),
  },

  storage: {
    // faynoSync names its S3 flavours; they all speak the same API to us.
    driver: variable({
      env: 'STORAGE_DRIVER',
      section: 'storage',
      format: choice({ fs: 'fs', s3: 's3', aws: 's3', minio: 's3', digitalocean: 's3', memory: 'memory' }),
      default: 'fs',
      doc: '`fs`: `DATA_DIR/blobs`; `s3` and faynoSync\'s `aws`, `minio`, `digitalocean`: the `S3_*` variables; `memory`: tests',
    }),
    s3: {
      bucket: variable({ env: 'S3_BUCKET_NAME_PRIVATE', section: 'storage', format: optional(text), default: null, doc: 'the private bucket; required with an S3 driver' }),
      endpoint: variable({ env: 'S3_ENDPOINT', section: 'storage', format: optional(url('http:', 'https:')), default: null, doc: 'S3-compatible endpoint; unset for AWS' }),
      publicEndpoint: variable({
        env: 'S3_PUBLIC_ENDPOINT',
        section: 'storage',
        format: optional(url('http:', 'https:')),
        default: null,
        shown: '`S3_ENDPOINT`',
        doc: 'the endpoint browsers reach, used only in presigned download URLs (in compose: `http://localhost:9000`, since `minio:9000` resolves only inside the compose network)',
      }),
      region: variable({ env: 'S3_REGION', section: 'storage', format: text, default: 'us-east-1', doc: 'region' }),
      accessKeyId: variable({ env: 'S3_ACCESS_KEY', section: 'storage', format: optional(text), default: null, doc: 'access key id (unset: the SDK\'s default credential chain)' }),
      secretAccessKey: variable({ env: 'S3_SECRET_KEY', section: 'storage', format: optional(text), default: null, doc: 'secret access key; set with `S3_ACCESS_KEY` or not at all' }),
      forcePathStyle: variable({
        env: 'S3_FORCE_PATH_STYLE',
        section: 'storage',
        format: bool,
        default: ({ raw }) => raw('STORAGE_DRIVER')?.toLowerCase() !== 'aws',
        shown: '`true` (`false` for `aws`)',
        doc: 'path-style addressing, which MinIO and Ceph RGW need',
      }),
      checksumMode: variable({
        env: 'S3_CHECKSUM_MODE',
        section: 'storage',
        format: choice({ when_required: 'WHEN_REQUIRED', when_supported: 'WHEN_SUPPORTED' }),
        default: 'WHEN_REQUIRED',
        doc: 'request and response checksums; S3-compatible servers need `when_required`',
      }),
    },
  },

  redisUrl: variable({ env: 'REDIS_URL', section: 'redis', format: optional(url('redis:', 'rediss:')), default: null, doc: 'rate limits and device sketches in Redis, connected at start (fails fast if unreachable); unset: per process' }),
  redisClusterNodes: variable({
    env: 'REDIS_CLUSTER_NODES',
    section: 'redis',
    format: optional(clusterNodes),
    default: null,
    doc: 'a Redis Cluster instead of `REDIS_URL` (not both); startup fails unless every slot is served (see `docs/scale.md`)',
  }),

  auth: {
    jwtSecret: variable({ env: 'JWT_SECRET', section: 'auth', format: optional(secret(32)), default: null, shown: 'generated into `DATA_DIR/jwt.secret`', doc: 'HS256 secret' }),
    jwtPublicKey: variable({ env: 'JWT_PUBLIC_KEY', section: 'auth', format: optional(pem), default: null, doc: 'key for RS256/ES256 tokens (then tokens are issued elsewhere)' }),
    jwtIssuer: variable({ env: 'JWT_ISSUER', section: 'auth', format: optional(text), default: null, doc: 'required `iss` when set' }),
    jwtAudience: variable({ env: 'JWT_AUDIENCE', section: 'auth', format: optional(text), default: null, doc: 'required `aud` when set' }),
    tokenTtlSeconds: tokenTtl,
    maxTokenTtlSeconds: variable({
      env: 'JWT_MAX_TTL_SECONDS',
      section: 'auth',
      format: int(60, 3650 * DAY_S),
      default: ({ get }) => Math.max(30 * DAY_S, get(tokenTtl)),
      shown: '`2592000` (30 days, at least `JWT_TTL_SECONDS`)',
      doc: 'tokens whose lifetime (`exp − iat`, or `exp − now` without `iat`) is longer are refused, whoever signed them',
    }),
    loginRateLimitPerMinute: variable({ env: 'AUTH_LOGIN_RATE_LIMIT_PER_MINUTE', section: 'auth', format: int(1), default: 10, doc: 'failed sign-ins per username and address (an IPv6 /64); a right password or a 503 spends nothing' }),
    failedLoginsPerIpPerMinute: variable({
      env: 'AUTH_FAILED_LOGINS_PER_IP_PER_MINUTE',
      section: 'auth',
      format: int(1),
      default: 30,
      doc: 'failed sign-ins per address (an IPv6 /64), whatever the usernames; past it 429 `login_ip` before any hashing',
    }),
    maxConcurrentHashes: variable({
      env: 'AUTH_MAX_CONCURRENT_HASHES',
      section: 'auth',
      format: int(1, 64),
      // scrypt is CPU-bound, and the event loop needs a core of its own.
      default: () => Math.max(1, Math.floor(availableParallelism() / 2)),
      shown: 'half the cores, at least 1',
      doc: 'password hashes (scrypt) at once; a sign-in waits in a short queue, those from addresses that tried least lately first, at most 750 ms unless next in line, else 503 with `Retry-After: 1` (back sooner: 503 again at once)',
    }),
  },

  configFile,
  logs: {
    enabled: variable({ env: 'LOGS_ENABLED', section: 'logs', file: 'logs.enabled', format: bool, default: true, doc: '`false`: `/api/v1/logs` is not registered (404)' }),
    maxRequestsPerMinute: variable({ env: 'LOGS_RATE_LIMIT_MAX_REQUESTS_PER_MINUTE', section: 'logs', file: 'logs.rateLimit.maxRequestsPerMinute', format: int(1), default: 60, doc: 'per user or device' }),
    maxRequestsPerIpPerMinute: variable({
      env: 'LOGS_RATE_LIMIT_PER_IP_PER_MINUTE',
      section: 'logs',
      format: int(1),
      default: 600,
      doc: 'anonymous batches per address (an IPv6 /64), whatever the device ids (beyond the seed; 429 scope `logs_ip`)',
    }),
    maxBatch: variable({ env: 'LOGS_MAX_BATCH', section: 'logs', file: 'logs.validation.maxBatch', format: int(1, 10_000), default: 100, doc: 'entries per request' }),
    maxMessageLength: variable({ env: 'LOGS_MAX_MESSAGE_LENGTH', section: 'logs', file: 'logs.validation.maxMessageLength', format: int(1, 1_000_000), default: 2000, doc: 'characters per message' }),
    maxStackLength: variable({ env: 'LOGS_MAX_STACK_LENGTH', section: 'logs', file: 'logs.validation.maxStackLength', format: int(1, 1_000_000), default: 5000, doc: 'characters per stack' }),
    maxBodyBytes: variable({ env: 'LOGS_MAX_BODY_BYTES', section: 'logs', file: 'logs.validation.maxBodyBytes', format: int(1024, 64 * MIB), default: 262_144, doc: 'body cap (413)' }),
    appIntegrityEnabled: variable({ env: 'LOGS_APP_INTEGRITY_ENABLED', section: 'logs', file: 'logs.appIntegrity.enabled', format: bool, default: false, doc: 'check app integrity on unauthenticated traffic' }),
    source: variable({ env: 'LOGS_SOURCE', section: 'logs', file: 'logs.source', format: text, default: 'client-app', doc: '`source` field of every client log line' }),
    destination: variable({ env: 'LOGS_DESTINATION', section: 'logs', file: 'logs.destination', format: text, default: 'stdout', doc: '`stdout`, `stderr` or a file path for client log lines' }),
    platforms: variable({ env: 'LOGS_PLATFORMS', section: 'logs', format: names, default: [...DEFAULT_LOG_PLATFORMS], doc: 'accepted values of a batch\'s `device.platform`' }),
    scrubKeys: variable({ env: 'LOGS_SCRUB_KEYS', section: 'logs', format: list({ lowercase: true }), default: DEFAULT_SCRUB_KEYS, doc: 'keys whose values become `[Filtered]`' }),
  },

  telemetry: {
    enabled: variable({ env: 'TELEMETRY_ENABLED', section: 'telemetry', format: bool, default: true, doc: '`false`: `/telemetry/beacon` and `/telemetry/beacons` are not registered (404)' }),
    rateLimitPerIp: variable({
      env: 'TELEMETRY_RATE_LIMIT_PER_IP',
      section: 'telemetry',
      format: int(1),
      default: 10_000,
      doc:
        'beacons per address (an IPv6 /64) per `TELEMETRY_RATE_LIMIT_WINDOW_S`; 429 beyond, and the refused beacons show as `refused_beacons` in `/rollouts/rates`. Sizing rule: at least the devices behind your largest shared address (office NAT, campus, carrier-grade NAT) × the update checks each makes in one window, with room to spare: the default counts 5,000 devices that all start the app within ten minutes, each checking twice',
    }),
    rateLimitWindowSeconds: variable({
      env: 'TELEMETRY_RATE_LIMIT_WINDOW_S',
      section: 'telemetry',
      format: int(1, 86_400),
      default: 600,
      doc: "the window of `TELEMETRY_RATE_LIMIT_PER_IP` (fixed, from an address's first beacon): ten minutes, so a morning's burst of starts behind one address counts whole",
    }),
    unmatchedKept: variable({
      env: 'TELEMETRY_UNKNOWN_APPS_KEPT',
      section: 'telemetry',
      format: int(1, 10_000),
      default: 100,
      doc: "beacons naming no app that counts them (unknown owner/app, reports off, key mismatch) are counted per owner and app name for `telltale beacons unknown`, never on `/metrics`; each hour keeps this many, the most frequent, so junk names can't grow the store",
    }),
  },

  rollouts: {
    minDevices: variable({ env: 'ROLLOUT_MIN_DEVICES', section: 'rollouts', format: int(1, 1_000_000), default: 20, doc: 'cells with fewer active device-days show no counts or rates' }),
    hourlyRetentionDays: variable({ env: 'ROLLOUT_HOURLY_RETENTION_DAYS', section: 'rollouts', format: int(1, 90), default: 7, doc: 'hourly device sketches kept' }),
    dailyRetentionDays: variable({ env: 'ROLLOUT_DAILY_RETENTION_DAYS', section: 'rollouts', format: int(1, 3650), default: 90, doc: 'daily device sketches kept' }),
    flushIntervalMs: variable({
      env: 'ROLLOUT_FLUSH_INTERVAL_MS',
      section: 'rollouts',
      format: int(10, 600_000),
      default: 1000,
      doc: 'sketches are merged in process and written this often (and at shutdown)',
    }),
    sketchStore: variable({
      env: 'ROLLOUT_SKETCH_STORE',
      section: 'rollouts',
      format: oneOf(['auto', 'repository']),
      default: 'auto',
      doc: '`auto`: Redis when `REDIS_URL` is set, else the repository\'s store; `repository`: always the repository\'s',
    }),
    maxCellsPerAppPerDay: variable({
      env: 'ROLLOUT_MAX_CELLS_PER_APP_PER_DAY',
      section: 'rollouts',
      format: int(1, 1_000_000),
      default: 500,
      doc:
        'distinct cells (version × channel × platform × arch) an app gets device sketches for per UTC day; a beacon or report for a further cell is still answered (a report still counted in its group) but its device is refused and counted (`cell_cap`). 500 covers about ten live versions × 3 channels × 4 platforms × 3 arches with room, and bounds what public inputs can make the service store and merge. Per instance, seeded from the store once per app and day (see `docs/rollout-counting.md`)',
    }),
    maxPendingBytes: variable({
      env: 'ROLLOUT_MAX_PENDING_BYTES',
      section: 'rollouts',
      format: int(MIB, 16 * 1024 * MIB),
      default: 64 * MIB,
      doc: '64 MiB by default: memory the device sketches waiting for their flush may hold (sparse while few devices are in a sketch); past half of it a flush starts early, past all of it devices are refused and counted (`pending_cap`) until a flush frees room',
    }),
  },

  verdicts: {
    evalIntervalSeconds: variable({
      env: 'ROLLOUT_EVAL_INTERVAL_S',
      section: 'rollouts',
      format: int(1, 86_400),
      default: 300,
      doc: 'seconds between rollout evaluations (one instance at a time, under a lease; `1` for tests)',
    }),
    webhookDeliveryIntervalMs: variable({ env: 'WEBHOOK_DELIVERY_INTERVAL_MS', section: 'webhooks', format: int(100, 3_600_000), default: 2_000, doc: 'how often the outbox is drained to webhooks' }),
    webhookTimeoutMs: variable({ env: 'WEBHOOK_TIMEOUT_MS', section: 'webhooks', format: int(100, 60_000), default: 5_000, doc: 'per delivery attempt' }),
    webhookAllowPrivate: variable({
      env: 'WEBHOOK_ALLOW_PRIVATE',
      section: 'webhooks',
      format: bool,
      default: false,
      doc: '`true`: webhooks may reach loopback, private, link-local and metadata addresses (tests, on-premises)',
    }),
  },
} satisfies Table;

/** Every row, in the table's order. */
export function variables(table: Table = CONFIG_TABLE): Variable<unknown>[] {
  return Object.values(table).flatMap((entry) => (isVariable(entry) ? [entry] : variables(entry)));
}
