import { cliOnTempDataDir } from '../fixtures/cli';
import { openSqliteDatabase } from '../../src/adapters/sqlite/sqlite-database';
import { SqliteDeviceSketchStore } from '../../src/adapters/sqlite/sqlite-device-sketches';
import { SqliteBeaconRefusalStore } from '../../src/adapters/sqlite/sqlite-beacon-refusals';
import { sketchOf } from '../contract/device-sketches.contract';

// Every step starts the CLI from its sources: seconds each on a busy machine.
jest.setTimeout(300_000);

describe('telltale CLI — rollouts rates', () => {
  const { cli, dataDir } = cliOnTempDataDir('telltale-cli-rollouts-');

  it('when an app has sketches today, then --json prints the rates answer and the default prints a table, one row per version; --app takes the name too', async () => {
    expect((await cli('admins', 'create', '--username', 'alice', '--password', 'correct horse battery')).code).toBe(0);
    const created = await cli('apps', 'create', '--owner', 'alice', '--name', 'my-app', '--json');
    const appId = JSON.parse(created.stdout).id as string;
    const db = openSqliteDatabase(dataDir());
    const day = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000);
    const cell = { version: '2.0.0', channel: 'stable', platform: 'linux', arch: 'x64' };
    await new SqliteDeviceSketchStore(db).merge([
      { key: { appId, cell, granularity: 'day', bucket: day, kind: 'active' }, registers: sketchOf(Array.from({ length: 50 }, (_, i) => `d${i}`)) },
      { key: { appId, cell, granularity: 'day', bucket: day, kind: 'affected:crash' }, registers: sketchOf(['d1', 'd2']) },
    ]);
    db.close();

    const json = await cli('rollouts', 'rates', '--app', appId, '--version', '2.0.0', '--json');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ app_id: appId, group_by: ['version'], cells: [{ version: '2.0.0', active_device_days: 50, affected: { crash: 2 }, suppressed: false }] });

    const text = await cli('rollouts', 'rates', '--app', 'my-app');
    expect(text.code).toBe(0);
    const [header, row] = text.stdout.trim().split('\n');
    expect(header).toMatch(/^VERSION\s+DEVICE-DAYS\s+SHARE\s+CRASH-FREE \[95%\]\s+CRASH \[95%\]\s+REFUSED$/);
    expect(row).toMatch(/^2\.0\.0\s+50\s+100\.00%\s+96\.00% \[\d+\.\d+%, \d+\.\d+%\]\s+4\.00% \[.*\]\s+0$/);
  });

  it('when the app does not exist, then it exits 1 naming it', async () => {
    const run = await cli('rollouts', 'rates', '--app', 'nope', '--json');
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stderr)).toEqual({ error: expect.stringMatching(/^no app with the id or name "nope"/), code: 'app_not_found' });
  });
});

describe('telltale CLI — beacons unknown', () => {
  const { cli, dataDir } = cliOnTempDataDir('telltale-cli-beacons-');

  it('when beacons named apps that do not count them, then it lists owner, app name and reason by count, most frequent first; --json too', async () => {
    const db = openSqliteDatabase(dataDir());
    const hour = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000);
    const store = new SqliteBeaconRefusalStore(db);
    await store.addUnmatched(new Date(hour.getTime() - 3_600_000), [{ owner: 'acme', appName: 'dekstop', reason: 'unknown_app', count: 40 }], 100);
    await store.addUnmatched(hour, [
      { owner: 'acme', appName: 'dekstop', reason: 'unknown_app', count: 2 },
      { owner: 'acme', appName: 'desktop', reason: 'reports_disabled', count: 5 },
    ], 100);
    await store.addUnmatched(new Date(hour.getTime() - 30 * 3_600_000), [{ owner: 'old', appName: 'gone', reason: 'unknown_app', count: 99 }], 100);
    db.close();

    const json = await cli('beacons', 'unknown', '--json');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout).apps).toEqual([
      { owner: 'acme', app_name: 'dekstop', reason: 'unknown_app', beacons: 42 },
      { owner: 'acme', app_name: 'desktop', reason: 'reports_disabled', beacons: 5 },
    ]);
    const text = await cli('beacons', 'unknown', '--hours', '48');
    expect(text.code).toBe(0);
    const [header, first] = text.stdout.trim().split('\n');
    expect(header).toMatch(/^OWNER\s+APP\s+REASON\s+BEACONS$/);
    expect(first).toMatch(/^old\s+gone\s+unknown_app\s+99$/);
  });
});
