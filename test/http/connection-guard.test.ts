import { EventEmitter, once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { guardConnections } from '../../src/adapters/http/connection-guard';
import { MemoryMetrics } from '../../src/adapters/memory/memory-metrics';

// A real server on loopback with small caps; clients pick their source address among 127.0.0.x.

interface Guarded {
  port: number;
  metrics: MemoryMetrics;
  open(): number;
  /** Requests to /hold wait here until released. */
  held: Array<() => void>;
  close(): Promise<void>;
}

async function guardedServer(settings: { maxConnections: number; maxConnectionsPerIp: number; firstRequestTimeoutMs: number }): Promise<Guarded> {
  const held: Array<() => void> = [];
  const server = http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    const answer = () => res.end('ok');
    if (req.url === '/hold') held.push(answer);
    else answer();
  });
  const metrics = new MemoryMetrics();
  const guard = guardConnections(server, { ...settings, bodyLimitFor: () => 1024 }, metrics);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as net.AddressInfo).port,
    metrics,
    open: guard.open,
    held,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A socket that connects and says nothing; `closed` settles when the server drops it. */
function silent(port: number, localAddress: string) {
  const socket = net.connect({ host: '127.0.0.1', port, localAddress });
  socket.on('error', () => undefined);
  const closed = once(socket, 'close').then(() => true);
  return { socket, closed, isClosed: () => socket.destroyed };
}

function get(port: number, path: string, localAddress: string, agent: http.Agent | false = false): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path, localAddress, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
  });
}

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('connection guard', () => {
  let server: Guarded;
  afterEach(async () => server?.close());

  it('when every slot holds a silent connection, then a new client is still served and the oldest silent connection is the one closed', async () => {
    server = await guardedServer({ maxConnections: 4, maxConnectionsPerIp: 0, firstRequestTimeoutMs: 60_000 });
    const sockets = [];
    for (let i = 0; i < 4; i++) {
      sockets.push(silent(server.port, `127.0.0.${10 + i}`));
      await until(() => server.open() === i + 1);
    }
    expect(await get(server.port, '/', '127.0.0.2')).toBe(200);
    await expect(sockets[0]!.closed).resolves.toBe(true);
    expect(sockets.slice(1).map((s) => s.isClosed())).toEqual([false, false, false]);
    expect(server.metrics.value('connections_closed_total', { reason: 'idle_evicted' })).toBe(1);
    for (const s of sockets) s.socket.destroy();
  });

  it('when every slot has a request in flight, then a new connection is closed at once and the busy ones are answered', async () => {
    server = await guardedServer({ maxConnections: 3, maxConnectionsPerIp: 0, firstRequestTimeoutMs: 60_000 });
    const busy = [0, 1, 2].map((i) => get(server.port, '/hold', `127.0.0.${10 + i}`));
    await until(() => server.held.length === 3);
    const refused = silent(server.port, '127.0.0.2');
    await expect(refused.closed).resolves.toBe(true);
    expect(server.metrics.value('connections_closed_total', { reason: 'server_full' })).toBe(1);
    for (const release of server.held.splice(0)) release();
    await expect(Promise.all(busy)).resolves.toEqual([200, 200, 200]);
  });

  it('when a keep-alive connection is between requests, then it counts as idle and makes room for a new one', async () => {
    server = await guardedServer({ maxConnections: 2, maxConnectionsPerIp: 0, firstRequestTimeoutMs: 60_000 });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    let kept: net.Socket | undefined;
    agent.on('free', (socket: net.Socket) => (kept = socket));
    expect(await get(server.port, '/', '127.0.0.10', agent)).toBe(200);
    await until(() => kept !== undefined);
    const keptClosed = once(kept!, 'close');
    const quiet = silent(server.port, '127.0.0.11');
    await until(() => server.open() === 2);
    expect(await get(server.port, '/', '127.0.0.2')).toBe(200);
    expect(server.metrics.value('connections_closed_total', { reason: 'idle_evicted' })).toBe(1);
    // The keep-alive connection was the older: it went, the silent one stayed.
    await keptClosed;
    expect(quiet.isClosed()).toBe(false);
    quiet.socket.destroy();
    agent.destroy();
  });

  it('when one address holds maxConnectionsPerIp connections, then its next one is closed at once while another address is served', async () => {
    server = await guardedServer({ maxConnections: 100, maxConnectionsPerIp: 2, firstRequestTimeoutMs: 60_000 });
    const held = [silent(server.port, '127.0.0.10'), silent(server.port, '127.0.0.10')];
    await until(() => server.open() === 2);
    const third = silent(server.port, '127.0.0.10');
    await expect(third.closed).resolves.toBe(true);
    expect(server.metrics.value('connections_closed_total', { reason: 'per_address_cap' })).toBe(1);
    expect(await get(server.port, '/', '127.0.0.2')).toBe(200);
    expect(held.map((s) => s.isClosed())).toEqual([false, false]);
    for (const s of held) s.socket.destroy();
  });

  it('when connections come from two addresses of one IPv6 /64, then they share the per-address cap; another /64, and an IPv4-mapped address, have their own', () => {
    // Loopback offers one IPv6 address (::1), so the connections are handed to the guard as a server would.
    const emitter = new EventEmitter();
    const metrics = new MemoryMetrics();
    const guard = guardConnections(emitter as unknown as http.Server, { maxConnections: 100, maxConnectionsPerIp: 2, firstRequestTimeoutMs: 60_000, bodyLimitFor: () => 1024 }, metrics);
    const connect = (remoteAddress: string) => {
      const socket = Object.assign(new EventEmitter(), { remoteAddress, destroyed: false, setTimeout: () => undefined, destroy: () => undefined });
      socket.destroy = () => {
        socket.destroyed = true;
        socket.emit('close');
      };
      emitter.emit('connection', socket);
      return socket;
    };
    const sameSlash64 = ['2001:db8:1:2::1', '2001:db8:1:2:aaaa:bbbb:cccc:dddd', '2001:db8:1:2::ffff'].map(connect);
    expect(sameSlash64.map((socket) => socket.destroyed)).toEqual([false, false, true]);
    expect(connect('2001:db8:1:3::1').destroyed).toBe(false);
    expect([connect('203.0.113.7'), connect('::ffff:203.0.113.7'), connect('203.0.113.7')].map((socket) => socket.destroyed)).toEqual([false, false, true]);
    expect(metrics.value('connections_closed_total', { reason: 'per_address_cap' })).toBe(2);
    // A closed connection gives its /64 its slot back.
    sameSlash64[0]!.destroy();
    expect(connect('2001:db8:1:2::2').destroyed).toBe(false);
    expect(guard.open()).toBe(5);
  });

  it('when a connection sends nothing for firstRequestTimeoutMs, then it is closed; one that sent a request stays open for keep-alive', async () => {
    server = await guardedServer({ maxConnections: 100, maxConnectionsPerIp: 0, firstRequestTimeoutMs: 300 });
    const quiet = silent(server.port, '127.0.0.10');
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    expect(await get(server.port, '/', '127.0.0.11', agent)).toBe(200);
    await expect(quiet.closed).resolves.toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(server.open()).toBe(1);
    agent.destroy();
  });
});
