import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reportBody, gzipDetails } from '../fixtures/reports';
import { ADMIN, spawnServer, type SpawnedServer } from '../fixtures/spawned-server';
import { onSmallDisk } from '../fixtures/tmpfs';
import { eventually } from '../fixtures/wait';

// Attacks from loopback with no credentials, against the real entry point (src/main.ts) in a child
// process. `npm test` runs short versions and checks behaviour only, so a busy machine can't fail
// it; HOSTILE_FULL=1 (npm run test:reliability) runs the long ones and also holds the latency
// bounds that docs/reliability.md reports.
const FULL = process.env.HOSTILE_FULL === '1';
const SPRAY_MS = FULL ? 30_000 : 3_000;

interface Answer {
  status: number;
  ms: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function send(port: number, method: string, path: string, options: { headers?: Record<string, string>; body?: string; localAddress?: string } = {}): Promise<Answer> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, agent: false, headers: options.headers, localAddress: options.localAddress }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', () => resolve({ status: 0, ms: performance.now() - started, headers: {}, body: '' }));
    });
    req.on('error', () => resolve({ status: 0, ms: performance.now() - started, headers: {}, body: '' }));
    req.end(options.body);
  });
}

const json = { 'Content-Type': 'application/json' };
const login = (port: number, username: string, password: string, localAddress?: string) =>
  send(port, 'POST', '/auth/login', { headers: json, body: JSON.stringify({ username, password }), localAddress });

function detailsReport(server: SpawnedServer, i: number, localAddress?: string, detailsBytes = 2048) {
  const body = JSON.stringify(reportBody({ event: { reason: `spray_${i % 50}` }, details: gzipDetails({ log: randomBytes(detailsBytes).toString('base64'), i }) }));
  return send(server.port, 'POST', '/reports/ingest', { headers: { ...json, Authorization: `Bearer ${server.key}`, 'X-Device-ID': randomUUID() }, body, localAddress });
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `work` in a loop until `until` passes. */
async function loop(until: number, work: () => Promise<unknown>, pauseMs = 0): Promise<void> {
  while (Date.now() < until) {
    await work();
    if (pauseMs > 0) await sleep(pauseMs);
  }
}

const reliabilityLimits = {
  REPORTS_RATE_LIMIT_PER_KEY_PER_MINUTE: '1000000',
  REPORTS_RATE_LIMIT_PER_GROUP_PER_MINUTE: '1000000',
};

/** One sign-in as a person makes it: retried after Retry-After on 429 or 503, for at most `budgetMs`. */
interface SignInTry {
  ok: boolean;
  ms: number;
  attempts: Answer[];
}

async function signInAsTold(port: number, localAddress: string, budgetMs: number): Promise<SignInTry> {
  const started = performance.now();
  const attempts: Answer[] = [];
  for (;;) {
    const answer = await login(port, ADMIN.username, ADMIN.password, localAddress);
    attempts.push(answer);
    const ms = performance.now() - started;
    if (answer.status === 200) return { ok: true, ms, attempts };
    const wait = Number(answer.headers['retry-after'] ?? 1) * 1000;
    if (![429, 503].includes(answer.status) || ms + wait > budgetMs) return { ok: false, ms, attempts };
    await sleep(wait);
  }
}

/** The figures a spray leaves, printed for docs/reliability.md. */
interface SprayRun {
  spray: Record<string, number>;
  reports: Answer[];
  ready: Answer[];
  alice: SignInTry[];
}

// The attacker runs in its own process, as it would on its own machine: its loops must not slow
// the measuring client's event loop and so inflate the latencies measured here.
const SPRAYER = `
const http = require('node:http');
const crypto = require('node:crypto');
const [port, ms, workers, distributed] = process.argv.slice(1).map(Number);
const until = Date.now() + ms;
const statuses = {};
const attempt = (worker) => new Promise((resolve) => {
  const body = JSON.stringify({ username: 'u' + crypto.randomBytes(6).toString('hex'), password: 'guess-guess-guess' });
  const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/auth/login', agent: false,
    localAddress: distributed ? '127.0.0.' + (10 + worker) : '127.0.0.1', headers: { 'Content-Type': 'application/json' } }, (res) => {
    res.resume();
    res.on('end', () => resolve(res.statusCode));
  });
  req.on('error', () => resolve(0));
  req.end(body);
});
const loop = async (worker) => { while (Date.now() < until) { const s = await attempt(worker); statuses[s] = (statuses[s] || 0) + 1; } };
Promise.all(Array.from({ length: workers }, (_, w) => loop(w))).then(() => process.stdout.write(JSON.stringify(statuses)));
`;

function sprayFromAnotherProcess(port: number, distributed: boolean): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', SPRAYER, String(port), String(SPRAY_MS), '100', distributed ? '1' : '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (c: Buffer) => (out += c));
    child.on('exit', () => (out ? resolve(JSON.parse(out) as Record<string, number>) : reject(new Error('sprayer printed nothing'))));
  });
}

