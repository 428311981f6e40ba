import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { MongoMemoryServer } from 'mongodb-memory-server-core';
import { connectMongo, redactMongoUrl, type MongoConnection } from '../../src/adapters/mongo/mongo-connection';
import { ConflictError } from '../../src/domain/errors';
import { dimensionsOf, type ReportEvent } from '../../src/domain/report';
import { MongoDayKeyStore, MongoDeviceSketchStore } from '../../src/adapters/mongo/mongo-device-sketches';
import { appliedVersions, migrateMongo, MONGO_MIGRATIONS, MONGO_SCHEMA_VERSION } from '../../src/adapters/mongo/mongo-migrations';
import { MongoBeaconRefusalStore } from '../../src/adapters/mongo/mongo-beacon-refusals';
import { beaconRefusalContract } from '../contract/beacon-refusals.contract';
import { appDirectoryContract } from '../contract/app-directory.contract';
import { deviceSketchContract } from '../contract/device-sketches.contract';
import { reportRepositoryContract } from '../contract/report-repository.contract';
import { webhookStoreContract } from '../contract/webhook-store.contract';
import { relayTokenStoreContract } from '../contract/relay-token-store.contract';
import { MongoRelayTokenStore } from '../../src/adapters/mongo/mongo-relay-token-store';
import { MongoVerdictStore, MongoWebhookStore } from '../../src/adapters/mongo/mongo-webhook-store';
import { ingestConcurrencySuite } from '../contract/ingest-concurrency.contract';
import { reportBody } from '../fixtures/reports';
import { describeWhenReachable } from './service-probe';

// jest registers tests synchronously, so whether a MongoDB is reachable is settled first, in a
// short-lived child process: MONGO_URL when it is set, else mongodb-memory-server-core when a mongod
// binary is already there (MONGOMS_SYSTEM_BINARY, or its download cache). It never downloads one
// here: on a machine without the network that attempt printed a failure into every test run.
const PROBE = `
const mode = process.argv[1];
const run = mode === 'url'
  ? (async () => {
      const { MongoClient } = require('mongodb');
      const client = new MongoClient(process.env.MONGO_URL, { serverSelectionTimeoutMS: 3000 });
      try { await client.connect(); await client.db('admin').command({ ping: 1 }); } finally { await client.close(); }
    })()
  : (async () => {
      const { DryMongoBinary, MongoMemoryServer } = require('mongodb-memory-server-core');
      const binary = await DryMongoBinary.locateBinary(await DryMongoBinary.generateOptions());
      if (!binary) throw new Error('no mongod binary is present (set MONGO_URL or MONGOMS_SYSTEM_BINARY)');
      await (await MongoMemoryServer.create()).stop();
    })();
run.then(() => process.exit(0), (e) => { process.stderr.write(String((e && e.message) || e)); process.exit(1); });
`;

/** One download attempt: a blocked network then fails in about a second instead of eight. */
const MEMORY_SERVER_ENV = { MONGOMS_MAX_RETRIES: process.env.MONGOMS_MAX_RETRIES ?? '1' };

/** The gist of a probe's error on one line: no stack frames, no wrapper boilerplate. */
function gist(text: string): string {
  const lines = text.split('\n').map((l) => l.trim());
  return lines.filter((l) => l && !l.startsWith('at ') && !l.includes('enable debug log')).slice(0, 2).join(' ');
}

type Target = { kind: 'url'; url: string } | { kind: 'memory-server' } | { kind: 'none'; reason: string };

function findMongo(): Target {
  const url = process.env.MONGO_URL?.trim();
  const mode = url ? 'url' : 'memory';
  const probe = spawnSync(process.execPath, ['-e', PROBE, mode], {
    cwd: `${__dirname}/../..`,
    env: { ...process.env, ...MEMORY_SERVER_ENV },
    timeout: 20_000,
    encoding: 'utf8',
  });
  if (probe.status === 0) return url ? { kind: 'url', url } : { kind: 'memory-server' };
  const why = probe.error ? probe.error.message : gist(probe.stderr) || `probe exited with ${probe.status ?? probe.signal}`;
  return {
    kind: 'none',
    reason: url
      ? `MONGO_URL (${redactMongoUrl(url)}) is not reachable: ${why}`
      : `MONGO_URL is not set and mongodb-memory-server-core cannot start a mongod: ${why}`,
  };
}

const target = findMongo();

