import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { compose, randomHex, type Composition } from '../../src/composition/compose';
import { loadConfig } from '../../src/composition/config';
import { createApp, createMetricsApp } from '../../src/composition/create-app';
import { addApp, eventually, loadStream, readiness, scrapeCounter } from '../fixtures/faults';
import { postReport } from '../fixtures/ingest';
import { newDeviceId, reportBody } from '../fixtures/reports';
import { TcpProxy } from '../fixtures/tcp-proxy';
import { describeWhenReachable, unreachableReason } from './service-probe';

const { REDIS_URL } = process.env;
const describeRedis = describeWhenReachable('Redis fault suite', unreachableReason('REDIS_URL', REDIS_URL, 6379));

type Phase = 'up' | 'cut' | 'restored';

// The shared Redis keeps running: the outage is a proxy between Telltale and it that closes
// every connection, which is what a crashed or partitioned Redis looks like to the client.
describeRedis('faults: Redis goes away under load and comes back', () => {
  let proxy: TcpProxy;
  let dataDir: string;
  let composition: Composition;

  beforeAll(async () => {
    proxy = TcpProxy.forUrl(REDIS_URL!, 6379);
    await proxy.start();
    dataDir = mkdtempSync(join(tmpdir(), 'telltale-fault-redis-'));
    const config = loadConfig({
      DATA_DIR: dataDir,
      REDIS_URL: proxy.urlFor(REDIS_URL!),
      REPORTS_RATE_LIMIT_PER_KEY_PER_MINUTE: '1000000',
      REPORTS_RATE_LIMIT_PER_GROUP_PER_MINUTE: '1000000',
      REPORTS_RATE_LIMIT_PER_DEVICE_GROUP_PER_HOUR: '1',
    });
    composition = await compose(config, { logger: pino({ level: 'silent' }) });
  });
  afterAll(async () => {
    await composition.close();
    await proxy.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('when Redis is cut mid-load, then ingest keeps answering 202 (fail-open, counted) and /readyz names redis; when it is back, limits apply again without a restart', async () => {
    const app = createApp(composition.deps);
    const metricsApp = createMetricsApp(composition.deps)!;
    const { appId, key } = await addApp(composition.directory);
    const body = reportBody({ event: { reason: `redis-fault-${randomHex(4)}` } });

    const repeat = newDeviceId();
    expect((await postReport(app, key, body, repeat)).status).toBe(202);
    expect((await postReport(app, key, body, repeat)).status).toBe(429);
    expect(await readiness(app)).toEqual({ status: 200, failing: [] });
    const errorsBefore = await scrapeCounter(metricsApp, 'rate_limiter_errors_total');

    let phase: Phase = 'up';
    const seen: Array<[Phase, number]> = [];
    const stream = loadStream(async () => {
      const at = phase;
      const res = await postReport(app, key, body);
      seen.push([at, res.status]);
      return res;
    });
    // Each phase lasts until its behaviour has been seen, however long that takes on a busy machine.
    const answeredIn = (p: Phase) => seen.filter(([at]) => at === p).length;
    await eventually(() => answeredIn('up'), (n) => n >= 3);

    phase = 'cut';
    proxy.cut();
    const down = await eventually(() => readiness(app), (r) => r.status === 503);
    await eventually(() => answeredIn('cut'), (n) => n > 10);
    // The device that was refused a moment ago gets through: the limiter fails open.
    const repeatWhileDown = await postReport(app, key, body, repeat);
    const errorsDuring = await scrapeCounter(metricsApp, 'rate_limiter_errors_total');

    phase = 'restored';
    proxy.restore();
    const up = await eventually(() => readiness(app), (r) => r.status === 200);
    await eventually(() => answeredIn('restored'), (n) => n >= 3);
    const responses = await stream.stop();
    const errorsAfter = await scrapeCounter(metricsApp, 'rate_limiter_errors_total');

    expect(down).toEqual({ status: 503, failing: ['redis'] });
    expect(repeatWhileDown.status).toBe(202);
    expect(errorsDuring).toBeGreaterThan(errorsBefore);
    expect(up).toEqual({ status: 200, failing: [] });

    const during = seen.filter(([p]) => p === 'cut');
    expect(seen.filter(([, status]) => status !== 202)).toEqual([]);

    // Limits resume: the device already counted in Redis is refused again, and a new device gets
    // exactly one report through.
    expect((await postReport(app, key, body, repeat)).status).toBe(429);
    const fresh = newDeviceId();
    expect((await postReport(app, key, body, fresh)).status).toBe(202);
    const refused = await postReport(app, key, body, fresh);
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ code: 'rate_limited', scope: 'device' });
    expect(await scrapeCounter(metricsApp, 'rate_limiter_errors_total')).toBe(errorsAfter);

    const [group] = (await composition.repository.listGroups({ appIds: [appId] }, 1, 10)).items;
    // Every 202 was counted exactly once: the stream, plus 'repeat' twice and 'fresh' once.
    expect(group!.stats.count).toBe(responses.length + 3);
    process.stdout.write(
      `faults-redis: ${responses.length} ingests (${during.length} while Redis was cut), all 202; rate_limiter_errors_total ${errorsBefore} -> ${errorsDuring}\n`,
    );
  }, 300_000);
});
