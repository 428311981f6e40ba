// A details gzip bomb (1 GiB of zeros, inflated) against a running Telltale, measuring the
// server's RSS before and after. Run: node -r @swc-node/register bench/gzip-bomb.ts
// Two configurations: the defaults (the compressed cap refuses the ~1 MiB bomb before inflating),
// and a compressed cap raised to 2 MiB so the bomb reaches the inflater and its 1 MiB output cap.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants, createGzip } from 'node:zlib';
import { serverStats, startServer } from './start-server';

const ROUNDS = Number(process.env.BOMBS ?? 20);

async function bomb(inflatedBytes: number): Promise<Buffer> {
  const gzip = createGzip({ level: constants.Z_BEST_COMPRESSION });
  const chunks: Buffer[] = [];
  gzip.on('data', (c: Buffer) => chunks.push(c));
  const zeros = Buffer.alloc(1024 * 1024);
  for (let sent = 0; sent < inflatedBytes; sent += zeros.length) {
    if (!gzip.write(zeros)) await new Promise((r) => gzip.once('drain', r));
  }
  gzip.end();
  await new Promise((r) => gzip.once('end', r));
  return Buffer.concat(chunks);
}

async function run(label: string, env: Record<string, string>, payload: string) {
  const dataDir = mkdtempSync(join(tmpdir(), 'telltale-bomb-'));
  const server = await startServer('bench/servers/telltale.ts', { DATA_DIR: dataDir, LOG_LEVEL: 'warn', REPORTS_RATE_LIMIT_PER_DEVICE_GROUP_PER_HOUR: '1000000', REPORTS_RATE_LIMIT_PER_GROUP_PER_MINUTE: '1000000', REPORTS_RATE_LIMIT_PER_KEY_PER_MINUTE: '1000000', ...env });
  const { info } = server;
  const rss = async () => (await serverStats(info)).rss;
  const body = JSON.stringify({
    application: { name: 'bench-app', version: '1.0.0', channel: 'stable' },
    system: { platform: 'linux', arch: 'amd64' },
    event: { type: 'crash', reason: 'bomb' },
    details: { encoding: 'gzip+base64', content_type: 'application/json', payload },
  });
  const send = async () => {
    const res = await fetch(`http://127.0.0.1:${info.port}/reports/ingest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${info.key}`, 'x-device-id': randomUUID() },
      body,
    });
    return { status: res.status, body: (await res.json()) as { details_error?: { code: string } } };
  };
  await send(); // warm up: first-use allocations are not the bomb's
  const before = await rss();
  let last = await send();
  for (let i = 1; i < ROUNDS; i++) last = await send();
  const after = await rss();
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
  process.stdout.write(
    `${label}: ${ROUNDS} bombs, answer ${last.status} ${last.body.details_error?.code ?? ''}, body ${(body.length / 1048576).toFixed(2)} MiB, RSS before ${(before / 1048576).toFixed(1)} MiB, after ${(after / 1048576).toFixed(1)} MiB, extra ${((after - before) / 1048576).toFixed(2)} MiB\n`,
  );
}

async function main() {
  const compressed = await bomb(1024 * 1024 * 1024);
  const payload = compressed.toString('base64');
  process.stdout.write(`bomb: 1 GiB of zeros -> ${(compressed.length / 1048576).toFixed(2)} MiB gzip, ${(payload.length / 1048576).toFixed(2)} MiB base64\n`);
  await run('defaults (compressed cap 128 KiB)', { REPORTS_MAX_BODY_BYTES: String(4 * 1024 * 1024) }, payload);
  await run('compressed cap raised to 2 MiB (the inflater meets the bomb)', { REPORTS_MAX_BODY_BYTES: String(4 * 1024 * 1024), REPORTS_MAX_DETAILS_COMPRESSED_BYTES: String(2 * 1024 * 1024) }, payload);
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
