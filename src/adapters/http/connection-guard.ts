import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { addressKey } from '../../domain/ip-ranges';

export interface ConnectionGuardSettings {
  /** Open connections in all; past it the server closes new ones as they arrive. */
  maxConnections: number;
  /** Open connections from one address; 0 turns the cap off (e.g. behind a load balancer). */
  maxConnectionsPerIp: number;
  /** The body cap of the route a request goes to, for `Expect: 100-continue`. */
  bodyLimitFor(path: string): number;
}

/**
 * Limits what a client can hold or make us read before any route runs:
 * - `maxConnections` and a per-address cap (an IPv6 /64 is one address): an excess connection is destroyed as it is accepted,
 *   so silent sockets from one address can't use up the file descriptors others need;
 * - `Expect: 100-continue`: a declared body over the route's cap gets 413 and no `100 Continue`,
 *   so the client never starts sending it.
 */
export function guardConnections(server: Server, settings: ConnectionGuardSettings): void {
  server.maxConnections = settings.maxConnections;
  if (settings.maxConnectionsPerIp > 0) {
    const open = new Map<string, number>();
    server.on('connection', (socket: Socket) => {
      const address = addressKey(socket.remoteAddress ?? '');
      const count = (open.get(address) ?? 0) + 1;
      if (count > settings.maxConnectionsPerIp) {
        socket.destroy();
        return;
      }
      open.set(address, count);
      socket.once('close', () => {
        const left = (open.get(address) ?? 1) - 1;
        if (left <= 0) open.delete(address);
        else open.set(address, left);
      });
    });
  }
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    const declared = Number(req.headers['content-length']);
    const limit = settings.bodyLimitFor((req.url ?? '/').split('?')[0]!);
    if (Number.isFinite(declared) && declared > limit) {
      const body = JSON.stringify({ error: `body exceeds ${limit} bytes`, code: 'payload_too_large' });
      res.writeHead(413, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body), Connection: 'close' });
      res.end(body);
      return;
    }
    res.writeContinue();
    server.emit('request', req, res);
  });
}

/** The guard's settings from the service config: each intake's own cap, else the larger of them. */
export function connectionGuardSettings(config: {
  connections: { max: number; perIp: number };
  reports: { maxBodyBytes: number };
  logs: { maxBodyBytes: number };
}): ConnectionGuardSettings {
  const largest = Math.max(config.reports.maxBodyBytes, config.logs.maxBodyBytes);
  return {
    maxConnections: config.connections.max,
    maxConnectionsPerIp: config.connections.perIp,
    bodyLimitFor: (path) => (path === '/reports/ingest' ? config.reports.maxBodyBytes : path === '/api/v1/logs' ? config.logs.maxBodyBytes : largest),
  };
}
