// Parsed without ioredis, so reading the configuration doesn't load the Redis client.

export interface ClusterNode {
  host: string;
  port: number;
}

/** `host:port,host:port,…` (IPv6 as `[::1]:7001`) or throws an Error naming REDIS_CLUSTER_NODES. */
export function parseClusterNodes(value: string): ClusterNode[] {
  const entries = value.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  if (entries.length === 0) throw new Error('REDIS_CLUSTER_NODES: expected host:port[,host:port…], got an empty value');
  return entries.map((entry) => {
    const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s\[\]]+)):(\d{1,5})$/.exec(entry);
    const port = match ? Number(match[3]) : NaN;
    if (!match || port < 1 || port > 65535) throw new Error(`REDIS_CLUSTER_NODES: "${entry}" is not host:port`);
    return { host: (match[1] ?? match[2])!, port };
  });
}
