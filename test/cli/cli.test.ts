import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SqliteAppDirectory } from '../../src/adapters/sqlite/sqlite-app-directory';
import { openSqliteDatabase } from '../../src/adapters/sqlite/sqlite-database';
import { SqliteReportRepository } from '../../src/adapters/sqlite/sqlite-report-repository';
import { reportEvent } from '../fixtures/groups';

const ROOT = resolve(__dirname, '../..');

// Each step starts npm and node afresh, which is slow on a cold machine.
jest.setTimeout(60_000);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('npm run cli (spawned against a temp DATA_DIR)', () => {
  let dataDir: string;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'telltale-cli-'));
  });
  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  const cli = (...args: string[]) =>
    new Promise<Run>((done) => {
      execFile(
        'npm',
        ['run', '--silent', 'cli', '--', ...args],
        { cwd: ROOT, env: { ...process.env, DATA_DIR: dataDir, REPOSITORY_DRIVER: 'sqlite', STORAGE_DRIVER: 'memory', REDIS_URL: '' } },
        (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });
  const json = (run: Run) => JSON.parse(run.stdout) as Record<string, unknown>;

  const withDatabase = async <T>(use: (db: ReturnType<typeof openSqliteDatabase>) => Promise<T>): Promise<T> => {
    const db = openSqliteDatabase(dataDir);
    try {
      return await use(db);
    } finally {
      db.close();
    }
  };

  it('when an app is created, its key regenerated and its groups listed, then each step prints JSON and the database follows', async () => {
    const created = await cli('apps', 'create', '--owner', 'owner-1', '--name', 'my-app');
    expect(created.code).toBe(0);
    const app = json(created);
    expect(app).toEqual({ app_id: expect.stringMatching(/^[0-9a-f]{24}$/), report_key: expect.stringMatching(/^rpk_[0-9a-f]{64}$/), name: 'my-app', owner: 'owner-1', reports: true });
    const appId = app.app_id as string;

    const regenerated = await cli('keys', 'regenerate', '--app', appId);
    expect(regenerated.code).toBe(0);
    const { report_key: newKey } = json(regenerated);
    expect(newKey).toMatch(/^rpk_[0-9a-f]{64}$/);
    expect(newKey).not.toBe(app.report_key);
    await withDatabase(async (db) => {
      const directory = new SqliteAppDirectory(db);
      expect(await directory.findByReportKey(app.report_key as string)).toBeNull();
      expect(await directory.findByReportKey(newKey as string)).toMatchObject({ appId, name: 'my-app', reports: true });
      await new SqliteReportRepository(db).recordEvent(reportEvent({ appId }));
      await new SqliteReportRepository(db).recordEvent(reportEvent({ appId }));
    });

    const listed = await cli('groups', 'list', '--app', appId);
    expect(listed.code).toBe(0);
    const page = json(listed);
    expect(page).toMatchObject({ app_id: appId, total: 1, page: 1 });
    expect(page.groups).toEqual([
      expect.objectContaining({ groupHash: reportEvent().groupHash, status: 'open', stats: expect.objectContaining({ count: 2 }) }),
    ]);
  });

  it('when reports are disabled and enabled, then the app says so and the key context follows', async () => {
    const appId = json(await cli('apps', 'create', '--owner', 'owner-1', '--name', 'my-app')).app_id as string;
    const disabled = await cli('apps', 'reports', '--app', appId, '--disable');
    expect({ code: disabled.code, body: json(disabled) }).toEqual({ code: 0, body: { app_id: appId, name: 'my-app', owner: 'owner-1', reports: false } });
    await withDatabase(async (db) => expect((await new SqliteAppDirectory(db).getApp(appId))?.reports).toBe(false));
    expect(json(await cli('apps', 'reports', '--app', appId, '--enable')).reports).toBe(true);
  });

  it('when a command fails, then stderr holds {error, code} and the exit code is 1, or 2 for a bad invocation', async () => {
    await cli('apps', 'create', '--owner', 'owner-1', '--name', 'my-app');
    const cases = await Promise.all([
      cli('apps', 'create', '--owner', 'owner-1', '--name', 'my-app'),
      cli('keys', 'regenerate', '--app', 'no-such-app'),
      cli('apps', 'reports', '--app', 'x', '--enable', '--disable'),
      cli('apps', 'create', '--owner', 'owner-1'),
      cli('apps', 'create', '--owner', 'owner-1', '--name', 'bad|name'),
      cli('groups', 'list', '--app', 'x', '--colour', 'red'),
      cli('frobnicate'),
    ]);
    expect(cases.map((c) => ({ code: c.code, stdout: c.stdout, error: JSON.parse(c.stderr).code }))).toEqual([
      { code: 1, stdout: '', error: 'app_exists' },
      { code: 1, stdout: '', error: 'app_not_found' },
      { code: 2, stdout: '', error: 'usage' },
      { code: 2, stdout: '', error: 'usage' },
      { code: 2, stdout: '', error: 'invalid_app_name' },
      { code: 2, stdout: '', error: 'usage' },
      { code: 2, stdout: '', error: 'usage' },
    ]);
  });

  it('admins create, then token: the token is accepted by the service configured on the same DATA_DIR', async () => {
    const admin = await cli('admins', 'create', '--username', 'alice', '--password', 'correct horse battery');
    expect(admin.code).toBe(0);
    expect(json(admin)).toMatchObject({ username: 'alice', role: 'admin' });
    expect(admin.stdout).not.toMatch(/hash|salt/i);
    const token = await cli('token', '--username', 'alice', '--ttl', '600');
    expect(token.code).toBe(0);
    const { compose } = await import('../../src/composition/compose');
    const { loadConfig } = await import('../../src/composition/config');
    const pino = (await import('pino')).default;
    const composition = await compose(loadConfig({ DATA_DIR: dataDir, STORAGE_DRIVER: 'memory' }), { logger: pino({ level: 'silent' }) });
    try {
      expect(await composition.tokenVerifier.verify(json(token).token as string)).toMatchObject({ username: 'alice', role: 'admin' });
    } finally {
      await composition.close();
    }
  });

  it('users create refuses an allowed app that is not the admin\'s, exit 2 with a JSON error', async () => {
    await cli('admins', 'create', '--username', 'alice', '--password', 'correct horse battery');
    const run = await cli('users', 'create', '--owner', 'alice', '--username', 'bob', '--password', 'bobspassword1', '--allowed-apps', 'nope');
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stderr)).toEqual({ error: expect.stringContaining('nope'), code: 'unknown_app' });
  });
});
