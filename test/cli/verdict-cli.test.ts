import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');
jest.setTimeout(60_000);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('npm run cli — rollouts health, rollouts resume, webhooks list', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'telltale-cli-'));
  });
  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  const cli = (...args: string[]) =>
    new Promise<Run>((done) => {
      execFile('npm', ['run', '--silent', 'cli', '--', ...args], { cwd: ROOT, env: { ...process.env, DATA_DIR: dataDir, REPOSITORY_DRIVER: 'sqlite', STORAGE_DRIVER: 'memory', REDIS_URL: '' } }, (error, stdout, stderr) =>
        done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });

  it('when a release has no traffic, then health says watch with no cells; resuming it is 404-like; an app has no webhooks', async () => {
    const created = await cli('apps', 'create', '--owner', 'owner-1', '--name', 'my-app');
    const appId = (JSON.parse(created.stdout) as { app_id: string }).app_id;
    const health = await cli('rollouts', 'health', '--app', appId, '--version', '1.0.0', '--json');
    expect(health.code).toBe(0);
    expect(JSON.parse(health.stdout)).toMatchObject({ app_id: appId, version: '1.0.0', verdict: 'watch', cells: [] });
    const resume = await cli('rollouts', 'resume', '--app', appId, '--version', '1.0.0', '--note', 'x');
    expect(resume.code).toBe(1);
    expect(JSON.parse(resume.stderr)).toMatchObject({ code: 'release_not_found' });
    const hooks = await cli('webhooks', 'list', '--app', appId);
    expect(JSON.parse(hooks.stdout)).toEqual([]);
  });
});
