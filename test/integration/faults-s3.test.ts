import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { compose, type Composition } from '../../src/composition/compose';
import { loadConfig } from '../../src/composition/config';
import { createApp } from '../../src/composition/create-app';
import { addApp, eventually, loadStream, readiness } from '../fixtures/faults';
import { postReport } from '../fixtures/ingest';
import { gzipDetails, reportBody } from '../fixtures/reports';
import { s3TestEnv, testBucket } from '../fixtures/s3-bucket';
import { TcpProxy } from '../fixtures/tcp-proxy';
import { describeWhenReachable, unreachableReason } from './service-probe';

const { S3_ENDPOINT } = process.env;
const describeS3 = describeWhenReachable('S3 fault suite', unreachableReason('S3_ENDPOINT', S3_ENDPOINT, 443));

type Phase = 'up' | 'cut' | 'restored';

// The shared RGW keeps running; Telltale reaches it through a proxy that closes connections.
describeS3('faults: the S3 server goes away under load and comes back', () => {
  const bucket = testBucket('fault');
  let proxy: TcpProxy;
  let dataDir: string;
  let composition: Composition;

  beforeAll(async () => {
    await bucket.create();
    proxy = TcpProxy.forUrl(S3_ENDPOINT!, 443);
    await proxy.start();
    dataDir = mkdtempSync(join(tmpdir(), 'telltale-fault-s3-'));
    const config = loadConfig({
      ...s3TestEnv(bucket.name, proxy.urlFor(S3_ENDPOINT!)),
      DATA_DIR: dataDir,
      REPORTS_RATE_LIMIT_PER_KEY_PER_MINUTE: '1000000',
      REPORTS_RATE_LIMIT_PER_GROUP_PER_MINUTE: '1000000',
      REPORTS_MAX_BLOBS_PER_GROUP: '10000',
    });
    composition = await compose(config, { logger: pino({ level: 'silent' }) });
  });
  afterAll(async () => {
    await composition?.close();
    await proxy?.close();
    await bucket.remove();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('when S3 is cut, then reports with details are still counted with stored_details:false, never a 5xx, /readyz names blob_store; when it is back, details are stored again', async () => {
    const app = createApp(composition.deps);
    const { appId, key } = await addApp(composition.directory);
    const body = reportBody({ details: gzipDetails({ stack: 'at main()' }) });

    const first = await postReport(app, key, body);
    expect(first.status).toBe(202);
    expect(first.body.stored_details).toBe(true);
    expect(proxy.forwarded).toBeGreaterThan(0);

    let phase: Phase = 'up';
    // Each response with the phase it was sent in and the phase it came back in.
    const seen: Array<[Phase, Phase, number, Record<string, unknown>]> = [];
    // A request in flight when the proxy changes state may land on either side, so only the
    // ones sent and answered within one phase must show that phase's outcome.
    const within = (p: Phase) => seen.filter(([sent, answered]) => sent === p && answered === p).map(([, , , b]) => b);
    const stream = loadStream(async () => {
      const sentIn = phase;
      const res = await postReport(app, key, body);
      seen.push([sentIn, phase, res.status, res.body]);
      return res;
    });
    // Each phase lasts until its behaviour has been seen, however long that takes on a busy machine.
    await eventually(() => within('up').length, (n) => n >= 3);

    phase = 'cut';
    proxy.cut();
    const down = await eventually(() => readiness(app), (r) => r.status === 503);
    await eventually(() => within('cut').length, (n) => n >= 4);

    phase = 'restored';
    proxy.restore();
    const up = await eventually(() => readiness(app), (r) => r.status === 200);
    const stored = await eventually(() => postReport(app, key, body), (res) => res.body.stored_details === true);
    await eventually(() => within('restored').length, (n) => n >= 3);
    const responses = await stream.stop();

    expect(down).toEqual({ status: 503, failing: ['blob_store'] });
    expect(up).toEqual({ status: 200, failing: [] });
    expect(stored.status).toBe(202);
    expect(seen.filter(([, , status]) => status !== 202)).toEqual([]);

    const whileCut = within('cut');
    const withoutDetails = seen.filter(([, , , b]) => b.stored_details === false).map(([, , , b]) => b);
    expect(whileCut.filter((b) => b.stored_details !== false)).toEqual([]);
    expect(within('up').filter((b) => b.stored_details !== true)).toEqual([]);
    expect(within('restored').filter((b) => b.stored_details !== true)).toEqual([]);
    for (const b of withoutDetails) expect(b.details_error).toEqual({ code: 'details_storage_failed', message: expect.any(String) });

    // Every 202 counted once; every blob record has its object. An upload cut after RGW stored
    // it but before the answer came back may leave an object without a record: counted, not failed.
    const accepted = responses.length + 2;
    const [group] = (await composition.repository.listGroups({ appIds: [appId] }, 1, 10)).items;
    expect(group!.stats.count).toBe(accepted);
    expect(group!.stats.detailsRejected).toBe(withoutDetails.length);
    expect(group!.stats.detailsStored).toBe(accepted - withoutDetails.length);
    const records = (await composition.repository.listBlobs(appId, group!.groupHash)).map((b) => b.storage.key);
    const objects = await composition.blobStore.list(`reports/${appId}/`);
    expect(records).toHaveLength(accepted - withoutDetails.length);
    expect(records.filter((k) => !objects.includes(k))).toEqual([]);
    process.stdout.write(
      `faults-s3: ${accepted} ingests with details (${whileCut.length} sent and answered while S3 was cut, ${withoutDetails.length} counted without details), all 202; ${objects.length - records.length} orphaned object(s)\n`,
    );
  }, 300_000);
});
