import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openSqliteDatabase } from '../../src/adapters/sqlite/sqlite-database';
import { SqliteDeviceSketchStore } from '../../src/adapters/sqlite/sqlite-device-sketches';
import { sketchOf } from '../contract/device-sketches.contract';

const ROOT = resolve(__dirname, '../..');
jest.setTimeout(60_000);

const cli = (dataDir: string, ...args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
    execFile('npm', ['run', '--silent', 'cli', '--', ...args], { cwd: ROOT, env: { ...process.env, DATA_DIR: dataDir, REPOSITORY_DRIVER: 'sqlite', STORAGE_DRIVER: 'memory', REDIS_URL: '' } }, (error, stdout, stderr) =>
      done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });

describe('npm run cli -- rollouts rates', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'telltale-cli-rollouts-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('when an app has sketches today, then --json prints the rates answer and the default prints one line per version', async () => {
    const created = await cli(dataDir, 'apps', 'create', '--owner', 'owner-1', '--name', 'my-app');
    const appId = JSON.parse(created.stdout).app_id as string;
    const db = openSqliteDatabase(dataDir);
    const day = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000);
    const cell = { version: '2.0.0', channel: 'stable', platform: 'linux', arch: 'x64' };
    await new SqliteDeviceSketchStore(db).merge([
      { key: { appId, cell, granularity: 'day', bucket: day, kind: 'active' }, registers: sketchOf(Array.from({ length: 50 }, (_, i) => `d${i}`)) },
      { key: { appId, cell, granularity: 'day', bucket: day, kind: 'affected:crash' }, registers: sketchOf(['d1', 'd2']) },
    ]);
    db.close();

    const json = await cli(dataDir, 'rollouts', 'rates', '--app', appId, '--version', '2.0.0', '--json');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ app_id: appId, group_by: ['version'], cells: [{ version: '2.0.0', active_device_days: 50, affected: { crash: 2 }, suppressed: false }] });

    const text = await cli(dataDir, 'rollouts', 'rates', '--app', appId);
    expect(text.code).toBe(0);
    expect(JSON.parse(text.stdout)).toEqual([expect.stringMatching(/^2\.0\.0: 50 active device-days \(100\.00% of the rollout\), crash-free 96\.00% \[/)]);
  });

  it('when the app does not exist, then it exits 1 naming it', async () => {
    const run = await cli(dataDir, 'rollouts', 'rates', '--app', 'nope');
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stderr)).toMatchObject({ code: 'app_not_found' });
  });
});
