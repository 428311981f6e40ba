// Writes a DATA_DIR the way a running Telltale would: through the composition and the public HTTP
// API only (no SQL), on a manual clock, into <folder>/data-dir, and what the API answered about it
// then into <folder>/answers.json. test/fixtures/upgrade/0.1.0/ was made with this script at release
// 0.1.0 (commit 227c5e9); test/integration/upgrade.test.ts opens a copy of it with today's code.
//
//   node -r @swc-node/register scripts/make-upgrade-fixture.ts <empty folder>
//
// Run it again only to make the fixture of a new release, from that release's checkout, into a new
// folder (test/fixtures/upgrade/<version>/): an old fixture must keep the bytes the old code wrote.
import { createServer, type Server } from 'node:http';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import pino from 'pino';
import { ManualClock } from '../src/adapters/memory/system-clock';
import { SQLITE_FILE_NAME } from '../src/adapters/sqlite/sqlite-database';
import { compose } from '../src/composition/compose';
import { loadConfig } from '../src/composition/config';
import { createApp } from '../src/composition/create-app';

const HOUR = 3_600_000;
/** The last beacons come a minute before; the reports, evaluations and resume follow. */
const BEACONS_END = new Date('2025-06-03T02:50:00.000Z');
const CELL = { channel: 'stable', platform: 'android', arch: 'arm64' };
/** The synthetic rollout of the README: 1.1.0 crashes 25 times as often as 1.0.0, and halts. */
const FLEET = { '1.0.0': { devices: 2000, crashes: 6 }, '1.1.0': { devices: 400, crashes: 30 } } as const;
const ADMIN = { username: 'alice', password: 'fixture alice 0.1.0' };
const TEAM_USER = { username: 'bob', password: 'fixture bob 0.1.0' };
const DETAILS = '{"message":"nil pointer","stack":"main.go:42","fixture":"0.1.0"}';

type Json = Record<string, any>;

