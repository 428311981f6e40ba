import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface ServerInfo {
  port: number;
  statsPort?: number;
  key?: string;
  appId?: string;
}

export interface BenchServer {
  child: ChildProcess;
  info: ServerInfo;
  /** Lines the server wrote to stdout after its ready line: its log volume. */
  lines(): number;
  stop(): Promise<void>;
}

/** Server and load generator on different cores, where taskset and two cores exist. */
export const canPin = existsSync('/usr/bin/taskset') && cpus().length >= 2;

/**
 * Starts a bench server script (pinned to core 0 when possible, with --expose-gc so its stats
 * port can collect before reading RSS) and waits for its `{"ready":true,…}` line.
 */
export function startServer(script: string, env: Record<string, string>): Promise<BenchServer> {
  const args = ['--expose-gc', '-r', '@swc-node/register', script];
  const [cmd, argv] = canPin ? ['taskset', ['-c', '0', process.execPath, ...args]] : [process.execPath, args];
  const child = spawn(cmd, argv as string[], { cwd: join(__dirname, '..'), env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  let ready = false;
  let lines = 0;
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (ready) {
        lines++;
        return;
      }
      try {
        const info = JSON.parse(line) as ServerInfo & { ready?: boolean };
        if (info.ready) {
          ready = true;
          resolve({
            child,
            info,
            lines: () => lines,
            stop: async () => {
              child.kill('SIGTERM');
              if (child.exitCode === null) await new Promise((r) => child.once('exit', r));
            },
          });
        }
      } catch {
        /* a log line */
      }
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

/** Reads the bench server's stats port after a forced GC. */
export async function serverStats(
  info: ServerInfo,
): Promise<{ repositoryWrites: number; redisRoundTrips: number; rss: number; heapUsed: number; sketchFlushes?: number; sketchesWritten?: number; sketchStore?: string }> {
  return (await (await fetch(`http://127.0.0.1:${info.statsPort}/?gc=1`)).json()) as never;
}
