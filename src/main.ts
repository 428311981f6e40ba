import { once } from 'node:events';
import http from 'node:http';
import { ConfigError } from './composition/config';
import { createApp } from './composition/create-app';
import { CannotStartError, start } from './composition/start';

async function main(): Promise<void> {
  const { config, composition } = await start().catch((error: Error) => {
    if (!(error instanceof ConfigError || error instanceof CannotStartError)) throw error;
    const what = error instanceof ConfigError ? 'configuration error' : 'cannot start';
    process.stderr.write(`telltale: ${what}: ${error.message}\n`);
    process.exit(78);
  });
  const { logger } = composition.deps;
  const app = createApp(composition.deps);
  let stopping = false;
  // Once stopping, every response closes its connection, so keep-alive clients can't hold the
  // server open by sending request after request on a socket that never goes idle.
  const server = http.createServer((req, res) => {
    if (stopping) res.setHeader('Connection', 'close');
    app(req, res);
  });
  server.listen(config.port, config.host);
  await once(server, 'listening').catch(async (error: Error) => {
    await composition.close();
    throw error;
  });
  server.headersTimeout = 20_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;
  const address = server.address();
  logger.info({ address }, 'telltale listening');
  composition.sweeper.start(config.reports.sweepIntervalMs);
  composition.verdicts.start();
  composition.rollouts.sweeper.start(config.reports.sweepIntervalMs);

  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: no new connections, waiting for in-flight requests');
    const timer = setTimeout(() => {
      logger.warn('shutdown timeout reached; closing remaining connections');
      server.closeAllConnections();
    }, config.shutdownTimeoutMs);
    timer.unref();
    server.close(async () => {
      await composition.close();
      logger.info('stopped');
      logger.flush?.();
      process.exit(0);
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error) => {
  process.stderr.write(`telltale: fatal: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