async function main(folder: string): Promise<void> {
  if (existsSync(folder) && readdirSync(folder).length > 0) throw new Error(`${folder} is not empty`);
  const dataDir = join(folder, 'data-dir');
  const receiver = await startReceiver();
  const clock = new ManualClock(new Date(BEACONS_END.getTime() - 6 * HOUR));
  const config = loadConfig({
    DATA_DIR: dataDir,
    REPOSITORY_DRIVER: 'sqlite',
    STORAGE_DRIVER: 'fs',
    WEBHOOK_ALLOW_PRIVATE: 'true',
    ROLLOUT_FLUSH_INTERVAL_MS: '600000',
    LOG_LEVEL: 'warn',
  });
  const c = await compose(config, { clock, logger: pino({ level: 'warn' }) });
  const server = createApp(c.deps).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const api = client(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  try {
    const answers = await populate(api, {
      clock,
      flush: () => c.rollouts.buffer.flush(),
      deliver: () => c.verdicts.delivery.runOnce(),
      receiver: receiver.url,
      stopReceiver: () => new Promise((resolve) => receiver.server.close(resolve)),
      createAdmin: (a) => c.identity.createAdmin(a),
    });
    writeFileSync(join(folder, 'answers.json'), `${JSON.stringify(answers, null, 2)}\n`);
  } finally {
    await new Promise((resolve) => server.close(resolve));
    await c.close();
    if (receiver.server.listening) receiver.server.close();
  }
  checkpoint(dataDir);
}

interface Steps {
  clock: ManualClock;
  flush(): Promise<void>;
  deliver(): Promise<unknown>;
  receiver: string;
  stopReceiver(): Promise<unknown>;
  createAdmin(input: { username: string; password: string }): Promise<unknown>;
}

async function populate(api: ReturnType<typeof client>, s: Steps): Promise<Json> {
  // The admin as `telltale admins create` makes it; everything after goes through the HTTP API.
  await s.createAdmin(ADMIN);
  // Tokens last an hour and the clock moves six: sign in again after it moves.
  const login = async () => (await api('POST', '/auth/login', { body: ADMIN })).token as string;
  let token = await login();
  const app = await api('POST', '/apps', { token, body: { name: 'desktop' } });
  const key = app.report_key as string;
  const bob = await api('POST', '/users', { token, body: { ...TEAM_USER, allowed_apps: [app.id] } });
  const webhook = await api('POST', `/apps/${app.id}/webhooks`, {
    token,
    body: { url: s.receiver, events: ['group.new', 'group.regressed', 'rollout.verdict_changed'] },
  });
  await api('PATCH', `/apps/${app.id}/rollout-settings`, { token, body: { baseline: '1.0.0', min_devices: 25 } });

  await sendBeacons(api, s.clock, key);
  // Three update checks on a beta as the faynoSync SDK sends them (owner and app name, no key).
  for (const device of ['beta-1', 'beta-2', 'beta-3']) {
    const query = new URLSearchParams({ owner: ADMIN.username, app_name: 'desktop', version: '1.2.0-beta.1', channel: 'beta', platform: 'windows', arch: 'amd64', first_run: '1' });
    await api('GET', `/telemetry/beacon?${query}`, { headers: { 'x-device-id': device } });
  }
  await s.flush();
  token = await login();
  const watch = (await api('POST', '/rollouts/evaluate', { token, body: { app: app.id, version: '1.1.0' } })).items[0];

  const groups = await sendReports(api, key);
  await api('PATCH', `/reports/groups/${groups.resolved}?app=${app.id}`, { token, body: { status: 'resolved', note: 'fixed in 1.0.1' } });
  await api('PATCH', `/reports/groups/${groups.muted}?app=${app.id}`, { token, body: { status: 'muted', tags: ['flaky', 'ci'] } });
  await s.flush();
  const halt = (await api('POST', '/rollouts/evaluate', { token, body: { app: app.id, version: '1.1.0' } })).items[0];
  await s.deliver();

  s.clock.advance(5 * 60_000);
  token = await login();
  const resumed = await api('POST', '/rollouts/resume', { token, body: { app: app.id, version: '1.1.0', note: 'crash fixed by a config push' } });
  // The receiver is gone when the resume's event goes out: a failed attempt, and a delivery pending its retry.
  await s.stopReceiver();
  s.clock.advance(60_000);
  await s.deliver();
  s.clock.advance(4 * 60_000);
  token = await login();
  const withDetails = groups.withDetails;
  const reads = [
    '/apps',
    `/apps/${app.id}`,
    '/reports/keys',
    '/users',
    `/users/${bob.id}`,
    `/reports/groups?app=${app.id}&limit=100`,
    `/reports/groups?app=${app.id}&status=resolved`,
    `/reports/summary?app=${app.id}&group_by=version,type`,
    `/reports/groups/${groups.resolved}?app=${app.id}`,
    `/reports/groups/${withDetails}/blobs?app=${app.id}`,
    `/apps/${app.id}/webhooks`,
    `/apps/${app.id}/webhooks/${webhook.id}/deliveries`,
    `/apps/${app.id}/rollout-settings`,
    `/rollouts/rates?app=${app.id}&granularity=day`,
    `/rollouts/rates?app=${app.id}&granularity=hour&group_by=version,channel,platform,arch`,
    `/rollouts/health?app=${app.id}&version=1.1.0`,
  ];
  const responses: Json = {};
  for (const path of reads) responses[path] = await api('GET', path, { token });
  const [blob] = responses[`/reports/groups/${withDetails}/blobs?app=${app.id}`].items;
  return {
    made_with: 'telltale 0.1.0 (commit 227c5e9), scripts/make-upgrade-fixture.ts',
    fixture_end: s.clock.now().toISOString(),
    admin: ADMIN,
    team_user: { ...TEAM_USER, id: bob.id },
    app: { id: app.id, name: app.name, report_key: key },
    webhook: { id: webhook.id, url: webhook.url, secret: webhook.secret },
    groups,
    blob: { id: blob.id, key: blob.storage.key, details: DETAILS },
    verdicts: { before_crashes: watch.verdict, after_crashes: halt.verdict, after_resume: resumed.verdict },
    halt: halt.cells.map((c: Json) => ({ cell: `${c.channel} ${c.platform}/${c.arch}`, verdict: c.verdict, reasons: c.reasons, crash: c.metrics.crash })),
    /** GET path (as alice, on a clock at fixture_end) → the JSON body 0.1.0 answered. */
    responses,
  };
}

/** Six hours of beacons, through midnight UTC (two days, two day keys), from a relay's batches. */
async function sendBeacons(api: ReturnType<typeof client>, clock: ManualClock, key: string): Promise<void> {
  for (let h = 5; h >= 0; h--) {
    clock.set(new Date(BEACONS_END.getTime() - h * HOUR - 60_000));
    const beacons: Json[] = [];
    for (const [version, { devices }] of Object.entries(FLEET)) {
      for (let i = 0; i < devices; i++) {
        const arrived = version === '1.1.0' && h === 5 ? { from_version: '1.0.0' } : {};
        beacons.push({ device_id: `fixture-${version}-${i}`, version, ...CELL, ...arrived });
      }
    }
    for (let i = 0; i < beacons.length; i += 1000) {
      const answer = await api('POST', '/telemetry/beacons', { token: key, body: { beacons: beacons.slice(i, i + 1000) } });
      if (answer.rejected.length > 0) throw new Error(`beacons rejected: ${JSON.stringify(answer.rejected.slice(0, 3))}`);
    }
  }
}

/** The crashes that halt 1.1.0, one crash with stored details, and two update failures to triage. */
async function sendReports(api: ReturnType<typeof client>, key: string): Promise<{ withDetails: string; resolved: string; muted: string }> {
  const report = (version: string, device: string, event: Json, extra: Json = {}) =>
    api('POST', '/reports/ingest', {
      token: key,
      headers: { 'x-device-id': device },
      body: { application: { name: 'desktop', version, channel: CELL.channel }, system: { platform: CELL.platform, arch: CELL.arch }, event, ...extra },
    });
  for (const [version, { crashes }] of Object.entries(FLEET)) {
    // Two reasons keep each group under the per-group rate limit.
    for (let i = 0; i < crashes; i++) await report(version, `fixture-${version}-${i}`, { type: 'crash', reason: `SIGSEGV-${i % 2}` });
  }
  const details = { encoding: 'gzip+base64', content_type: 'application/json', payload: gzipSync(Buffer.from(DETAILS)).toString('base64') };
  const withDetails = await report('1.1.0', 'fixture-1.1.0-399', { type: 'crash', reason: 'panic_nil_pointer' }, { details });
  if (withDetails.stored_details !== true) throw new Error(`details not stored: ${JSON.stringify(withDetails)}`);
  const resolved = await report('1.0.0', 'fixture-1.0.0-100', { type: 'update_failure', reason: 'checksum_mismatch' });
  await report('1.0.0', 'fixture-1.0.0-101', { type: 'update_failure', reason: 'checksum_mismatch' });
  const muted = await report('1.0.0', 'fixture-1.0.0-102', { type: 'install_failure', reason: 'disk_full' });
  return { withDetails: withDetails.group_hash, resolved: resolved.group_hash, muted: muted.group_hash };
}

function client(base: string) {
  return async (method: string, path: string, opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Json> => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}), ...opts.headers },
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return text ? (JSON.parse(text) as Json) : {};
  };
}

/** A webhook receiver that accepts every delivery, so the fixture holds delivered attempts. */
async function startReceiver(): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => req.resume().on('end', () => res.writeHead(204).end()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook` };
}

/** Folds the WAL into telltale.db, so the fixture is that one file (still in WAL mode, as 0.1.0 leaves it). */
function checkpoint(dataDir: string): void {
  const db = new Database(join(dataDir, SQLITE_FILE_NAME));
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  for (const suffix of ['-wal', '-shm']) if (existsSync(join(dataDir, SQLITE_FILE_NAME + suffix))) throw new Error(`${SQLITE_FILE_NAME}${suffix} is left`);
}

if (require.main === module) {
  const dir = process.argv[2];
  if (!dir) {
    console.error('usage: node -r @swc-node/register scripts/make-upgrade-fixture.ts <empty folder>');
    process.exit(2);
  }
  main(dir).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