/**
 * The same client loops with no spray, for a few seconds: what this machine, as loaded as it is
 * now, takes to answer. The thresholds of the full run are measured against it.
 */
async function quietBaseline(server: SpawnedServer): Promise<{ reportP99: number; signInMax: number }> {
  const until = Date.now() + 4000;
  const reports: Answer[] = [];
  const signIns: Answer[] = [];
  let i = 0;
  await Promise.all([
    loop(until, async () => reports.push(await detailsReport(server, i++)), 50),
    loop(until, async () => signIns.push(await login(server.port, ADMIN.username, ADMIN.password, '127.0.0.4')), 500),
  ]);
  return { reportP99: Math.round(percentile(reports.map((r) => r.ms), 99)), signInMax: Math.round(Math.max(...signIns.map((a) => a.ms))) };
}

async function loginSpray(server: SpawnedServer, distributed: boolean, aliceEveryMs: number): Promise<SprayRun> {
  const until = Date.now() + SPRAY_MS;
  const run: SprayRun = { spray: {}, reports: [], ready: [], alice: [] };
  let i = 0;
  await Promise.all([
    sprayFromAnotherProcess(server.port, distributed).then((statuses) => (run.spray = statuses)),
    loop(until, async () => run.reports.push(await detailsReport(server, i++)), 50),
    loop(until, async () => run.ready.push(await send(server.port, 'GET', '/readyz')), 100),
    loop(until, async () => run.alice.push(await signInAsTold(server.port, '127.0.0.2', 10_000)), aliceEveryMs),
  ]);
  return run;
}

/**
 * /readyz gives each check 1 s. With HOSTILE_FULL it must answer 200 all through the spray, the
 * figure docs/reliability.md reports; a short run on a busy machine can see a check take longer
 * than that whatever the spray does, so there every probe must be answered (200, or 503 naming the
 * check) and the service must be ready once the spray is over.
 */
async function expectReadyThroughout(server: SpawnedServer, run: SprayRun): Promise<void> {
  if (FULL) {
    expect(count(run.ready.map((r) => r.status))).toEqual({ 200: run.ready.length });
    return;
  }
  for (const probe of run.ready) {
    if (probe.status !== 200) expect({ status: probe.status, failing: JSON.parse(probe.body).failing }).toEqual({ status: 503, failing: expect.arrayContaining([expect.any(String)]) });
  }
  await eventually(async () => (await send(server.port, 'GET', '/readyz')).status, (status) => status === 200);
}

function figures(run: SprayRun) {
  return {
    spray: Object.values(run.spray).reduce((a, b) => a + b, 0),
    sprayStatuses: run.spray,
    reports: run.reports.length,
    reportP50: Math.round(percentile(run.reports.map((r) => r.ms), 50)),
    reportP99: Math.round(percentile(run.reports.map((r) => r.ms), 99)),
    reportStatuses: count(run.reports.map((r) => r.status)),
    readyz: count(run.ready.map((r) => r.status)),
    readyzMaxMs: Math.round(Math.max(...run.ready.map((r) => r.ms))),
    aliceTries: run.alice.length,
    aliceIn: run.alice.filter((t) => t.ok).length,
    aliceAttempts: count(run.alice.flatMap((t) => t.attempts.map((a) => a.status))),
    aliceInP50Ms: Math.round(percentile(run.alice.filter((t) => t.ok).map((t) => t.ms), 50)),
    aliceInMaxMs: Math.round(Math.max(...run.alice.filter((t) => t.ok).map((t) => t.ms))),
    aliceAnswerMaxMs: Math.round(Math.max(...run.alice.flatMap((t) => t.attempts.map((a) => a.ms)))),
  };
}

