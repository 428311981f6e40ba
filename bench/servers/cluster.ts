// N Telltale workers sharing one port through node:cluster (round-robin), one SQLite file and,
// when REDIS_URL is set, one Redis. Prints {ready, port, key} once every worker listens.
import cluster from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { compose } from '../../src/composition/compose';
import { loadConfig } from '../../src/composition/config';
import { createApp } from '../../src/composition/create-app';
import { createServiceLogger } from '../../src/adapters/pino/pino-logger';

const workers = Number(process.env.WORKERS ?? 2);
const port = Number(process.env.PORT ?? 18500);

async function primary() {
  const config = loadConfig();
  const setup = await compose(config, { logger: createServiceLogger('warn') });
  const now = new Date();
  const appId = randomBytes(12).toString('hex');
  const key = `rpk_${randomBytes(32).toString('hex')}`;
  await setup.directory.createApp({ id: appId, owner: 'bench', name: 'bench-app', reports: true, createdAt: now, updatedAt: now });
  await setup.directory.setReportKey(appId, key, now);
  await setup.close();
  let listening = 0;
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on('listening', () => {
    if (++listening === workers) process.stdout.write(`${JSON.stringify({ ready: true, port, key })}\n`);
  });
  process.on('SIGTERM', () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill('SIGTERM');
    setTimeout(() => process.exit(0), 500);
  });
}

async function worker() {
  const composition = await compose(loadConfig(), { logger: createServiceLogger('warn') });
  const server = createApp(composition.deps).listen(port, '127.0.0.1');
  process.on('SIGTERM', () => server.close(() => composition.close().then(() => process.exit(0))));
}

(cluster.isPrimary ? primary() : worker()).catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
