import { execFileSync } from 'node:child_process';

const PROBE = `
const socket = require('node:net').connect({ host: process.argv[1], port: Number(process.argv[2]) });
socket.setTimeout(Number(process.argv[3]), () => process.exit(1));
socket.on('connect', () => process.exit(0));
socket.on('error', () => process.exit(1));
`;

/**
 * Decides at collection time whether an integration suite runs: jest can't wait for an async
 * probe before choosing between describe and describe.skip, so the TCP check runs in a child.
 * Returns the reason to skip, or null when the service answers. The child gets long to start: on a
 * busy machine node itself can take seconds, and a slow start must not skip a suite.
 */
export function unreachableReason(variable: string, value: string | undefined, defaultPort: number, timeoutMs = 1500): string | null {
  if (!value) return `${variable} is not set`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${variable} is not a valid URL`;
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = url.port || String(defaultPort);
  try {
    execFileSync(process.execPath, ['-e', PROBE, host, port, String(timeoutMs)], { stdio: 'ignore', timeout: timeoutMs + 30_000 });
    return null;
  } catch {
    return `nothing answers at ${host}:${port} (${variable})`;
  }
}

/** describe when the service is reachable; otherwise describe.skip plus ONE printed line saying why. */
export function describeWhenReachable(suite: string, reason: string | null): jest.Describe {
  if (reason === null) return describe;
  process.stdout.write(`skipped: ${suite}: ${reason}\n`);
  return describe.skip;
}