describe('hostile traffic: sign-in sprays', () => {
  it('when 100 clients from 100 addresses spray sign-ins with random usernames, then a user who retries as told signs in, details reports are counted and /readyz stays up (with HOSTILE_FULL: 95% of tries within 10 s, /readyz 200 throughout)', async () => {
    const server = await spawnServer(reliabilityLimits);
    try {
      const quiet = FULL ? await quietBaseline(server) : null;
      const run = await loginSpray(server, true, 1000);
      const seen = figures(run);
      process.stdout.write(`distributed login spray: ${JSON.stringify({ quiet, ...seen })}\n`);
      if (seen.reportStatuses[0] !== undefined) process.stdout.write(`server output: ${server.output().slice(-3000)}\n`);
      expect(Object.keys(seen.reportStatuses)).toEqual(['202']);
      await expectReadyThroughout(server, run);
      // Only 200, or a refusal that says when to come back.
      expect(run.alice.every((t) => t.attempts.every((a) => a.status === 200 || ([429, 503].includes(a.status) && Number(a.headers['retry-after']) >= 1)))).toBe(true);
      if (quiet) {
        expect(seen.aliceIn / seen.aliceTries).toBeGreaterThanOrEqual(0.95);
        expect(seen.aliceInMaxMs).toBeLessThan(10_000);
        // The sprayer shares the machine's cores here, as a remote attacker would not: 2 s of room.
        expect(seen.reportP99).toBeLessThan(quiet.reportP99 + 2000);
        // Over the hashing capacity a sign-in waits at most 750 ms for a slot, then is refused (503,
        // Retry-After), unless it is next in line: then one hash ahead of it, and its own.
        expect(seen.aliceAnswerMaxMs).toBeLessThan(2 * quiet.signInMax + 2000);
      } else {
        expect(seen.aliceIn).toBe(seen.aliceTries);
      }
    } finally {
      await server.stop();
    }
  }, 300_000);

  it('when 100 clients from one address spray sign-ins, then that address is refused before hashing and a user elsewhere signs in at her first attempt every time (with HOSTILE_FULL: /readyz 200 throughout)', async () => {
    const server = await spawnServer(reliabilityLimits);
    try {
      const quiet = FULL ? await quietBaseline(server) : null;
      const run = await loginSpray(server, false, FULL ? 2000 : 500);
      const seen = figures(run);
      process.stdout.write(`single-address login spray: ${JSON.stringify({ quiet, ...seen })}\n`);
      if (seen.reportStatuses[0] !== undefined) process.stdout.write(`server output: ${server.output().slice(-3000)}\n`);
      expect(seen.aliceAttempts).toEqual({ 200: run.alice.length });
      expect(seen.sprayStatuses[401] ?? 0).toBeLessThanOrEqual(30 + 1);
      expect(seen.sprayStatuses[429]).toBeGreaterThan(0);
      await expectReadyThroughout(server, run);
      if (quiet) {
        // At most one hash of the sprayer's ahead of hers, then her own; the sprayer shares the cores.
        expect(seen.aliceAnswerMaxMs).toBeLessThan(2 * quiet.signInMax + 2000);
        expect(seen.reportP99).toBeLessThan(quiet.reportP99 + 2000);
      }
    } finally {
      await server.stop();
    }
  }, 300_000);
});

