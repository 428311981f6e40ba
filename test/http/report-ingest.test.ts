import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import request from 'supertest';
import { MemoryAppDirectory } from '../../src/adapters/memory/memory-app-directory';
import { MemoryReportRepository } from '../../src/adapters/memory/memory-report-repository';
import { harness, type Harness } from '../fixtures/harness';
import { DEVICE_ID_RULE as RULE } from '../../src/domain/device-id';
import { asHeader, DEVICE_ID_SHAPES, gzipDetails, newDeviceId, newReportKey, reportBody } from '../fixtures/reports';
import { eventually } from '../fixtures/wait';

const ingest = (h: Harness, key: string, body: unknown, device: string | null = newDeviceId()) => {
  const req = request(h.app).post('/reports/ingest').set('Authorization', `Bearer ${key}`);
  if (device !== null) req.set('X-Device-ID', device);
  return req.send(body as object);
};

/**
 * As ingest, with the body as bytes: Node's client writes the headers together with a string body
 * in the body's encoding (UTF-8), which would re-encode a header's bytes above 0x7f.
 */
const ingestBytes = (h: Harness, key: string, body: unknown, device: string) =>
  request(h.app)
    .post('/reports/ingest')
    .set('Authorization', `Bearer ${key}`)
    .set('X-Device-ID', device)
    .send(body as object)
    .serialize((value) => Buffer.from(JSON.stringify(value)) as unknown as string);

const countOf = async (h: Harness, appId: string, hash: string) => (await h.repository.findGroup(appId, hash))?.stats.count ?? 0;

