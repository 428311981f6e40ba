import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { addressKey } from '../../domain/ip-ranges';
import type { Metrics } from '../../ports/metrics';
import { JSON_HEADERS } from './json-headers';

export interface ConnectionGuardSettings {
  /** Open connections in all; past it the oldest idle one is closed to make room. */
  maxConnections: number;
  /** Open connections from one address (an IPv6 /64); 0 turns the cap off (e.g. behind a load balancer). */
  maxConnectionsPerIp: number;
  /** A connection that has sent no whole request this long after it opened is closed. */
  firstRequestTimeoutMs: number;
  /** The body cap of the route a request goes to, for `Expect: 100-continue`. */
  bodyLimitFor(path: string): number;
}

interface Connection {
  address: string;
  /** Requests read and not yet answered (more than one when pipelined). */
  inFlight: number;
  served: boolean;
}

/**
 * Limits what a client can hold or make us read before any route runs:
 * - a per-address cap: an excess connection is destroyed as it is accepted;
 * - `maxConnections`: when every slot is taken, the oldest connection with no request in flight
 *   is closed so that the new one is accepted. Idle sockets from many addresses then can't keep a
 *   new client out: they are the first to go, and a client that sends its request at once is busy
 *   by the time it could be chosen. Only when every connection is busy is the new one refused;
 * - a silent socket is closed after `firstRequestTimeoutMs` (Node's headersTimeout only starts
 *   once the first bytes arrive, so a socket that never writes would otherwise stay for good);
 * - `Expect: 100-continue`: a declared body over the route's cap gets 413 and no `100 Continue`,
 *   so the client never starts sending it.
 * Returns the number of open connections, for tests and metrics.
 */
export function guardConnections(server: Server, settings: ConnectionGuardSettings, metrics?: Metrics): { open(): number } {
  // A Map iterates in insertion order: the first entries are the oldest connections.
  const open = new Map<Socket, Connection>();
  const perAddress = new Map<string, number>();
  const closed = (reason: string) => metrics?.increment('connections_closed_total', { reason });
  const forget = (socket: Socket, connection: Connection) => {
    if (open.get(socket) !== connection) return;
    open.delete(socket);
    const left = (perAddress.get(connection.address) ?? 1) - 1;
    if (left <= 0) perAddress.delete(connection.address);
    else perAddress.set(connection.address, left);
  };
  const evictOldestIdle = (): boolean => {
    for (const [socket, connection] of open) {
      if (connection.inFlight > 0) continue;
      forget(socket, connection);
      socket.destroy();
      closed('idle_evicted');
      return true;
    }
    return false;
  };

  server.on('connection', (socket: Socket) => {
    const address = addressKey(socket.remoteAddress ?? '');
    const count = perAddress.get(address) ?? 0;
    if (settings.maxConnectionsPerIp > 0 && count >= settings.maxConnectionsPerIp) {
      socket.destroy();
      closed('per_address_cap');
      return;
    }
    if (open.size >= settings.maxConnections && !evictOldestIdle()) {
      socket.destroy();
      closed('server_full');
      return;
    }
    const connection: Connection = { address, inFlight: 0, served: false };
    open.set(socket, connection);
    perAddress.set(address, count + 1);
    // With no listener for its 'timeout', Node's http server destroys the socket when it fires.
    socket.setTimeout(settings.firstRequestTimeoutMs);
    socket.once('close', () => forget(socket, connection));
  });
  // Ahead of the app's handler: a response finished synchronously sets the keep-alive timeout,
  // which clearing the first-request timeout afterwards would undo.
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    const connection = open.get(req.socket);
    if (connection === undefined) return;
    if (!connection.served) {
      connection.served = true;
      req.socket.setTimeout(0);
    }
    connection.inFlight++;
    res.once('close', () => connection.inFlight--);
  });
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    const declared = Number(req.headers['content-length']);
    const limit = settings.bodyLimitFor((req.url ?? '/').split('?')[0]!);
    if (Number.isFinite(declared) && declared > limit) {
      const body = JSON.stringify({ error: `body exceeds ${limit} bytes`, code: 'payload_too_large' });
      res.writeHead(413, { ...JSON_HEADERS, 'Content-Length': Buffer.byteLength(body), Connection: 'close' });
      res.end(body);
      return;
    }
    res.writeContinue();
    server.emit('request', req, res);
  });
  return { open: () => open.size };
}

/** The guard's settings from the service config: each intake's own cap, else the larger of them. */
export function connectionGuardSettings(config: {
  connections: { max: number; perIp: number; firstRequestTimeoutMs: number };
  reports: { maxBodyBytes: number };
  logs: { maxBodyBytes: number };
}): ConnectionGuardSettings {
  const largest = Math.max(config.reports.maxBodyBytes, config.logs.maxBodyBytes);
  return {
    maxConnections: config.connections.max,
    maxConnectionsPerIp: config.connections.perIp,
    firstRequestTimeoutMs: config.connections.firstRequestTimeoutMs,
    bodyLimitFor: (path) => (path === '/reports/ingest' ? config.reports.maxBodyBytes : path === '/api/v1/logs' ? config.logs.maxBodyBytes : largest),
  };
}