describe('hostile traffic: client logs, connections, disk', () => {
  let server: SpawnedServer;
  afterEach(async () => server?.stop());

  // The limit's window is a minute: the short run keeps well inside it (60 + 10 batches) however busy
  // the machine; the full run sends the default's 600 + 100.
  it('when one address rotates a random X-Device-Id per batch, then 429 scope logs_ip starts at LOGS_RATE_LIMIT_PER_IP_PER_MINUTE', async () => {
    const perIp = FULL ? 600 : 60;
    server = await spawnServer({ ...reliabilityLimits, ...(FULL ? {} : { LOGS_RATE_LIMIT_PER_IP_PER_MINUTE: String(perIp) }) });
    const batch = JSON.stringify({ logs: [{ level: 'error', message: 'x'.repeat(1000), timestamp: 1736956780000 }] });
    const statuses: number[] = [];
    let limited: Answer | undefined;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        for (let i = 0; i < perIp / 10 + (FULL ? 10 : 1); i++) {
          const answer = await send(server.port, 'POST', '/api/v1/logs', { headers: { ...json, 'X-Device-Id': randomUUID() }, body: batch });
          statuses.push(answer.status);
          if (answer.status === 429) limited = answer;
        }
      }),
    );
    process.stdout.write(`rotating-device logs spray: ${JSON.stringify({ sent: statuses.length, statuses: count(statuses), seconds: Math.round(performance.now() - started) / 1000 })}\n`);
    expect(count(statuses)).toEqual({ 200: perIp, 429: FULL ? 100 : 10 });
    expect(JSON.parse(limited!.body)).toMatchObject({ code: 'rate_limited', scope: 'logs_ip' });
    expect(Number(limited!.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  }, 180_000);

  it('when one address opens connections past SERVER_MAX_CONNECTIONS_PER_IP and holds them silent, then the excess is closed at once and another client still gets 202s', async () => {
    const perIp = FULL ? 256 : 50;
    const flood = FULL ? 20_000 : 200;
    server = await spawnServer({ ...reliabilityLimits, SERVER_MAX_CONNECTIONS_PER_IP: String(perIp) });
    const baselineFds = server.openFds();
    const attack = holdConnections(server.port, { total: flood, addresses: ['127.0.0.1'], ms: FULL ? 8000 : 2000, reopen: false });
    // Accepting thousands of connections takes the server a moment, and past the listen backlog the
    // kernel holds some handshakes back, so count from the server's side: the descriptors it holds.
    // The bound holds whenever it is sampled, so no assertion depends on how fast the server gets there.
    let peakFds = 0;
    const normal: Answer[] = [];
    const watch = (async () => {
      for (let waited = 0; waited < (FULL ? 7000 : 1500); waited += 100) {
        peakFds = Math.max(peakFds, server.openFds());
        await sleep(100);
      }
      for (let i = 0; i < 20; i++) normal.push(await detailsReport(server, i, '127.0.0.2'));
    })();
    const [held] = await Promise.all([attack, watch]);
    const serverFds = server.openFds() - baselineFds;
    process.stdout.write(`connection flood: ${JSON.stringify({ opened: held.opened, connected: held.connected, perIp, closedByServer: held.closed, serverFdsOverBaseline: serverFds, peakFdsOverBaseline: peakFds - baselineFds, normal: count(normal.map((a) => a.status)), normalMaxMs: Math.round(Math.max(...normal.map((a) => a.ms))) })}\n`);
    // The harness's own health-check connection may hold one of the address's slots.
    expect(peakFds - baselineFds).toBeLessThanOrEqual(perIp + 2);
    expect(held.opened).toBe(flood);
    expect(normal.every((a) => a.status === 202)).toBe(true);
  }, 180_000);

  it('when 100 addresses hold more silent connections than SERVER_MAX_CONNECTIONS and reopen every one closed, then another client gets at least 99% of its requests answered', async () => {
    // The listen backlog (511) is accepted in one turn of the event loop: the cap must exceed it,
    // or a burst of accepts could close a client's connection before its request is read.
    const max = FULL ? 4096 : 1000;
    const total = FULL ? 19_000 : 2000;
    server = await spawnServer({ ...reliabilityLimits, SERVER_MAX_CONNECTIONS: String(max), METRICS_TOKEN: 'hostile' });
    const addresses = Array.from({ length: 100 }, (_, i) => `127.0.0.${10 + i}`);
    const ms = FULL ? 30_000 : 6000;
    const attack = holdConnections(server.port, { total, addresses, ms, reopen: true });
    await sleep(FULL ? 5000 : 1500);
    const victim: Answer[] = [];
    let i = 0;
    const until = Date.now() + ms - (FULL ? 7000 : 2500);
    await Promise.all([
      loop(until, async () => victim.push(await detailsReport(server, i++, '127.0.0.2')), 250),
      loop(until, async () => victim.push(await send(server.port, 'GET', '/readyz', { localAddress: '127.0.0.3' })), 250),
    ]);
    const held = await attack;
    const closed = await scrape(server.port, 'telltale_connections_closed_total', 'hostile');
    const ok = victim.filter((a) => a.status === 202 || a.status === 200).length;
    const seen = { attackOpened: held.opened, attackConnected: held.connected, closedByServer: held.closed, serverClosed: closed, victim: victim.length, answered: ok, statuses: count(victim.map((a) => a.status)), p50: Math.round(percentile(victim.map((a) => a.ms), 50)), p99: Math.round(percentile(victim.map((a) => a.ms), 99)), maxMs: Math.round(Math.max(...victim.map((a) => a.ms))) };
    process.stdout.write(`idle connections from 100 addresses: ${JSON.stringify(seen)}\n`);
    expect(held.connected).toBeGreaterThan(max);
    expect(closed.idle_evicted ?? 0).toBeGreaterThan(0);
    expect(ok / victim.length).toBeGreaterThanOrEqual(0.99);
  }, 180_000);

  it('when Expect: 100-continue comes with a Content-Length over the cap, then 413 and no 100 Continue; under the cap, 100 then 202', async () => {
    server = await spawnServer(reliabilityLimits);
    const raw = (headers: string, body = '') =>
      new Promise<string>((resolve) => {
        const socket = net.connect({ host: '127.0.0.1', port: server.port });
        let text = '';
        let sent = false;
        socket.on('data', (c: Buffer) => {
          text += c.toString('latin1');
          // write, not end: a client that half-closes before its answer may be hung up on while the server still works.
          if (text.startsWith('HTTP/1.1 100') && body !== '' && !sent) {
            sent = true;
            socket.write(body);
          }
        });
        socket.on('close', () => resolve(text));
        socket.on('error', () => resolve(text));
        socket.write(headers);
        setTimeout(() => socket.destroy(), 15_000);
      });
    const head = (length: number) =>
      `POST /reports/ingest HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${server.key}\r\nX-Device-ID: ${randomUUID()}\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: ${length}\r\nConnection: close\r\n\r\n`;
    const huge = await raw(head(10 * 1024 ** 3));
    expect(huge).toMatch(/^HTTP\/1\.1 413 /);
    expect(huge).not.toContain('100 Continue');
    expect(huge).toContain('"code":"payload_too_large"');
    const body = JSON.stringify(reportBody());
    const fine = await raw(head(Buffer.byteLength(body)), body);
    expect(fine).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 202 /);
  }, 180_000);

  it('when the disk under DATA_DIR/blobs fills, then reports are still counted (202), no .part file is left, and a leftover from a crash is gone after start-up', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'telltale-diskfull-'));
    const blobs = join(dataDir, 'blobs');
    mkdirSync(blobs);
    try {
      await onSmallDisk(blobs, '512k', 'disk-full run', async () => {
        try {
          mkdirSync(join(blobs, '.tmp'));
          const leftover = join(blobs, '.tmp', 'crashed.part');
          writeFileSync(leftover, 'partial details of a report');
          const old = new Date(Date.now() - 10 * 60_000);
          utimesSync(leftover, old, old);
          server = await spawnServer(reliabilityLimits, dataDir);
          expect(readdirSync(join(blobs, '.tmp'))).toEqual([]);
          const answers: Answer[] = [];
          for (let i = 0; i < (FULL ? 40 : 12); i++) answers.push(await detailsReport(server, i, undefined, 90 * 1024));
          const stored = answers.map((a) => JSON.parse(a.body) as { stored_details: boolean; details_error?: { code: string } });
          process.stdout.write(`disk full: ${JSON.stringify({ reports: answers.length, statuses: count(answers.map((a) => a.status)), storedDetails: stored.filter((s) => s.stored_details).length, tmpFiles: readdirSync(join(blobs, '.tmp')).length })}\n`);
          expect(answers.every((a) => a.status === 202)).toBe(true);
          expect(stored.some((s) => s.details_error?.code === 'details_storage_failed')).toBe(true);
          expect(readdirSync(join(blobs, '.tmp'))).toEqual([]);
          expect((await send(server.port, 'GET', '/readyz')).status).toBe(200);
        } finally {
          await server?.stop().catch(() => undefined);
        }
      });
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);
});