describe('POST /reports/ingest', () => {
  let h: Harness;
  let appId: string;
  let key: string;

  beforeEach(async () => {
    h = await harness();
    ({ appId, key } = await h.createApp('my-app'));
  });

  it('202 for a minimal report, and count goes up when a second device sends the same report', async () => {
    const first = await ingest(h, key, reportBody());
    const second = await ingest(h, key, reportBody());
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.body.group_hash).toBe(first.body.group_hash);
    const group = await h.repository.findGroup(appId, first.body.group_hash);
    expect(group).toMatchObject({ appId, status: 'open', stats: { count: 2, detailsStored: 0, detailsRejected: 0 } });
  });

  it('GET /reports/ingest — 405 with Allow: POST', async () => {
    const res = await request(h.app).get('/reports/ingest');
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('POST');
    expect(res.body).toEqual({ error: 'method not allowed; use POST', code: 'method_not_allowed' });
  });

  it('a minimal report costs exactly one repository write', async () => {
    const repo = h.repository as MemoryReportRepository;
    const before = repo.writes;
    for (let i = 0; i < 5; i++) expect((await ingest(h, key, reportBody())).status).toBe(202);
    expect(repo.writes - before).toBe(5);
  });

  it('looks up the key once per cache TTL, not once per report', async () => {
    const inner = (h.directory as unknown as { inner: MemoryAppDirectory }).inner;
    const before = inner.keyLookups;
    for (let i = 0; i < 5; i++) await ingest(h, key, reportBody());
    expect(inner.keyLookups - before).toBe(1);
    h.clock.advance(5_001);
    await ingest(h, key, reportBody());
    expect(inner.keyLookups - before).toBe(2);
  });

  describe('auth', () => {
    it.each([
      ['missing', undefined],
      ['not Bearer', `Basic ${key}`],
      ['malformed', 'Bearer rpk_123'],
      ['unknown', `Bearer ${newReportKey()}`],
    ])('401 {"error":"invalid report key"} when the key is %s', async (_case, header) => {
      const req = request(h.app).post('/reports/ingest').set('X-Device-ID', newDeviceId());
      if (header) req.set('Authorization', header.replace('undefined', key));
      const res = await req.send(reportBody());
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ error: 'invalid report key', code: 'invalid_report_key' });
    });

    it('400 when X-Device-ID is missing', async () => {
      const res = await ingest(h, key, reportBody(), null);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: `missing X-Device-ID header: ${RULE}`, code: 'missing_device_id' });
    });

    it('403 when reports are disabled for the key\'s app, at once after the flag changes', async () => {
      await ingest(h, key, reportBody());
      await h.directory.setReportsEnabled(appId, false, h.clock.now());
      const res = await ingest(h, key, reportBody());
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('reports_disabled');
    });

    it('403 when application.name is not the key\'s app, and nothing is counted', async () => {
      const res = await ingest(h, key, reportBody({ application: { name: 'someone-else' } }));
      expect(res.status).toBe(403);
      expect(res.body).toEqual({ error: 'report key does not belong to this application', code: 'app_mismatch' });
      expect((await h.repository.listGroups({ appIds: [appId] }, 1, 10)).total).toBe(0);
    });

    it('a key for app A never counts for app B, even when B has the same name under another owner', async () => {
      const other = await h.createApp('my-app', 'owner-2');
      const res = await ingest(h, key, reportBody());
      expect(await countOf(h, appId, res.body.group_hash)).toBe(1);
      expect(await countOf(h, other.appId, res.body.group_hash)).toBe(0);
    });

    it('the old key stops working at once when the key is regenerated', async () => {
      expect((await ingest(h, key, reportBody())).status).toBe(202);
      const fresh = newReportKey();
      await h.directory.setReportKey(appId, fresh, h.clock.now());
      expect((await ingest(h, key, reportBody())).status).toBe(401);
      expect((await ingest(h, fresh, reportBody())).status).toBe(202);
    });
  });

  describe('device ids, as faynoSync takes them', () => {
    it.each(Object.entries(DEVICE_ID_SHAPES))('202 and counted when X-Device-ID is %s', async (_shape, id) => {
      const device = asHeader(id);
      const first = await ingestBytes(h, key, reportBody(), device);
      expect(first.status).toBe(202);
      expect(await countOf(h, appId, first.body.group_hash)).toBe(1);
      // The id is the device's: the same id again is the per-device dedup, another id counts.
      expect((await ingestBytes(h, key, reportBody(), device)).body).toMatchObject({ code: 'rate_limited', scope: 'device' });
      expect((await ingestBytes(h, key, reportBody(), `${device}-2`)).status).toBe(202);
      expect(await countOf(h, appId, first.body.group_hash)).toBe(2);
    });

    it('202 for 256 bytes of UTF-8, 400 naming the rule for 257', async () => {
      const accepted = await ingestBytes(h, key, reportBody(), asHeader('é'.repeat(128)));
      expect(accepted.status).toBe(202);
      const refused = await ingestBytes(h, key, reportBody(), asHeader(`${'é'.repeat(128)}x`));
      expect(refused.status).toBe(400);
      expect(refused.body).toEqual({ error: `invalid X-Device-ID header: ${RULE}`, code: 'invalid_device_id' });
      expect(refused.body.error).toContain('1 to 256 bytes of UTF-8');
      expect((await ingestBytes(h, key, reportBody(), 'x'.repeat(257))).status).toBe(400);
    });

    it('400 missing_device_id when X-Device-ID is only whitespace', async () => {
      const res = await ingestBytes(h, key, reportBody(), asHeader(' \u00a0\u3000 '));
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: `missing X-Device-ID header: ${RULE}`, code: 'missing_device_id' });
    });

    it('the id is trimmed, and UTF-8 bytes and the Latin-1 bytes fetch() sends for the same text are one device', async () => {
      expect((await ingestBytes(h, key, reportBody(), asHeader('josé@example.com'))).status).toBe(202);
      expect((await ingestBytes(h, key, reportBody(), 'jos\u00e9@example.com')).body.scope).toBe('device');
      expect((await ingestBytes(h, key, reportBody(), '\tjos\u00e9@example.com ')).body.scope).toBe('device');
    });

  });

  describe('body', () => {
    it('400 naming the field when a field is missing or invalid', async () => {
      const res = await ingest(h, key, reportBody({ event: { type: 'meltdown' as never } }));
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: 'event.type must be one of crash, startup_failure, update_failure, install_failure, rollback_failure', code: 'invalid_field', details: { field: 'event.type' } });
    });

    it('400 for invalid JSON', async () => {
      const res = await request(h.app)
        .post('/reports/ingest')
        .set('Authorization', `Bearer ${key}`)
        .set('X-Device-ID', newDeviceId())
        .set('Content-Type', 'application/json')
        .send('{"application":');
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: 'invalid JSON body', code: 'invalid_json' });
    });

    it('202 when the JSON body starts with a UTF-8 byte order mark', async () => {
      const res = await request(h.app)
        .post('/reports/ingest')
        .set('Authorization', `Bearer ${key}`)
        .set('X-Device-ID', newDeviceId())
        .set('Content-Type', 'application/json')
        .send(`\uFEFF${JSON.stringify(reportBody())}`);
      expect(res.status).toBe(202);
    });

    it('501 when the body has a transfer coding other than chunked, e.g. gzip, chunked', async () => {
      const server = h.app.listen(0, '127.0.0.1');
      await new Promise((resolve) => server.once('listening', resolve));
      try {
        const port = (server.address() as AddressInfo).port;
        const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
          const req = http.request(
            { port, host: '127.0.0.1', method: 'POST', path: '/reports/ingest', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${key}`, 'X-Device-ID': newDeviceId(), 'Transfer-Encoding': 'gzip, chunked' } },
            (response) => {
              let body = '';
              response.on('data', (c) => (body += c));
              response.on('end', () => resolve({ status: response.statusCode!, body }));
            },
          );
          req.on('error', reject);
          req.end(gzipSync(JSON.stringify(reportBody())));
        });
        expect(res.status).toBe(501);
        expect(JSON.parse(res.body)).toEqual({ error: 'Transfer-Encoding other than chunked is not supported', code: 'unsupported_transfer_encoding' });
        expect((await h.repository.listGroups({ appIds: [appId] }, 1, 10)).total).toBe(0);
      } finally {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    });

    it('415 when the body is not declared as JSON', async () => {
      const res = await request(h.app)
        .post('/reports/ingest')
        .set('Authorization', `Bearer ${key}`)
        .set('X-Device-ID', newDeviceId())
        .set('Content-Type', 'text/plain')
        .send(JSON.stringify(reportBody()));
      expect(res.status).toBe(415);
      expect(res.body.code).toBe('unsupported_media_type');
    });

    it('ignores unknown fields and never stores them', async () => {
      const res = await ingest(h, key, { ...reportBody(), user: { email: 'a@b.c' }, application: { ...reportBody().application, ip: '1.2.3.4' } });
      expect(res.status).toBe(202);
      const group = await h.repository.findGroup(appId, res.body.group_hash);
      expect(JSON.stringify(group)).not.toMatch(/a@b\.c|1\.2\.3\.4/);
    });
  });

  describe('413 when the body exceeds REPORTS_MAX_BODY_BYTES', () => {
    let server: http.Server;
    let port: number;
    beforeEach(async () => {
      h = await harness({ REPORTS_MAX_BODY_BYTES: '2048' });
      ({ appId, key } = await h.createApp('my-app'));
      server = h.app.listen(0);
      await new Promise((resolve) => server.once('listening', resolve));
      port = (server.address() as AddressInfo).port;
    });
    afterEach(() => new Promise((resolve) => server.close(resolve)));

    const send = (headers: Record<string, string>, write: (req: http.ClientRequest) => void) =>
      new Promise<{ status: number; body: string; bytesAccepted: number }>((resolve, reject) => {
        const req = http.request({ port, method: 'POST', path: '/reports/ingest', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${key}`, 'X-Device-ID': newDeviceId(), ...headers } });
        req.on('response', (res) => {
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode!, body, bytesAccepted: req.socket?.bytesWritten ?? 0 }));
        });
        req.on('error', reject);
        write(req);
      });

    it('refuses a declared Content-Length over the limit without reading the body', async () => {
      const res = await send({ 'Content-Length': String(10 * 1024 * 1024) }, (req) => req.write('{"a":'));
      expect(res.status).toBe(413);
      expect(JSON.parse(res.body)).toEqual({ error: 'body exceeds 2048 bytes', code: 'payload_too_large' });
    });

    it('stops reading a chunked body as soon as it passes the limit', async () => {
      const chunk = Buffer.alloc(1024, 0x20);
      const res = await send({ 'Transfer-Encoding': 'chunked' }, (req) => {
        req.write('{"a":"');
        let sent = 0;
        // Keep offering data well past the limit; the server must answer without waiting for the end.
        const timer = setInterval(() => {
          if (sent++ > 200 || req.destroyed) return clearInterval(timer);
          req.write(chunk);
        }, 1);
      });
      expect(res.status).toBe(413);
      expect((await h.repository.listGroups({ appIds: [appId] }, 1, 10)).total).toBe(0);
    });
  });

  describe('rate limits', () => {
    beforeEach(async () => {
      h = await harness({
        REPORTS_RATE_LIMIT_PER_KEY_PER_MINUTE: '5',
        REPORTS_RATE_LIMIT_PER_GROUP_PER_MINUTE: '3',
        REPORTS_RATE_LIMIT_PER_DEVICE_GROUP_PER_HOUR: '1',
      });
      ({ appId, key } = await h.createApp('my-app'));
    });

    it('429 with Retry-After and scope "device" when one device repeats the same report within the hour', async () => {
      const device = newDeviceId();
      expect((await ingest(h, key, reportBody(), device)).status).toBe(202);
      const res = await ingest(h, key, reportBody(), device);
      expect(res.status).toBe(429);
      expect(res.headers['retry-after']).toBe('3600');
      expect(res.body).toEqual({ error: 'rate limit exceeded', code: 'rate_limited', scope: 'device', retry_after: 3600 });
      // A different failure from the same device is still counted.
      expect((await ingest(h, key, reportBody({ event: { reason: 'disk_full' } }), device)).status).toBe(202);
    });

    it('429 scope "group" after the per-group budget, and the refused requests spend nothing of the key budget', async () => {
      for (let i = 0; i < 3; i++) expect((await ingest(h, key, reportBody())).status).toBe(202);
      for (let i = 0; i < 4; i++) {
        const res = await ingest(h, key, reportBody());
        expect(res.status).toBe(429);
        expect(res.body.scope).toBe('group');
      }
      // Key budget is 5: 3 spent by accepted reports, so exactly 2 more distinct groups pass.
      expect((await ingest(h, key, reportBody({ event: { reason: 'a' } }))).status).toBe(202);
      expect((await ingest(h, key, reportBody({ event: { reason: 'b' } }))).status).toBe(202);
      const res = await ingest(h, key, reportBody({ event: { reason: 'c' } }));
      expect(res.status).toBe(429);
      expect(res.body.scope).toBe('key');
    });

    it('the per-key limit refuses before the body is read', async () => {
      for (let i = 0; i < 5; i++) await ingest(h, key, reportBody({ event: { reason: `r${i}` } }));
      const res = await request(h.app)
        .post('/reports/ingest')
        .set('Authorization', `Bearer ${key}`)
        .set('X-Device-ID', newDeviceId())
        .set('Content-Type', 'application/json')
        .send('this is not even JSON');
      expect(res.status).toBe(429);
      expect(res.body.scope).toBe('key');
    });

    it('the window resets after a minute', async () => {
      for (let i = 0; i < 3; i++) await ingest(h, key, reportBody());
      expect((await ingest(h, key, reportBody())).status).toBe(429);
      h.clock.advance(60_000);
      expect((await ingest(h, key, reportBody())).status).toBe(202);
    });

    it('group limits are per app id: two tenants with the same app name never share a budget', async () => {
      const other = await h.createApp('my-app', 'owner-2');
      for (let i = 0; i < 3; i++) await ingest(h, key, reportBody());
      expect((await ingest(h, key, reportBody())).status).toBe(429);
      expect((await ingest(h, other.key, reportBody())).status).toBe(202);
    });
  });

  describe('details', () => {
    it('stores valid details in the blob store and their metadata, and says so', async () => {
      const res = await ingest(h, key, reportBody({ details: gzipDetails({ message: 'sha mismatch' }) }));
      expect(res.status).toBe(202);
      expect(res.body.stored_details).toBe(true);
      const blobs = await h.repository.listBlobs(appId, res.body.group_hash);
      expect(blobs).toHaveLength(1);
      expect(blobs[0]!.storage.key).toMatch(new RegExp(`^reports/${appId}/2026/01/15/${res.body.group_hash}-[0-9a-f]{16}\\.json\\.gz$`));
      expect(blobs[0]!.expiresAt.toISOString()).toBe('2026-02-14T12:00:00.000Z');
      const stored = await h.blobStore.get(blobs[0]!.storage.key);
      expect(stored?.equals(gzipSync(Buffer.from('x')).subarray(0, 0))).toBe(false);
      expect((await h.repository.findGroup(appId, res.body.group_hash))?.stats).toMatchObject({ count: 1, detailsStored: 1 });
    });

    it('a gzip bomb is refused but the report is still counted: 202, stored_details false, details_error', async () => {
      const bomb = gzipSync(Buffer.alloc(32 * 1024 * 1024), { level: 9 }).toString('base64');
      const res = await ingest(h, key, reportBody({ details: { encoding: 'gzip+base64', content_type: 'application/json', payload: bomb } }));
      expect(res.status).toBe(202);
      expect(res.body).toEqual({
        status: 'accepted',
        group_hash: expect.any(String),
        stored_details: false,
        details_error: { code: 'details_decompressed_too_large', message: 'decompressed details too large' },
      });
      expect((await h.repository.findGroup(appId, res.body.group_hash))?.stats).toMatchObject({ count: 1, detailsStored: 0, detailsRejected: 1 });
      expect(await h.blobStore.list('reports/')).toEqual([]);
    });

    it('an unsupported encoding is counted with details_error', async () => {
      const res = await ingest(h, key, reportBody({ details: { ...gzipDetails({}), encoding: 'zstd' } }));
      expect(res.status).toBe(202);
      expect(res.body.details_error.code).toBe('details_encoding_unsupported');
    });

    it('keeps only the newest REPORTS_MAX_BLOBS_PER_GROUP blobs, removing the objects of the rest', async () => {
      h = await harness({ REPORTS_MAX_BLOBS_PER_GROUP: '2' });
      ({ appId, key } = await h.createApp('my-app'));
      let hash = '';
      for (let i = 0; i < 4; i++) {
        h.clock.advance(1000);
        hash = (await ingest(h, key, reportBody({ details: gzipDetails({ i }) }))).body.group_hash;
      }
      const blobs = await h.repository.listBlobs(appId, hash);
      expect(blobs).toHaveLength(2);
      expect((await h.blobStore.list(`reports/${appId}/`)).sort()).toEqual(blobs.map((b) => b.storage.key).sort());
    });

    it('a blob store outage still counts the report, with details_storage_failed', async () => {
      h.blobStore.put = async () => {
        throw new Error('bucket unreachable');
      };
      const res = await ingest(h, key, reportBody({ details: gzipDetails({ a: 1 }) }));
      expect(res.status).toBe(202);
      expect(res.body.details_error.code).toBe('details_storage_failed');
      expect((await h.repository.findGroup(appId, res.body.group_hash))?.stats).toMatchObject({ count: 1, detailsRejected: 1 });
    });

    it('when the metadata write fails, the stored object is removed', async () => {
      h.repository.insertBlob = async () => {
        throw new Error('disk full');
      };
      const res = await ingest(h, key, reportBody({ details: gzipDetails({ a: 1 }) }));
      expect(res.status).toBe(202);
      expect(res.body.stored_details).toBe(false);
      expect(await h.blobStore.list('reports/')).toEqual([]);
    });
  });

  it('503 with Retry-After when the repository is down, and it recovers without a restart', async () => {
    const original = h.repository.recordEvent.bind(h.repository);
    h.repository.recordEvent = async () => {
      throw new Error('SQLITE_READONLY');
    };
    const down = await ingest(h, key, reportBody({ details: gzipDetails({ a: 1 }) }));
    expect(down.status).toBe(503);
    expect(down.headers['retry-after']).toBe('5');
    expect(down.body).toEqual({ error: 'report repository unavailable', code: 'unavailable' });
    expect(await h.blobStore.list('reports/')).toEqual([]);
    h.repository.recordEvent = original;
    expect((await ingest(h, key, reportBody())).status).toBe(202);
  });

  it('never writes the report key, the device id or the client IP to the service log', async () => {
    const device = newDeviceId();
    await ingest(h, key, reportBody(), device);
    await ingest(h, key, reportBody({ application: { name: 'nope' } }), device);
    expect(h.log.lines.length).toBeGreaterThan(0);
    expect(h.log.text).not.toContain(key);
    expect(h.log.text).not.toContain(key.slice(4));
    expect(h.log.text).not.toContain(device);
    expect(h.log.text).not.toContain('127.0.0.1');
  });

  it('at LOG_LEVEL info, refused requests are logged with their status and still without credentials, accepted ones not at all', async () => {
    h = await harness({}, { logLevel: 'info' });
    ({ appId, key } = await h.createApp('my-app'));
    const device = newDeviceId();
    expect((await ingest(h, key, reportBody(), device)).status).toBe(202);
    expect((await ingest(h, key, reportBody({ application: { name: 'nope' } }), device)).status).toBe(403);
    const lines = h.log.lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'request completed');
    expect(lines).toEqual([expect.objectContaining({ level: 30, req: expect.objectContaining({ method: 'POST', path: '/reports/ingest' }), res: { statusCode: 403 } })]);
    expect(h.log.text).not.toContain(key);
    expect(h.log.text).not.toContain(device);
  });

  it('at LOG_LEVEL info, a burst of refusals writes one line at once and one line per second after it, carrying the count', async () => {
    h = await harness({}, { logLevel: 'info' });
    const statuses = await Promise.all(Array.from({ length: 40 }, () => ingest(h, 'rpk_' + 'a'.repeat(64), reportBody()).then((r) => r.status)));
    expect(new Set(statuses)).toEqual(new Set([401]));
    const requestLines = () => h.log.lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'request completed');
    expect(requestLines()).toEqual([expect.objectContaining({ route: '/reports/ingest', reason: 'invalid_report_key', res: { statusCode: 401 }, count: 1 })]);
    // The windows run on the harness clock; the aggregation's own timer writes the line once it has moved on.
    h.clock.advance(1000);
    const lines = await eventually(requestLines, (found) => found.length >= 2);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({ route: '/reports/ingest', reason: 'invalid_report_key', count: 39 });
  });

  it('when the repository stays down, then the 503 warnings are aggregated too and carry no stack', async () => {
    h = await harness({}, { logLevel: 'info' });
    ({ key } = await h.createApp('my-app'));
    h.repository.recordEvent = async () => {
      throw new Error('SQLITE_FULL: database or disk is full');
    };
    for (let i = 0; i < 20; i++) expect((await ingest(h, key, reportBody())).status).toBe(503);
    const warnings = () => h.log.lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'report repository unavailable');
    const cause = { type: 'Error', message: 'SQLITE_FULL: database or disk is full' };
    expect(warnings()).toEqual([expect.objectContaining({ level: 40, count: 1, cause })]);
    const requestLines = () => h.log.lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'request errored');
    expect(requestLines()).toHaveLength(1);
    // A second later (on the harness clock) the next one writes the line for all 20 since.
    h.clock.advance(1000);
    expect((await ingest(h, key, reportBody())).status).toBe(503);
    expect(warnings()).toEqual([expect.objectContaining({ count: 1, cause }), expect.objectContaining({ level: 40, count: 20, cause })]);
    expect(requestLines().map((l) => l.count)).toEqual([1, 20]);
    expect(h.log.text).not.toContain('"stack"');
  });

  it('404 when REPORTS_ENABLED=false: the route is not registered', async () => {
    h = await harness({ REPORTS_ENABLED: 'false' });
    const res = await ingest(h, key, reportBody());
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('route_not_found');
  });
});
