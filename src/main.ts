import './composition/threadpool';
import { once } from 'node:events';
import http from 'node:http';
import { connectionGuardSettings, guardConnections } from './adapters/http/connection-guard';
import { ConfigError, type Config } from './composition/config';
import type { Composition } from './composition/compose';
import { createApp, createMetricsApp } from './composition/create-app';
import { CannotStartError, listenError, start } from './composition/start';

// A closed stdout (`node dist/main.js | head -2`) must not crash or wedge the service: EPIPE on
// the log stream is dropped, and shutdown still ends on its deadline.
process.stdout.on('error', () => {});
process.stderr.on('error', () => {});

async function main(): Promise<void> {
  const { config, composition } = await start();
  const app = createApp(composition.deps);
  const state = { stopping: false };
  // Once stopping, every response closes its connection, so keep-alive clients can't hold the
  // server open by sending request after request on a socket that never goes idle.
  const guard = connectionGuardSettings(config);
  const server = http.createServer(
    // Headers must be whole within the timeout that also closes silent sockets, checked every second.
    { headersTimeout: guard.firstRequestTimeoutMs, requestTimeout: Math.max(30_000, guard.firstRequestTimeoutMs), keepAliveTimeout: 5_000, connectionsCheckingInterval: 1_000 },
    (req, res) => {
      if (state.stopping) res.setHeader('Connection', 'close');
      app(req, res);
    },
  );
  guardConnections(server, guard, composition.metrics);
  const metricsServer = await listenForMetrics(config, composition);
  // Before listening: a supervisor may send SIGTERM the moment the service says it listens.
  const stop = stopper([server, ...(metricsServer ? [metricsServer] : [])], config, composition, state);
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  server.listen(config.port, config.host);
  await once(server, 'listening').catch(async (error: NodeJS.ErrnoException) => {
    metricsServer?.close();
    await composition.close();
    throw listenError(error, config);
  });
  if (state.stopping) return;
  announce(server, metricsServer, composition);
  composition.sweepTask?.start();
  composition.rollouts.sweepTask?.start();
  composition.verdicts.start();
}

function announce(server: http.Server, metricsServer: http.Server | null, composition: Composition): void {
  composition.deps.logger.info({ address: server.address(), metrics: metricsServer?.address() ?? null, pid: process.pid }, 'telltale listening');
  // Before "listening on", so that whoever waits for that line has this one too.
  if (metricsServer) process.stderr.write(`telltale: metrics on ${urlOf(metricsServer)}/metrics\n`);
  // The pid is node's own: `npm start` runs no shell in between that could swallow a SIGTERM.
  process.stderr.write(`telltale: listening on ${urlOf(server)} (pid ${process.pid})\n`);
}

function urlOf(server: http.Server): string {
  const address = server.address();
  return typeof address === 'string' || address === null ? String(address) : `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
}

/** The METRICS_LISTEN listener, unless it is off; a port in use fails the start naming the variable. */
async function listenForMetrics(config: Readonly<Config>, composition: Composition): Promise<http.Server | null> {
  const app = config.metricsListen === null ? null : createMetricsApp(composition.deps);
  if (app === null || config.metricsListen === null) return null;
  const server = http.createServer({ headersTimeout: 10_000, requestTimeout: 30_000 }, app);
  // A scraper needs one connection; a few more for a second scraper or a person with curl.
  server.maxConnections = 64;
  server.listen(config.metricsListen.port, config.metricsListen.host);
  await once(server, 'listening').catch(async (error: NodeJS.ErrnoException) => {
    await composition.close();
    throw listenError(error, config.metricsListen!, { host: 'METRICS_LISTEN', port: 'METRICS_LISTEN' });
  });
  return server;
}

/**
 * Stops accepting connections on every listener (the API's, the metrics'), lets in-flight requests
 * finish, closes the composition and exits 0.
 */
function stopper(servers: http.Server[], config: Readonly<Config>, composition: Composition, state: { stopping: boolean }) {
  const { logger } = composition.deps;
  return (signal: string) => {
    if (state.stopping) return;
    state.stopping = true;
    logger.info({ signal }, 'shutting down: no new connections, waiting for in-flight requests');
    // In-flight requests get the timeout less a margin; then their connections are closed, and at
    // SHUTDOWN_TIMEOUT_MS the process exits whatever is still pending (exit code 1: forced).
    const timeout = config.shutdownTimeoutMs;
    const margin = Math.min(1000, Math.floor(timeout / 2));
    setTimeout(() => {
      logger.warn('shutdown timeout reached; closing remaining connections');
      for (const server of servers) server.closeAllConnections();
    }, timeout - margin).unref();
    setTimeout(() => {
      process.stderr.write('telltale: shutdown did not finish within SHUTDOWN_TIMEOUT_MS; exiting\n');
      process.exit(1);
    }, timeout).unref();
    const closed = servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve())));
    void Promise.all(closed).then(async () => {
      await composition.close().catch((error: Error) => logger.error({ err: error }, 'closing the composition failed'));
      logger.info('stopped');
      try {
        logger.flush?.();
      } catch {
        // A closed stdout: the last lines are lost, the exit is not.
      }
      process.exit(0);
    });
    for (const server of servers) server.closeIdleConnections();
  };
}

main().catch((error: Error) => {
  if (error instanceof ConfigError || error instanceof CannotStartError) {
    const what = error instanceof ConfigError ? 'configuration error' : 'cannot start';
    process.stderr.write(`telltale: ${what}: ${error.message}\n`);
    process.exit(78);
  }
  process.stderr.write(`telltale: fatal: ${error.stack ?? String(error)}\n`);
  process.exit(1);
});
