import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/composition/config';

const fails = (env: Record<string, string>, variable: string) => {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(variable);
    expect((error as Error).message).toContain(variable);
    return;
  }
  throw new Error(`expected ${variable} to be refused`);
};

describe('loadConfig', () => {
  it('has the documented defaults with an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      host: '0.0.0.0',
      port: 8080,
      dataDir: './data',
      reports: {
        enabled: true,
        maxBodyBytes: 262144,
        maxDetailsCompressedBytes: 131072,
        maxDetailsDecompressedBytes: 1048576,
        blobRetentionDays: 30,
        maxBlobsPerGroup: 10,
        storagePrefix: 'reports',
        rateLimitPerKeyPerMinute: 100,
        rateLimitPerGroupPerMinute: 30,
        rateLimitPerDeviceGroupPerHour: 1,
        signedUrlTtlSeconds: 900,
      },
      repository: { driver: 'sqlite' },
      storage: { driver: 'fs', s3: { checksumMode: 'WHEN_REQUIRED', forcePathStyle: true } },
      redisUrl: null,
      logs: { enabled: true, maxRequestsPerMinute: 60, maxBatch: 100, maxMessageLength: 2000, maxStackLength: 5000, maxBodyBytes: 262144 },
    });
  });

  it('has the hostile-traffic defaults with an empty environment', () => {
    const config = loadConfig({});
    expect(config.connections).toEqual({ max: 4096, perIp: 256, firstRequestTimeoutMs: 10_000 });
    expect(config.auth).toMatchObject({ maxTokenTtlSeconds: 30 * 24 * 3600, failedLoginsPerIpPerMinute: 30 });
    expect(config.auth.maxConcurrentHashes).toBeGreaterThanOrEqual(1);
    expect(config.logs.maxRequestsPerIpPerMinute).toBe(600);
    expect(loadConfig({ JWT_TTL_SECONDS: String(30 * 24 * 3600) }).auth.maxTokenTtlSeconds).toBe(30 * 24 * 3600);
  });

  it('is frozen', () => {
    const config = loadConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.reports)).toBe(true);
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ REPORTS_ENABLED: 'maybe' }, 'REPORTS_ENABLED'],
    [{ REPORTS_MAX_BODY_BYTES: '-1' }, 'REPORTS_MAX_BODY_BYTES'],
    [{ REPOSITORY_DRIVER: 'postgres' }, 'REPOSITORY_DRIVER'],
    [{ REPOSITORY_DRIVER: 'mongo' }, 'MONGO_URL'],
    [{ MONGO_URL: 'http://x' }, 'MONGO_URL'],
    [{ STORAGE_DRIVER: 'ftp' }, 'STORAGE_DRIVER'],
    [{ STORAGE_DRIVER: 's3' }, 'S3_BUCKET_NAME_PRIVATE'],
    [{ STORAGE_DRIVER: 'minio', S3_BUCKET_NAME_PRIVATE: 'b', S3_ACCESS_KEY: 'k' }, 'S3_SECRET_KEY'],
    [{ S3_CHECKSUM_MODE: 'always' }, 'S3_CHECKSUM_MODE'],
    [{ REDIS_URL: 'localhost:6379' }, 'REDIS_URL'],
    [{ JWT_SECRET: 'short' }, 'JWT_SECRET'],
    [{ LOGS_MAX_BATCH: '0' }, 'LOGS_MAX_BATCH'],
    [{ JWT_TTL_SECONDS: '7200', JWT_MAX_TTL_SECONDS: '3600' }, 'JWT_MAX_TTL_SECONDS'],
    [{ AUTH_MAX_CONCURRENT_HASHES: '0' }, 'AUTH_MAX_CONCURRENT_HASHES'],
    [{ AUTH_FAILED_LOGINS_PER_IP_PER_MINUTE: '0' }, 'AUTH_FAILED_LOGINS_PER_IP_PER_MINUTE'],
    [{ SERVER_MAX_CONNECTIONS: '0' }, 'SERVER_MAX_CONNECTIONS'],
    [{ SERVER_MAX_CONNECTIONS_PER_IP: '-1' }, 'SERVER_MAX_CONNECTIONS_PER_IP'],
    [{ LOGS_RATE_LIMIT_PER_IP_PER_MINUTE: 'lots' }, 'LOGS_RATE_LIMIT_PER_IP_PER_MINUTE'],
    [{ METRICS_LISTEN: '9464' }, 'METRICS_LISTEN'],
    [{ METRICS_LISTEN: '127.0.0.1:99999' }, 'METRICS_LISTEN'],
    [{ METRICS_LISTEN: '::1:9464' }, 'METRICS_LISTEN'],
    [{ PORT: '9464', METRICS_LISTEN: '0.0.0.0:9464' }, 'METRICS_LISTEN'],
  ])('fails at startup naming the variable for %j', (env, variable) => fails(env as Record<string, string>, variable));

  it('when a value is refused, then the message names the variable and the accepted form', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow('PORT: must be a whole number from 0 to 65535, got "eighty"');
    expect(() => loadConfig({ STORAGE_DRIVER: 'ftp' })).toThrow('STORAGE_DRIVER: must be one of fs, s3, aws, minio, digitalocean, memory, got "ftp"');
    expect(() => loadConfig({ REPORTS_ENABLED: 'maybe' })).toThrow('REPORTS_ENABLED: must be true or false, got "maybe"');
  });

  it('when a URL or a secret is refused, then the message does not repeat it', () => {
    expect(() => loadConfig({ MONGO_URL: 'http://user:hunter2@db' })).toThrow(/^MONGO_URL: must be a URL starting mongodb:\/\/ or mongodb\+srv:\/\/$/);
    expect(() => loadConfig({ JWT_SECRET: 'hunter2' })).toThrow(/^JWT_SECRET: must be at least 32 characters, got 7$/);
  });

  it('when PORT is set and PUBLIC_BASE_URL is not, then the base URL follows PORT', () => {
    expect(loadConfig({ PORT: '9099' }).publicBaseUrl).toBe('http://localhost:9099');
    expect(loadConfig({ PORT: '9099', PUBLIC_BASE_URL: 'https://t.example' }).publicBaseUrl).toBe('https://t.example');
  });

  it('serves /metrics on a loopback listener of its own by default; METRICS_LISTEN takes host:port, an IPv6 host in brackets, or off', () => {
    expect(loadConfig({}).metricsListen).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(loadConfig({}).metricsToken).toBeNull();
    expect(loadConfig({ METRICS_LISTEN: '0.0.0.0:9100' }).metricsListen).toEqual({ host: '0.0.0.0', port: 9100 });
    expect(loadConfig({ METRICS_LISTEN: '[::1]:9464' }).metricsListen).toEqual({ host: '::1', port: 9464 });
    expect(loadConfig({ METRICS_LISTEN: 'off' }).metricsListen).toBeNull();
    expect(loadConfig({ PORT: '0', METRICS_LISTEN: '127.0.0.1:0' }).metricsListen).toEqual({ host: '127.0.0.1', port: 0 });
  });

  it('reads TRUST_PROXY as Express takes it: a hop count, true or false, or addresses', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8' }).trustProxy).toBe('loopback, 10.0.0.0/8');
  });

  it('accepts faynoSync\'s S3 flavour names as the s3 driver', () => {
    for (const flavour of ['aws', 'minio', 'digitalocean', 'S3']) {
      expect(loadConfig({ STORAGE_DRIVER: flavour, S3_BUCKET_NAME_PRIVATE: 'private' }).storage.driver).toBe('s3');
    }
    expect(loadConfig({ STORAGE_DRIVER: 'aws', S3_BUCKET_NAME_PRIVATE: 'p' }).storage.s3.forcePathStyle).toBe(false);
    expect(loadConfig({ S3_CHECKSUM_MODE: 'when_supported' }).storage.s3.checksumMode).toBe('WHEN_SUPPORTED');
  });

  it('reads the logs block from CONFIG_FILE in the seed\'s shape, and the environment wins over it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'telltale-config-'));
    const file = join(dir, 'config.json');
    writeFileSync(
      file,
      JSON.stringify({ logs: { enabled: false, rateLimit: { maxRequestsPerMinute: 30 }, validation: { maxBatch: 50, maxBodyBytes: 4096 }, appIntegrity: { enabled: true } } }),
    );
    const fromFile = loadConfig({ CONFIG_FILE: file });
    expect(fromFile.logs).toMatchObject({ enabled: false, maxRequestsPerMinute: 30, maxBatch: 50, maxBodyBytes: 4096, appIntegrityEnabled: true, maxMessageLength: 2000 });
    const overridden = loadConfig({ CONFIG_FILE: file, LOGS_MAX_BATCH: '10', LOGS_ENABLED: 'true' });
    expect(overridden.logs).toMatchObject({ enabled: true, maxBatch: 10, maxRequestsPerMinute: 30 });
  });

  it('names CONFIG_FILE when the file is unreadable or has a wrongly typed value', () => {
    fails({ CONFIG_FILE: '/nonexistent/telltale.json' }, 'CONFIG_FILE');
    const dir = mkdtempSync(join(tmpdir(), 'telltale-config-'));
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ logs: { validation: { maxBatch: 'lots' } } }));
    fails({ CONFIG_FILE: file }, 'CONFIG_FILE');
    writeFileSync(file, JSON.stringify({ logs: { validation: { maxBatch: 0 } } }));
    expect(() => loadConfig({ CONFIG_FILE: file })).toThrow('CONFIG_FILE: logs.validation.maxBatch (for LOGS_MAX_BATCH) must be a whole number from 1 to 10000, got "0"');
  });
});
