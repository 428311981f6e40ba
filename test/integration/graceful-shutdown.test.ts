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
      if (i > 300 || child.exitCode !== null) throw new Error(`service did not start: ${output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
    const statuses: Promise<number>[] = [];
    let stopped = false;
    const body = (i: number) => JSON.stringify(reportBody({ event: { reason: `r${i % 40}` } }));
    // Keep 16 connections busy; SIGTERM lands in the middle of the stream.
    const pump = async (worker: number) => {
      for (let i = worker; !stopped && i < 100_000; i += 16) {
        const status = post(port, key, body(i), agent);
        statuses.push(status);
        if ((await status) === 0) return;
      }
    };
    const pumps = Array.from({ length: 16 }, (_, w) => pump(w));
    await new Promise((resolve) => setTimeout(resolve, 700));
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
  }, 60_000);
});