// The connections are held by processes of their own, as an attacker's machines would: at most
// 8,000 sockets each, so that none runs out of descriptors (the hard limit here is 20,000).
const HOLDER = `
const net = require('node:net');
const [port, total, ms, reopen, ...addresses] = process.argv.slice(1);
let until = Infinity;
const tally = { opened: 0, connected: 0, closed: 0, errors: 0 };
const sockets = new Set();
// 127.0.0.1 is the default source: not binding it first spares the kernel a search for a free
// port among thousands of bound sockets, which took longer than the run.
const source = (i) => (addresses[i % addresses.length] === '127.0.0.1' ? undefined : addresses[i % addresses.length]);
const open = (i) => {
  const socket = net.connect({ host: '127.0.0.1', port: Number(port), localAddress: source(i) });
  tally.opened++;
  sockets.add(socket);
  socket.on('connect', () => tally.connected++);
  socket.on('error', () => tally.errors++);
  socket.on('close', () => {
    sockets.delete(socket);
    if (Date.now() >= until) return;
    tally.closed++;
    if (reopen === '1') setImmediate(() => open(i));
  });
};
const finish = () => {
  for (const socket of sockets) socket.destroy();
  process.stdout.write(JSON.stringify(tally));
  process.exit(0);
};
// In batches, so that connections are answered while the rest are opened; held for ms after the last.
const batch = (from) => {
  for (let i = from; i < Math.min(from + 500, Number(total)); i++) open(i);
  if (from + 500 < Number(total)) return setImmediate(() => batch(from + 500));
  until = Date.now() + Number(ms);
  setTimeout(finish, Number(ms));
};
batch(0);
`;

