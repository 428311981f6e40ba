#!/usr/bin/env node
// Time from starting the service to its "listening" line on stderr, N times, each on a fresh
// DATA_DIR and a free port; prints each run and the min, median and max. Stops each run with SIGTERM.
//   node bench/start-to-listening.mjs [runs] [-- command …]     (default: 5 runs of `npm start`)
// `npm start` includes the staleness check (scripts/build-if-stale.mjs): build dist/ first to time a
// second start; `-- node dist/main.js` times the server alone.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const separator = process.argv.indexOf('--');
const runs = Number(process.argv[2] && process.argv[2] !== '--' ? process.argv[2] : 5);
const command = separator === -1 ? ['npm', 'start'] : process.argv.slice(separator + 1);

const freePort = () =>
  new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

async function once() {
  const dataDir = mkdtempSync(join(tmpdir(), 'telltale-start-'));
  const port = await freePort();
  const started = process.hrtime.bigint();
  const child = spawn(command[0], command.slice(1), {
    env: { ...process.env, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const ms = await new Promise((resolve, reject) => {
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      if (stderr.includes('listening on')) resolve(Number(process.hrtime.bigint() - started) / 1e6);
    });
    child.once('exit', (code) => reject(new Error(`exited ${code} before listening: ${stderr}`)));
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
  rmSync(dataDir, { recursive: true, force: true });
  return ms;
}

const times = [];
for (let i = 0; i < runs; i++) {
  const ms = await once();
  times.push(ms);
  process.stdout.write(`run ${i + 1}: ${(ms / 1000).toFixed(2)} s\n`);
}
times.sort((a, b) => a - b);
const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
process.stdout.write(`${command.join(' ')} to "listening", ${runs} runs: min ${s(times[0])}, median ${s(times[Math.floor(runs / 2)])}, max ${s(times[runs - 1])}\n`);
