// A synthetic rollout through Telltale's public HTTP API: a baseline 1.0.0 and a bad release 1.1.0.
// `setup` creates an app, a relay token for its beacon batches and a webhook, and prints them as shell
// exports (the receiver's secret among them); `beacons` sends six hours of beacons and evaluates (watch); `crashes` sends crash reports and
// evaluates again (halt); `run` does both. The README's "A rollout that halts" section walks through it.
import { readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';

const BASE = process.env.TELLTALE_URL ?? 'http://localhost:8080';
const STATE = process.env.STATE_FILE ?? '.synthetic-rollout.json';
const RECEIVER = process.env.RECEIVER_URL ?? 'http://127.0.0.1:8787/hook';
const HOUR = 3_600_000;
const CELL = { channel: 'stable', platform: 'android', arch: 'arm64' };
const FLEET = { '1.0.0': { devices: 2000, crashes: 6 }, '1.1.0': { devices: 400, crashes: 30 } };

async function call(method, path, { token, body, headers = {} } = {}) {
  const res = await fetch(`${BASE}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

const deviceId = (version, i) => `synthetic-${version}-${i}`;

async function setup() {
  const { token } = await call('POST', '/auth/login', { body: { username: process.env.TELLTALE_USER, password: process.env.TELLTALE_PASSWORD } });
  const app = await call('POST', '/apps', { token, body: { name: `synthetic-${randomBytes(3).toString('hex')}` } });
  const hook = await call('POST', `/apps/${app.id}/webhooks`, { token, body: { url: RECEIVER, events: ['rollout.verdict_changed'] } });
  // Batches of beacons are a relay's: they take a relay token, not the report key the app ships with.
  const relay = await call('POST', `/apps/${app.id}/relay-tokens`, { token, body: { name: 'synthetic relay' } });
  writeFileSync(STATE, JSON.stringify({ token, appId: app.id, appName: app.name, reportKey: app.report_key, relayToken: relay.token }, null, 2));
  console.log(`# app ${app.name}, webhook ${hook.id} → ${RECEIVER}`);
  console.log(`# relay token ${relay.hint} for the beacon batches, kept in ${STATE}`);
  console.log(`export SYNTHETIC_APP=${app.id}`);
  console.log(`export WEBHOOK_SECRET=${hook.secret}`);
}

async function beacons(state) {
  const now = Date.now();
  const all = [];
  for (let h = 5; h >= 0; h--) {
    const at = new Date(now - h * HOUR - 60_000).toISOString();
    for (const [version, { devices }] of Object.entries(FLEET)) {
      for (let i = 0; i < devices; i++) all.push({ device_id: deviceId(version, i), version, ...CELL, at });
    }
  }
  for (let i = 0; i < all.length; i += 1000) {
    const answer = await call('POST', '/telemetry/beacons', { token: state.relayToken, body: { beacons: all.slice(i, i + 1000) } });
    if (answer.rejected?.length) throw new Error(`beacons rejected: ${JSON.stringify(answer.rejected.slice(0, 3))}`);
  }
  console.log(`${all.length} beacons over 6 hours: 1.0.0 on ${FLEET['1.0.0'].devices} devices, 1.1.0 on ${FLEET['1.1.0'].devices}`);
}

async function crashes(state) {
  for (const [version, { crashes: n }] of Object.entries(FLEET)) {
    for (let i = 0; i < n; i++) {
      // Two reasons keep each group under the per-group rate limit.
      const body = { application: { name: state.appName, version, channel: CELL.channel }, system: { platform: CELL.platform, arch: CELL.arch }, event: { type: 'crash', reason: `SIGSEGV-${i % 2}` } };
      await call('POST', '/reports/ingest', { token: state.reportKey, body, headers: { 'x-device-id': deviceId(version, i) } });
    }
    console.log(`${n} crash reports from ${version}`);
  }
}

async function verdict(state, label) {
  // Sketches are flushed every ROLLOUT_FLUSH_INTERVAL_MS (1 s by default).
  await new Promise((r) => setTimeout(r, 1500));
  const { items } = await call('POST', '/rollouts/evaluate', { token: state.token, body: { app: state.appId, version: '1.1.0' } });
  const [health] = items;
  console.log(`1.1.0 ${label}: ${health.verdict} (${health.reasons.join(', ') || 'no reasons'})`);
  return health;
}

const command = process.argv[2];
if (command === 'setup') await setup();
else if (['beacons', 'crashes', 'run'].includes(command)) {
  const state = JSON.parse(readFileSync(STATE, 'utf8'));
  if (command !== 'crashes') {
    await beacons(state);
    await verdict(state, 'before any failure');
  }
  if (command !== 'beacons') {
    await crashes(state);
    const end = await verdict(state, 'after the crash reports');
    console.log(JSON.stringify(end.metrics.crash ?? null));
  }
} else {
  console.error('usage: node scripts/synthetic-rollout.mjs setup|beacons|crashes|run   (TELLTALE_URL, TELLTALE_USER, TELLTALE_PASSWORD, RECEIVER_URL, STATE_FILE)');
  process.exit(2);
}