interface Held {
  opened: number;
  connected: number;
  /** Closed by the server (or refused) before the end of the run. */
  closed: number;
  errors: number;
}

const PER_HOLDER = 8000;

function holdConnections(port: number, options: { total: number; addresses: string[]; ms: number; reopen: boolean }): Promise<Held> {
  const processes = Math.ceil(options.total / PER_HOLDER);
  const one = (share: number, addresses: string[]) =>
    new Promise<Held>((resolve, reject) => {
      const child = spawn(process.execPath, ['-e', HOLDER, String(port), String(share), String(options.ms), options.reopen ? '1' : '0', ...addresses], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout!.on('data', (c: Buffer) => (out += c));
      child.on('exit', () => (out ? resolve(JSON.parse(out) as Held) : reject(new Error('connection holder printed nothing'))));
    });
  // Each process takes its share of the connections and of the addresses (all of them when fewer).
  const holders = Array.from({ length: processes }, (_, p) => {
    const addresses = options.addresses.length >= processes ? options.addresses.filter((_a, i) => i % processes === p) : options.addresses;
    const share = Math.floor(options.total / processes) + (p < options.total % processes ? 1 : 0);
    return one(share, addresses);
  });
  return Promise.all(holders).then((tallies) =>
    tallies.reduce((sum, t) => ({ opened: sum.opened + t.opened, connected: sum.connected + t.connected, closed: sum.closed + t.closed, errors: sum.errors + t.errors })),
  );
}

/** A counter's series by their one label's value, read from /metrics as a scraper would. */
async function scrape(port: number, name: string, token: string): Promise<Record<string, number>> {
  const answer = await send(port, 'GET', '/metrics', { headers: { Authorization: `Bearer ${token}` } });
  const out: Record<string, number> = {};
  for (const line of answer.body.split('\n')) {
    const match = new RegExp(`^${name}\\{\\w+="([^"]+)"\\} (\\d+)`).exec(line);
    if (match) out[match[1]!] = Number(match[2]);
  }
  return out;
}

function count(statuses: number[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of statuses) out[s] = (out[s] ?? 0) + 1;
  return out;
}
