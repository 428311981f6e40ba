import request from 'supertest';
import { PromMetrics } from '../../src/adapters/prometheus/prom-metrics';
import { createMetricsApp } from '../../src/composition/create-app';
import { DiskFullError } from '../../src/domain/errors';
import { harness } from '../fixtures/harness';
import { newDeviceId, reportBody } from '../fixtures/reports';

describe('operations routes', () => {
  it('GET /healthz answers 200 with no dependency checked', async () => {
    const h = await harness();
    h.repository.ping = async () => {
      throw new Error('down');
    };
    const res = await request(h.app).get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('GET /readyz is 200 when every adapter answers, and 503 naming the failing one without its error text', async () => {
    const h = await harness();
    expect((await request(h.app).get('/readyz')).body).toEqual({ status: 'ready', checks: { repository: 'ok', blob_store: 'ok' }, leading: {} });
    h.blobStore.ping = async () => {
      throw new Error('connect ECONNREFUSED 10.0.0.5:9000 secret=abc');
    };
    const res = await request(h.app).get('/readyz');
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ error: 'not ready: blob_store unavailable', code: 'unavailable', status: 'unavailable', failing: ['blob_store'], checks: { repository: 'ok', blob_store: 'failing' }, leading: {} });
    expect(JSON.stringify(res.body)).not.toContain('secret');
  });

  it('GET /readyz — when a check fails for a full disk, then the answer says "not ready: disk full" (and still no error text)', async () => {
    const h = await harness();
    h.readinessChecks.push({ name: 'disk', check: async () => Promise.reject(new DiskFullError(Object.assign(new Error('ENOSPC: no space left on device, write /srv/data/.disk-probe-1'), { code: 'ENOSPC' }))) });
    const res = await request(h.app).get('/readyz');
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ error: 'not ready: disk full', code: 'unavailable', failing: ['disk'], checks: { repository: 'ok', blob_store: 'ok', disk: 'failing' } });
    expect(JSON.stringify(res.body)).not.toContain('/srv/data');
  });

  it('GET /readyz — the leased jobs this instance leads are listed with their last run, and a failing job does not make it unready', async () => {
    const h = await harness();
    expect(await h.sweepTask!.tick()).toBe(true);
    const led = await request(h.app).get('/readyz');
    expect(led.body.leading).toEqual({ 'retention-sweep': { last_run_at: h.clock.now().toISOString(), last_run_ok: true } });
    h.repository.blobsExpiringBy = async () => {
      throw new Error('disk I/O error at /var/lib/secret-host');
    };
    h.clock.advance(3_600_000);
    await h.sweepTask!.tick();
    const failed = await request(h.app).get('/readyz');
    expect(failed.status).toBe(200);
    expect(failed.body.leading).toEqual({ 'retention-sweep': { last_run_at: h.clock.now().toISOString(), last_run_ok: false } });
    expect(JSON.stringify(failed.body)).not.toContain('secret-host');
  });

  it('GET /readyz — when a check starts failing, then the service log gets its reason once, and one line when it recovers', async () => {
    const h = await harness();
    const ping = h.blobStore.ping;
    h.blobStore.ping = async () => {
      throw new Error('connect ECONNREFUSED 10.0.0.5:9000');
    };
    await request(h.app).get('/readyz');
    await request(h.app).get('/readyz');
    const failing = h.log.lines.filter((l) => l.includes('readiness check failing'));
    expect(failing).toHaveLength(1);
    expect(JSON.parse(failing[0]!)).toMatchObject({ check: 'blob_store', err: { message: 'connect ECONNREFUSED 10.0.0.5:9000' } });
    h.blobStore.ping = ping;
    expect((await request(h.app).get('/readyz')).status).toBe(200);
    expect(h.log.lines.filter((l) => l.includes('readiness check recovered'))).toHaveLength(1);
  });

  it('GET /readyz is 503 when a check hangs past its timeout', async () => {
    const h = await harness();
    h.repository.ping = () => new Promise(() => undefined);
    const res = await request(h.app).get('/readyz');
    expect(res.status).toBe(503);
    expect(res.body.failing).toEqual(['repository']);
  });

  it('GET /metrics — on its own listener\'s app: counters and the request histogram by route template; the API\'s listener has no /metrics without METRICS_TOKEN', async () => {
    const metrics = new PromMetrics({ defaultMetrics: false });
    const h = await harness({}, { metrics });
    const { app, key } = { app: h.app, ...(await h.createApp('my-app')) };
    await request(app).post('/reports/ingest').set('Authorization', `Bearer ${key}`).set('X-Device-ID', newDeviceId()).send(reportBody());
    await request(app).post('/reports/ingest').set('Authorization', 'Bearer nope').set('X-Device-ID', newDeviceId()).send(reportBody());

    expect((await request(app).get('/metrics')).status).toBe(404);
    expect((await request(app).get('/openapi.json')).body.paths['/metrics']).toBeUndefined();
    const res = await request(createMetricsApp(h.deps)!).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.text).toContain('telltale_reports_accepted_total 1');
    expect(res.text).toContain('telltale_reports_rejected_total{reason="invalid_report_key"} 1');
    expect(res.text).toMatch(/telltale_http_request_duration_seconds_count\{method="POST",route="\/reports\/ingest",status="202"\} 1/);
    expect((await request(createMetricsApp(h.deps)!).get('/healthz')).status).toBe(404);
  });

  it('GET /metrics — with METRICS_TOKEN, on the API\'s listener too, and both need the token (401 without)', async () => {
    const metrics = new PromMetrics({ defaultMetrics: false });
    const h = await harness({ METRICS_TOKEN: 'scrape-me' }, { metrics });
    for (const app of [h.app, createMetricsApp(h.deps)!]) {
      expect((await request(app).get('/metrics')).status).toBe(401);
      const res = await request(app).get('/metrics').set('Authorization', 'Bearer scrape-me');
      expect(res.status).toBe(200);
      expect(res.text).toContain('telltale_reports_accepted_total 0');
    }
    expect((await request(h.app).get('/openapi.json')).body.paths['/metrics'].get.security).toEqual([{ metricsToken: [] }]);
  });

  describe('CORS on the ingest routes', () => {
    it('answers a preflight from an allowed origin, and refuses another origin', async () => {
      const h = await harness({ CORS_ORIGINS: 'https://app.example.com' });
      const ok = await request(h.app)
        .options('/reports/ingest')
        .set('Origin', 'https://app.example.com')
        .set('Access-Control-Request-Method', 'POST');
      expect(ok.status).toBe(204);
      expect(ok.headers['access-control-allow-origin']).toBe('https://app.example.com');
      expect(ok.headers['access-control-allow-headers']).toContain('X-Device-ID');
      const denied = await request(h.app).options('/reports/ingest').set('Origin', 'https://evil.example').set('Access-Control-Request-Method', 'POST');
      expect(denied.status).toBe(403);
      expect(denied.headers['access-control-allow-origin']).toBeUndefined();
    });

    it('sends no CORS headers when CORS_ORIGINS is unset', async () => {
      const h = await harness();
      const res = await request(h.app).post('/reports/ingest').set('Origin', 'https://app.example.com').send({});
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    });
  });

  it('does not announce Express', async () => {
    const h = await harness();
    expect((await request(h.app).get('/healthz')).headers['x-powered-by']).toBeUndefined();
  });
});
