import { existsSync, mkdirSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { compose } from '../../src/composition/compose';
import { ConfigError, loadConfig } from '../../src/composition/config';
import { dataDirFor, harness } from '../fixtures/harness';
import { postReport } from '../fixtures/ingest';
import { gzipDetails, reportBody } from '../fixtures/reports';
import pino from 'pino';

describe('compose: storage driver and rate limiter', () => {
  it('when STORAGE_DRIVER=fs, then details of an ingested report land under DATA_DIR/blobs', async () => {
    const dataDir = dataDirFor();
    try {
      const h = await harness({ STORAGE_DRIVER: 'fs', DATA_DIR: dataDir });
      const { appId, key } = await h.createApp();
      const res = await postReport(h.app, key, reportBody({ details: gzipDetails({ stack: 'boom' }) }));
      expect(res.status).toBe(202);
      expect(res.body.stored_details).toBe(true);
      const [blob] = await h.repository.listBlobs(appId, res.body.group_hash);
      expect(blob?.storage.driver).toBe('fs');
      expect(existsSync(join(dataDir, 'blobs', blob!.storage.key))).toBe(true);
      await h.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('when STORAGE_DRIVER is unset, then the fs store is the default', () => {
    expect(loadConfig({}).storage.driver).toBe('fs');
  });

  it('when REDIS_URL is not set, then the memory limiter is used, redis is null and one warning says limits are per process', async () => {
    const h = await harness();
    expect(h.redis).toBeNull();
    expect(h.log.lines.filter((l) => l.includes('REDIS_URL is not set'))).toHaveLength(1);
    await h.close();
  });

  // A reconnect loop instead of a failure would run into the test's timeout.
  it('when REDIS_URL points where nothing listens, then compose fails with a ConfigError naming REDIS_URL', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    await new Promise((resolve) => server.close(resolve));
    const config = loadConfig({ REPOSITORY_DRIVER: 'memory', STORAGE_DRIVER: 'memory', DATA_DIR: dataDirFor(), REDIS_URL: `redis://127.0.0.1:${port}` });

    const failure = compose(config, { logger: pino({ level: 'silent' }) });
    await expect(failure).rejects.toThrow(ConfigError);
    await expect(failure).rejects.toMatchObject({ variable: 'REDIS_URL', message: expect.stringContaining('ECONNREFUSED') });
  });
});

describe('compose: a startup failure closes what it had opened', () => {
  const openDatabaseFiles = (dataDir: string) =>
    readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`).startsWith(join(dataDir, 'telltale.db'));
      } catch {
        return false;
      }
    }).length;
  const silent = pino({ level: 'silent' });

  const blobsIsAFile = (dataDir: string) => writeFileSync(join(dataDir, 'blobs'), '');
  const noSetup = () => undefined;

  it.each([
    ['DATA_DIR/blobs is not a directory', {}, blobsIsAFile],
    ['JWT_PUBLIC_KEY is no usable key', { JWT_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----' }, noSetup],
  ])('when %s, then compose fails and the SQLite database it opened is closed again', async (_why, env, setup) => {
    const dataDir = dataDirFor();
    mkdirSync(dataDir, { recursive: true });
    try {
      setup(dataDir);
      const config = loadConfig({ REPOSITORY_DRIVER: 'sqlite', STORAGE_DRIVER: 'fs', DATA_DIR: dataDir, ...env });
      await expect(compose(config, { logger: silent })).rejects.toBeInstanceOf(ConfigError);
      expect(openDatabaseFiles(dataDir)).toBe(0);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('compose: an unusable DATA_DIR is named', () => {
  it('when the SQLite database under DATA_DIR cannot be opened, then compose fails with a ConfigError naming DATA_DIR', async () => {
    const dataDir = dataDirFor();
    // A directory where the database file should be: creating the file private (0600) before SQLite
    // opens it meets the directory, and says so with its path.
    mkdirSync(join(dataDir, 'telltale.db'), { recursive: true });
    try {
      const config = loadConfig({ REPOSITORY_DRIVER: 'sqlite', STORAGE_DRIVER: 'fs', DATA_DIR: dataDir });
      const error = await compose(config, { logger: pino({ level: 'silent' }) }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).variable).toBe('DATA_DIR');
      expect((error as ConfigError).message).toMatch(/^DATA_DIR: cannot open the database under .*: EISDIR: illegal operation on a directory, open '.*telltale\.db'$/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