describeWhenReachable('mongo integration', target.kind === 'none' ? target.reason : null)('MongoDB adapters on a real server', () => {
  let server: Promise<MongoMemoryServer> | undefined;
  const serverUrl = async () => {
    if (target.kind === 'url') return target.url;
    Object.assign(process.env, MEMORY_SERVER_ENV);
    server ??= MongoMemoryServer.create();
    return (await server).getUri();
  };
  afterAll(async () => {
    if (server) await (await server).stop();
  });

  /** A fresh database per run, dropped in cleanup. */
  const open = async (): Promise<{ conn: MongoConnection; cleanup(): Promise<void> }> => {
    const conn = await connectMongo(await serverUrl(), `telltale_test_${randomBytes(6).toString('hex')}`);
    return {
      conn,
      async cleanup() {
        await conn.db.dropDatabase();
        await conn.close();
      },
    };
  };

  reportRepositoryContract('mongo', async () => {
    const { conn, cleanup } = await open();
    return { repo: conn.repository, cleanup };
  });

  appDirectoryContract('mongo', async () => {
    const { conn, cleanup } = await open();
    return { directory: conn.directory, cleanup };
  });

  webhookStoreContract('mongo', async () => {
    const { conn, cleanup } = await open();
    const webhooks = new MongoWebhookStore(conn.db);
    return { webhooks, verdicts: new MongoVerdictStore(conn.db), cleanup };
  });
  relayTokenStoreContract('mongo', async () => {
    const { conn, cleanup } = await open();
    return { store: new MongoRelayTokenStore(conn.db), cleanup };
  });

  deviceSketchContract(
    'mongo',
    async () => {
      const { conn, cleanup } = await open();
      const store = new MongoDeviceSketchStore(conn.db, { hourlyDays: 7, dailyDays: 90 });
      return { store, dayKeys: new MongoDayKeyStore(conn.db), cleanup };
    },
  );

  beaconRefusalContract('mongo', async () => {
    const { conn, cleanup } = await open();
    const store = new MongoBeaconRefusalStore(conn.db, { hourlyDays: 7, dailyDays: 90 });
    return { store, cleanup };
  });

  ingestConcurrencySuite('mongo', async () => {
    const { conn, cleanup } = await open();
    return { repository: conn.repository, directory: conn.directory, cleanup };
  });

  describe('MongoReportRepository on a real server', () => {
    let conn: MongoConnection;
    let cleanup: () => Promise<void>;
    beforeEach(async () => ({ conn, cleanup } = await open()));
    afterEach(() => cleanup());

    const T0 = new Date('2026-03-01T10:00:00.000Z');
    const event = (minutes = 0): ReportEvent => ({
      appId: 'app-1',
      groupHash: 'h1',
      dimensions: dimensionsOf(reportBody()),
      at: new Date(T0.getTime() + minutes * 60_000),
      details: 'none',
    });

    it('when a report is recorded, then it costs exactly one write', async () => {
      await conn.repository.recordEvent(event());
      await conn.repository.recordEvent(event(1));
      expect(conn.repository.writes).toBe(2);
      expect((await conn.repository.findGroup('app-1', 'h1'))?.stats.count).toBe(2);
    });

    it('when 25 first reports of one group race, then the count is exactly 25 and there is one group', async () => {
      await Promise.all(Array.from({ length: 25 }, (_, i) => conn.repository.recordEvent(event(i))));
      const group = await conn.repository.findGroup('app-1', 'h1');
      expect(group?.stats).toMatchObject({ count: 25, firstSeen: event(0).at, lastSeen: event(24).at });
      expect(await conn.db.collection('report_groups').countDocuments()).toBe(1);
    });

    it('when a resolved group gets a new event, then that one write reopens it; a muted group stays muted', async () => {
      await conn.repository.recordEvent(event());
      await conn.repository.updateTriage('app-1', 'h1', { status: 'resolved', at: event(1).at, by: 'admin' });
      await conn.repository.recordEvent(event(2));
      expect(await conn.repository.findGroup('app-1', 'h1')).toMatchObject({ status: 'open', resolvedBy: 'admin' });
      await conn.repository.updateTriage('app-1', 'h1', { status: 'muted', at: event(3).at, by: 'admin' });
      await conn.repository.recordEvent(event(4));
      expect((await conn.repository.findGroup('app-1', 'h1'))?.status).toBe('muted');
    });

    it('when the migrations run again, then none runs twice and the unique and TTL indexes exist', async () => {
      expect(await appliedVersions(conn.db)).toEqual(MONGO_MIGRATIONS.map((m) => m.version));
      expect(await migrateMongo(conn.db)).toEqual([]);
      const groups = await conn.db.collection('report_groups').indexes();
      expect(groups.find((i) => i.name === 'app_group_unique')).toMatchObject({ unique: true, key: { app_id: 1, groupHash: 1 } });
      const blobs = await conn.db.collection('report_blobs').indexes();
      expect(blobs.find((i) => i.name === 'expires_at_ttl')).toMatchObject({ expireAfterSeconds: 0, key: { expiresAt: 1 } });
      const keys = await conn.db.collection('report_keys').indexes();
      expect(keys.filter((i) => i.unique).map((i) => i.key)).toEqual(expect.arrayContaining([{ app_id: 1 }, { key: 1 }]));
    });

    it('when a newer Telltale migrated the database, then connecting refuses it, naming both versions', async () => {
      await conn.db.collection<{ _id: number }>('migrations').insertOne({ _id: MONGO_SCHEMA_VERSION + 1 });
      await expect(connectMongo(await serverUrl(), conn.db.databaseName)).rejects.toThrow(
        `has schema version ${MONGO_SCHEMA_VERSION + 1} (its migrations collection), newer than this code's ${MONGO_SCHEMA_VERSION}`,
      );
    });

    it('when an owner creates a second app of the same name, then it is a ConflictError app_exists', async () => {
      const app = { id: 'a1', owner: 'o1', name: 'my-app', reports: true, createdAt: T0, updatedAt: T0 };
      await conn.directory.createApp(app);
      const second = conn.directory.createApp({ ...app, id: 'a2' });
      await expect(second).rejects.toBeInstanceOf(ConflictError);
      await expect(conn.directory.createApp({ ...app, id: 'a3' })).rejects.toMatchObject({ code: 'app_exists' });
      await expect(conn.directory.createApp({ ...app, id: 'a4', owner: 'o2' })).resolves.toMatchObject({ id: 'a4' });
    });
  });
});
