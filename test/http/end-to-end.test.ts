import { gunzipSync } from 'node:zlib';
import request from 'supertest';
import { adminOf, readApiHarness, teamUser } from '../fixtures/read-api';
import { gzipDetails, reportBody } from '../fixtures/reports';

const pathOf = (url: string) => {
  const parsed = new URL(url);
  return `${parsed.pathname}${parsed.search}`;
};

describe('reports end to end', () => {
  it('when a report is ingested, resolved, seen again, downloaded and deleted, then each step shows through the API', async () => {
    const h = await readApiHarness();
    const token = h.verifier.issue(adminOf('owner-1'));
    const api = (method: 'get' | 'post' | 'patch' | 'delete', path: string) => request(h.app)[method](path).set('Authorization', `Bearer ${token}`);

    const created = await api('post', '/apps').send({ name: 'my-app' });
    expect(created.status).toBe(201);
    const details = { trace: ['main', 'update', 'verify'], code: 42 };
    const first = await h.ingest(created.body.report_key, reportBody({ details: gzipDetails(details) }));
    expect(first.status).toBe(202);
    const hash: string = first.body.group_hash;

    const listed = await api('get', '/reports/groups');
    expect(listed.body).toMatchObject({ total: 1, items: [{ group_hash: hash, status: 'open', stats: { count: 1, details_stored: 1 } }] });

    h.clock.advance(60_000);
    const resolved = await api('patch', `/reports/groups/${hash}`).send({ status: 'resolved' });
    expect(resolved.body.group).toMatchObject({ status: 'resolved', resolved_by: 'admin-owner-1' });
    expect((await api('get', '/reports/groups?status=resolved')).body.total).toBe(1);

    h.clock.advance(60_000);
    expect((await h.ingest(created.body.report_key)).status).toBe(202);
    const reopened = await api('get', `/reports/groups/${hash}`);
    expect(reopened.body).toMatchObject({ status: 'open', stats: { count: 2, last_seen: h.clock.now().toISOString() } });
    expect((await api('get', '/reports/groups?status=open')).body.total).toBe(1);

    const blobs = await api('get', `/reports/groups/${hash}/blobs`);
    expect(blobs.status).toBe(200);
    expect(blobs.body.items).toHaveLength(1);
    const blob = blobs.body.items[0];
    expect(blob).toMatchObject({ group_hash: hash, storage: { driver: 'memory', content_type: 'application/json', encoding: 'gzip+base64' } });
    expect(blob.url).toMatch(/^http:\/\/localhost:\d+\/reports\/blobs\/download\?key=.+&expires=\d+&signature=[0-9a-f]{64}$/);

    const download = await request(h.app).get(pathOf(blob.url));
    expect(download.status).toBe(200);
    expect(download.headers['content-type']).toBe('application/gzip');
    expect(download.headers['content-encoding']).toBeUndefined();
    expect(download.headers['content-disposition']).toMatch(/^attachment; filename=".+\.json\.gz"$/);
    expect(download.headers['cache-control']).toBe('private, no-store');
    expect(download.body).toBeInstanceOf(Buffer);
    expect(download.body.length).toBe(blob.storage.compressed_size);
    expect(JSON.parse(gunzipSync(download.body).toString('utf8'))).toEqual(details);

    const url = new URL(blob.url);
    const tampered = (name: string, value: string) => {
      const copy = new URL(url);
      copy.searchParams.set(name, value);
      return pathOf(copy.toString());
    };
    const otherKey = url.searchParams.get('key')!.replace(/\.json\.gz$/, '0.json.gz');
    const flipped = url.searchParams.get('signature')!.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    for (const path of [
      tampered('key', otherKey),
      tampered('expires', String(Number(url.searchParams.get('expires')) + 3600)),
      tampered('signature', flipped),
      tampered('signature', 'not-hex'),
      tampered('expires', 'soon'),
    ]) {
      const res = await request(h.app).get(path);
      expect(res.status).toBe(403);
      expect(res.body).toEqual({ error: 'invalid download signature', code: 'invalid_signature' });
    }
    expect((await request(h.app).get('/reports/blobs/download?key=x')).status).toBe(400);

    h.clock.advance(h.deps.config.reports.signedUrlTtlSeconds * 1000);
    const expired = await request(h.app).get(pathOf(blob.url));
    expect(expired.status).toBe(403);
    expect(expired.body).toEqual({ error: 'download link expired', code: 'link_expired' });
    const fresh = await api('get', `/reports/groups/${hash}/blobs`);
    expect((await request(h.app).get(pathOf(fresh.body.items[0].url))).status).toBe(200);

    const deleted = await api('delete', `/reports/groups/${hash}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ group_hash: hash, deleted: true });
    expect((await api('get', `/reports/groups/${hash}`)).status).toBe(404);
    expect((await api('get', '/reports/groups')).body.total).toBe(0);
    expect(await h.repository.listBlobs(created.body.id, hash)).toEqual([]);
    expect(await h.blobStore.list(`reports/${created.body.id}/`)).toEqual([]);
    expect((await request(h.app).get(pathOf(fresh.body.items[0].url))).status).toBe(404);
  });

  it('when details are read through the API (GET /reports/groups/:hash/blobs/:id), then the stored bytes come back to callers who may download them, and 404 to anyone else', async () => {
    const h = await readApiHarness();
    const admin = h.verifier.issue(adminOf('owner-1'));
    const get = (path: string, token: string) => request(h.app).get(path).set('Authorization', `Bearer ${token}`);
    const { appId, key } = await h.createApp('my-app', 'owner-1');
    const details = { stack: ['<script>alert(1)</script>'], code: 7 };
    const hash: string = (await h.ingest(key, reportBody({ details: gzipDetails(details) }))).body.group_hash;
    const blob = (await get(`/reports/groups/${hash}/blobs`, admin)).body.items[0];

    const read = await get(`/reports/groups/${hash}/blobs/${blob.id}?app=${appId}`, admin).buffer(true);
    expect(read.status).toBe(200);
    expect(read.headers['content-type']).toBe('application/gzip');
    expect(read.headers['cache-control']).toBe('private, no-store');
    expect(read.headers['x-content-type-options']).toBe('nosniff');
    expect(read.body.length).toBe(blob.storage.compressed_size);
    expect(JSON.parse(gunzipSync(read.body).toString('utf8'))).toEqual(details);

    const reader = h.verifier.issue(teamUser('owner-1', 'reader', [appId], { download: true }));
    expect((await get(`/reports/groups/${hash}/blobs/${blob.id}`, reader)).status).toBe(200);
    const noDownload = h.verifier.issue(teamUser('owner-1', 'viewer', [appId], {}));
    expect((await get(`/reports/groups/${hash}/blobs/${blob.id}`, noDownload)).status).toBe(403);
    const stranger = h.verifier.issue(adminOf('owner-2'));
    expect((await get(`/reports/groups/${hash}/blobs/${blob.id}`, stranger)).body).toEqual({ error: 'group not found', code: 'group_not_found' });
    expect((await get(`/reports/groups/${hash}/blobs/nope`, admin)).body).toEqual({ error: 'blob not found', code: 'blob_not_found' });
    expect((await request(h.app).get(`/reports/groups/${hash}/blobs/${blob.id}`)).status).toBe(401);
  });
});
