import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

/** Runs src/main.ts until it exits, or until it says it listens (then stops it); resolves with its exit code and stderr. */
function runService(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'telltale-start-'));
  const child = spawn(process.execPath, ['-r', '@swc-node/register', 'src/main.ts'], {
    cwd: root,
    env: { ...process.env, DATA_DIR: dataDir, HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => {
    stderr += c;
    if (stderr.includes('listening on')) child.kill('SIGTERM');
  });
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      rmSync(dataDir, { recursive: true, force: true });
      resolve({ code, stderr });
    }),
  );
}

describe('start-up errors and warnings', () => {
  it('when PORT is in use, then one line names PORT, with no stack, and the exit code is not 0', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as net.AddressInfo;
    try {
      const { code, stderr } = await runService({ PORT: String(port) });
      expect(code).toBe(78);
      expect(stderr).toBe(`telltale: cannot start: PORT: ${port} is already in use on 127.0.0.1; stop what listens there, or set PORT to a free port\n`);
    } finally {
      taken.close();
    }
  }, 60_000);

  it('when the METRICS_LISTEN port is in use, then one line names METRICS_LISTEN and the exit code is not 0', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as net.AddressInfo;
    try {
      const { code, stderr } = await runService({ PORT: '0', METRICS_LISTEN: `127.0.0.1:${port}` });
      expect(code).toBe(78);
      expect(stderr).toBe(`telltale: cannot start: METRICS_LISTEN: ${port} is already in use on 127.0.0.1; stop what listens there, or set METRICS_LISTEN to a free port\n`);
    } finally {
      taken.close();
    }
  }, 60_000);

  it('when a variable is misspelt, then a warning names the closest known one and the service still starts', async () => {
    const { code, stderr } = await runService({ PORT: '0', ROLLOUT_EVAL_INTERVAL: '5', PROT: '9090' });
    expect(stderr).toContain('telltale: warning: unknown variable ROLLOUT_EVAL_INTERVAL; did you mean ROLLOUT_EVAL_INTERVAL_S?\n');
    expect(stderr).toContain('telltale: warning: unknown variable PROT; did you mean PORT?\n');
    expect(stderr).toContain('telltale: listening on');
    expect(code).toBe(0);
  }, 60_000);
});
