import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { compose } from '../../src/composition/compose';
import { loadConfig } from '../../src/composition/config';
import { reportBody } from '../fixtures/reports';
import { eventually } from '../fixtures/wait';

const root = join(__dirname, '..', '..');

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });

const post = (port: number, key: string, body: string, agent: http.Agent) =>
  new Promise<number>((resolve) => {
    const req = http.request(
      { port, host: '127.0.0.1', method: 'POST', path: '/reports/ingest', agent, headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${key}`, 'X-Device-ID': randomUUID() } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', () => resolve(0)); // refused or reset: not accepted, so not counted
    req.end(body);
  });

describe('graceful shutdown', () => {
  it('when SIGTERM arrives under load, then every report answered 202 is persisted and the process exits 0', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'telltale-sigterm-'));
    const env = { DATA_DIR: dataDir, REPORTS_RATE_LIMIT_PER_KEY_PER_MINUTE: '1000000', REPORTS_RATE_LIMIT_PER_GROUP_PER_MINUTE: '1000000', LOG_LEVEL: 'warn' };
    const appId = randomBytes(12).toString('hex');
    const key = `rpk_${randomBytes(32).toString('hex')}`;
    const setup = await compose(loadConfig(env), { logger: pino({ level: 'silent' }) });
    await setup.directory.createApp({ id: appId, owner: 'o', name: 'my-app', reports: true, createdAt: new Date(), updatedAt: new Date() });
    await setup.directory.setReportKey(appId, key, new Date());
    await setup.close();

    const port = await freePort();
    const child = spawn(process.execPath, ['-r', '@swc-node/register', 'src/main.ts'], {
      cwd: root,
      env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (c: Buffer) => (output += c));
    child.stderr!.on('data', (c: Buffer) => (output += c));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    for (let i = 0; ; i++) {
      const up = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
      if (up) break;
      if (i > 1200 || child.exitCode !== null) throw new Error(`service did not start: ${output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
    const statuses: Promise<number>[] = [];
    let stopped = false;
    const body = (i: number) => JSON.stringify(reportBody({ event: { reason: `r${i % 40}` } }));
    let answered202 = 0;
    // Keep 16 connections busy; SIGTERM lands in the middle of the stream, once it is well under way
    // (however long that takes on a busy machine).
    const pump = async (worker: number) => {
      for (let i = worker; !stopped && i < 100_000; i += 16) {
        const status = post(port, key, body(i), agent);
        statuses.push(status);
        const answer = await status;
        if (answer === 202) answered202++;
        if (answer === 0) return;
      }
    };
    const pumps = Array.from({ length: 16 }, (_, w) => pump(w));
    await eventually(() => answered202, (n) => n > 50);
    child.kill('SIGTERM');
    const code = await exited;
    stopped = true;
    await Promise.all(pumps);
    agent.destroy();
    const results = await Promise.all(statuses);
    const accepted = results.filter((s) => s === 202).length;

    expect(code).toBe(0);
    expect(accepted).toBeGreaterThan(50);
    expect(results.filter((s) => s !== 202 && s !== 0)).toEqual([]);

    const check = await compose(loadConfig(env), { logger: pino({ level: 'silent' }) });
    const page = await check.repository.listGroups({ appIds: [appId] }, 1, 100);
    const counted = page.items.reduce((sum, g) => sum + g.stats.count, 0);
    await check.close();
    rmSync(dataDir, { recursive: true, force: true });
    expect(counted).toBe(accepted);
  }, 180_000);

  /** Starts src/main.ts on a free port with a temp DATA_DIR; resolves once it prints its pid. */
  async function startService(extraEnv: Record<string, string>) {
    const dataDir = mkdtempSync(join(tmpdir(), 'telltale-stop-'));
    const port = await freePort();
    const child = spawn(process.execPath, ['-r', '@swc-node/register', 'src/main.ts'], {
      cwd: root,
      env: { ...process.env, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info', ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    child.stderr!.on('data', (c: Buffer) => (stderr += c));
    child.stdout!.on('data', (c: Buffer) => (stdout += c));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    for (let i = 0; !/listening on .* \(pid \d+\)/.test(stderr); i++) {
      if (i > 1200 || child.exitCode !== null) throw new Error(`service did not start: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const pid = Number(/\(pid (\d+)\)/.exec(stderr)![1]);
    return { child, port, pid, exited, stderr: () => stderr, stdout: () => stdout, cleanup: () => rmSync(dataDir, { recursive: true, force: true }) };
  }

  it('when started, then it prints "listening on http://host:port (pid N)" with its own pid, and SIGTERM to that pid exits 0', async () => {
    const s = await startService({});
    expect(s.pid).toBe(s.child.pid);
    expect(s.stderr()).toContain(`telltale: listening on http://127.0.0.1:${s.port} (pid ${s.pid})`);
    process.kill(s.pid, 'SIGTERM');
    expect(await s.exited).toBe(0);
    s.cleanup();
  }, 120_000);

  it('when started, then /metrics is served on the loopback listener of the "metrics on" line and not on PORT; SIGTERM closes both listeners and exits 0', async () => {
    const s = await startService({ METRICS_LISTEN: '127.0.0.1:0' });
    const metricsUrl = /telltale: metrics on (http:\/\/127\.0\.0\.1:\d+\/metrics)\n/.exec(s.stderr())?.[1];
    expect(metricsUrl).toBeDefined();
    const scrape = await fetch(metricsUrl!);
    expect(scrape.status).toBe(200);
    expect(scrape.headers.get('content-type')).toContain('text/plain');
    expect(await scrape.text()).toContain('# TYPE telltale_reports_accepted_total counter');
    expect((await fetch(`http://127.0.0.1:${s.port}/metrics`)).status).toBe(404);
    expect((await fetch(metricsUrl!.replace('/metrics', '/healthz'))).status).toBe(404);

    // A scraper's keep-alive connection doesn't hold the shutdown up.
    const agent = new http.Agent({ keepAlive: true });
    await new Promise<void>((resolve) => http.get(metricsUrl!, { agent }, (res) => res.resume().on('end', resolve)));
    process.kill(s.pid, 'SIGTERM');
    expect(await s.exited).toBe(0);
    agent.destroy();
    await expect(fetch(metricsUrl!)).rejects.toThrow();
    s.cleanup();
  }, 60_000);

  it('when SIGTERM reaches the pid of the "listening" line at once, beside two busy loops, then it still shuts down gracefully and exits 0', async () => {
    // Two loops that keep both cores busy, so the service can be preempted anywhere after announcing.
    const busy = [0, 1].map(() => spawn(process.execPath, ['-e', 'for(;;);'], { stdio: 'ignore' }));
    const dataDir = mkdtempSync(join(tmpdir(), 'telltale-early-stop-'));
    try {
      const port = await freePort();
      const child = spawn(process.execPath, ['-r', '@swc-node/register', 'src/main.ts'], {
        cwd: root,
        env: { ...process.env, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      let stdout = '';
      let signalled = false;
      child.stdout!.on('data', (c: Buffer) => (stdout += c));
      child.stderr!.on('data', (c: Buffer) => {
        stderr += c;
        const pid = /listening on .* \(pid (\d+)\)/.exec(stderr)?.[1];
        if (pid !== undefined && !signalled) {
          signalled = true;
          process.kill(Number(pid), 'SIGTERM');
        }
      });
      const code = await new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode)));
      expect(signalled).toBe(true);
      expect({ code, stderr }).toEqual({ code: 0, stderr: expect.stringContaining('listening on') });
      expect(stdout).toContain('"msg":"stopped"');
    } finally {
      for (const loop of busy) loop.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 300_000);

  // A process stuck on its log stream would never exit: the test's timeout is the bound, not a measurement.
  it('when stdout is a closed pipe (EPIPE), then SIGTERM still ends the process: at once, or at SHUTDOWN_TIMEOUT_MS saying so', async () => {
    const s = await startService({ SHUTDOWN_TIMEOUT_MS: '2000' });
    s.child.stdout!.destroy();
    // Refusals are logged, so the service writes into the closed pipe.
    for (let i = 0; i < 20; i++) await fetch(`http://127.0.0.1:${s.port}/no-such-route-${i}`).then((r) => r.arrayBuffer());
    s.child.kill('SIGTERM');
    const code = await s.exited;
    if (code === 1) expect(s.stderr()).toContain('shutdown did not finish within SHUTDOWN_TIMEOUT_MS; exiting');
    else expect(code).toBe(0);
    s.cleanup();
  }, 120_000);

  // Without the shutdown deadline, the open request would hold the process until the server's requestTimeout (30 s).
  it('when a client never sends its body, then SIGTERM ends the process at SHUTDOWN_TIMEOUT_MS: the deadline closes the connection and it exits 0', async () => {
    const s = await startService({ SHUTDOWN_TIMEOUT_MS: '2000' });
    const socket = net.connect(s.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.on('error', () => {});
    socket.write('POST /reports/ingest HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer rpk_' + 'a'.repeat(64) + '\r\nX-Device-ID: d\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"applic');
    // A later request answered on another connection: the server has read this one's head by then.
    expect((await fetch(`http://127.0.0.1:${s.port}/healthz`)).status).toBe(200);
    const started = Date.now();
    s.child.kill('SIGTERM');
    const code = await s.exited;
    const took = Date.now() - started;
    socket.destroy();
    // It waited for the request (a lower bound holds on any machine), then the deadline closed it.
    expect(took).toBeGreaterThanOrEqual(900);
    expect(s.stdout()).toContain('shutdown timeout reached; closing remaining connections');
    expect(code).toBe(0);
    s.cleanup();
  }, 120_000);
});
