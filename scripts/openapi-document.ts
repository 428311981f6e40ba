// Prints the OpenAPI document the service serves at GET /openapi.json, built in process by the same
// code path as `npm start` (compose, then createApp), with every feature on and in-memory stores.
// scripts/gen-api-types.mjs turns it into the dashboard's types.
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { compose } from '../src/composition/compose';
import { loadConfig } from '../src/composition/config';
import { createApp } from '../src/composition/create-app';

export async function openApiDocument(): Promise<unknown> {
  const dataDir = mkdtempSync(join(tmpdir(), 'telltale-openapi-'));
  const config = loadConfig({ REPOSITORY_DRIVER: 'memory', STORAGE_DRIVER: 'memory', DATA_DIR: dataDir, JWT_SECRET: 'x'.repeat(32), LOG_LEVEL: 'silent' });
  const composition = await compose(config, { logger: pino({ level: 'silent' }) });
  const server = createApp(composition.deps).listen(0, '127.0.0.1');
  try {
    await new Promise((resolve) => server.once('listening', resolve));
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/openapi.json`);
    if (!res.ok) throw new Error(`GET /openapi.json answered ${res.status}`);
    return await res.json();
  } finally {
    await new Promise((resolve) => server.close(resolve));
    await composition.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  openApiDocument().then(
    (doc) => process.stdout.write(`${JSON.stringify(doc)}\n`),
    (error: Error) => {
      process.stderr.write(`openapi-document: ${error.stack ?? error.message}\n`);
      process.exit(1);
    },
  );
}
