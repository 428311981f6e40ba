import { SqliteAppDirectory } from '../../src/adapters/sqlite/sqlite-app-directory';
import { openSqliteDatabase } from '../../src/adapters/sqlite/sqlite-database';
import { SqliteReportRepository } from '../../src/adapters/sqlite/sqlite-report-repository';
import { cliOnTempDataDir, type CliRun as Run } from '../fixtures/cli';
import { reportEvent } from '../fixtures/groups';

// Each step starts node afresh, which is slow on a cold machine.
// Every step starts the CLI from its sources: seconds each on a busy machine.
jest.setTimeout(300_000);

describe('telltale CLI (spawned against a temp DATA_DIR)', () => {
  const { cli, dataDir } = cliOnTempDataDir();
  const json = (run: Run) => JSON.parse(run.stdout) as Record<string, unknown>;

  const withDatabase = async <T>(use: (db: ReturnType<typeof openSqliteDatabase>) => Promise<T>): Promise<T> => {
    const db = openSqliteDatabase(dataDir());
    try {
      return await use(db);
    } finally {
      db.close();
    }
  };

  const admin = async (username = 'alice') => json(await cli('admins', 'create', '--username', username, '--password', 'correct horse battery', '--json')).id as string;

  it('when an app is created, its key regenerated and its groups listed, then each step prints JSON with --json and the database follows', async () => {
    const ownerId = await admin();
    const created = await cli('apps', 'create', '--owner', 'alice', '--name', 'my-app', '--json');
    expect(created.code).toBe(0);
    const app = json(created);
    expect(app).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{24}$/),
      report_key: expect.stringMatching(/^rpk_[0-9a-f]{64}$/),
      name: 'my-app',
      owner: ownerId,
      reports: true,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    const appId = app.id as string;

    const regenerated = await cli('keys', 'regenerate', '--app', appId, '--json');
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

    const listed = await cli('groups', 'list', '--app', appId, '--json');
    expect(listed.code).toBe(0);
    const page = json(listed);
    expect(page).toMatchObject({ total: 1, page: 1, limit: 100 });
    expect(page.items).toEqual([
      expect.objectContaining({ group_hash: reportEvent().groupHash, app_id: appId, status: 'open', stats: expect.objectContaining({ count: 2, first_seen: expect.any(String) }) }),
    ]);

    // Without --json: a table with the short hash and the count.
    const human = await cli('groups', 'list', '--app', appId);
    expect(human.stdout.split('\n')[0]).toMatch(/^GROUP\s+STATUS\s+COUNT\s+VERSION/);
    expect(human.stdout).toContain(reportEvent().groupHash.slice(0, 12));
    expect(human.stdout).toMatch(/open\s+2\s+1\.4\.2/);
  });

  it('when a group is resolved, muted, reopened, shown and deleted, then each step changes it and says so', async () => {
    await admin();
    const appId = json(await cli('apps', 'create', '--owner', 'alice', '--name', 'my-app', '--json')).id as string;
    const hash = reportEvent().groupHash;
    await withDatabase(async (db) => new SqliteReportRepository(db).recordEvent(reportEvent({ appId })));
    const resolved = await cli('groups', 'resolve', '--app', appId, '--group', hash.slice(0, 12), '--note', 'fixed in 1.4.3');
    expect({ code: resolved.code, stdout: resolved.stdout }).toEqual({ code: 0, stdout: `${hash.slice(0, 12)} is now resolved\n` });
    expect(json(await cli('groups', 'show', '--app', appId, '--group', hash, '--json'))).toMatchObject({ status: 'resolved', note: 'fixed in 1.4.3', resolved_by: 'cli' });
    expect(json(await cli('groups', 'mute', '--app', appId, '--group', hash, '--json'))).toMatchObject({ updated: true, group: { status: 'muted' } });
    expect(json(await cli('groups', 'reopen', '--app', appId, '--group', hash, '--json'))).toMatchObject({ group: { status: 'open' } });
    expect(json(await cli('groups', 'delete', '--app', appId, '--group', hash, '--json'))).toEqual({ group_hash: hash, deleted: true, blobs_deleted: 0 });
    const gone = await cli('groups', 'show', '--app', appId, '--group', hash, '--json');
    expect({ code: gone.code, error: JSON.parse(gone.stderr).code }).toEqual({ code: 1, error: 'group_not_found' });
  });

  it('when an app is given to another admin by username, then it is listed under that admin; an unknown owner is refused by name', async () => {
    await admin('alice');
    const bobId = await admin('bob');
    const appId = json(await cli('apps', 'create', '--owner', 'alice', '--name', 'my-app', '--json')).id as string;
    expect(json(await cli('apps', 'update', '--app', appId, '--owner', 'bob', '--json'))).toMatchObject({ id: appId, owner: bobId });
    expect(json(await cli('apps', 'list', '--owner', bobId, '--json')).items).toEqual([expect.objectContaining({ id: appId, name: 'my-app' })]);
    expect(json(await cli('apps', 'list', '--owner', 'alice', '--json')).items).toEqual([]);
    const unknown = await cli('apps', 'update', '--app', appId, '--owner', 'mallory');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('"mallory"');
    const literal = await cli('apps', 'create', '--owner', 'me', '--name', 'other');
    expect(literal.code).toBe(1);
    expect(literal.stderr).toMatch(/--owner "me" is not an admin/);
  });

  it('when help is asked for, in any of its forms, then usage goes to stdout and the exit code is 0', async () => {
    const runs = await Promise.all([cli('--help'), cli('help'), cli('-h'), cli('apps', '--help'), cli('groups', 'resolve', '--help'), cli('help', 'apps', 'create')]);
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(runs[0]!.stdout).toContain('Usage: telltale <command>');
    expect(runs[0]!.stdout).toMatch(/groups delete\s+Delete a group/);
    expect(runs[3]!.stdout).toMatch(/apps update/);
    expect(runs[3]!.stdout).not.toMatch(/groups list/);
    expect(runs[4]!.stdout).toMatch(/^Usage: telltale groups resolve --app <app id or name> --group <groupHash> \[--note <text>\]/);
    expect(runs[5]!.stdout).toContain('--owner <admin id or username>');
  });

  it('when reports are disabled and enabled, then the app says so and the key context follows', async () => {
    const ownerId = await admin();
    const appId = json(await cli('apps', 'create', '--owner', ownerId, '--name', 'my-app', '--json')).id as string;
    const disabled = await cli('apps', 'reports', '--app', appId, '--disable', '--json');
    expect({ code: disabled.code, body: json(disabled) }).toEqual({ code: 0, body: expect.objectContaining({ id: appId, name: 'my-app', owner: ownerId, reports: false }) });
    await withDatabase(async (db) => expect((await new SqliteAppDirectory(db).getApp(appId))?.reports).toBe(false));
    expect(json(await cli('apps', 'reports', '--app', appId, '--enable', '--json')).reports).toBe(true);
  });

  it('when a command fails, then stderr holds {error, code} with --json and the exit code is 1, or 2 for a bad invocation', async () => {
    await admin('owner-1');
    await cli('apps', 'create', '--owner', 'owner-1', '--name', 'my-app');
    const cases = await Promise.all([
      cli('apps', 'create', '--owner', 'owner-1', '--name', 'my-app', '--json'),
      cli('keys', 'regenerate', '--app', 'no-such-app', '--json'),
      cli('apps', 'reports', '--app', 'x', '--enable', '--disable', '--json'),
      cli('apps', 'create', '--owner', 'owner-1', '--json'),
      cli('apps', 'create', '--owner', 'owner-1', '--name', 'bad|name', '--json'),
      cli('groups', 'list', '--app', 'x', '--colour', 'red', '--json'),
      cli('frobnicate', '--json'),
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

  it('when --app is an app name, then it works as the id does; a name two admins use is refused listing each id and owner; "already exists" gives the id', async () => {
    await admin('alice');
    await admin('bob');
    const desktop = json(await cli('apps', 'create', '--owner', 'alice', '--name', 'desktop', '--json')).id as string;
    const mobile = json(await cli('apps', 'create', '--owner', 'alice', '--name', 'mobile', '--json')).id as string;
    expect(json(await cli('apps', 'reports', '--app', 'mobile', '--disable', '--json'))).toMatchObject({ id: mobile, reports: false });

    const again = await cli('apps', 'create', '--owner', 'alice', '--name', 'desktop');
    expect({ code: again.code, stderr: again.stderr }).toEqual({ code: 1, stderr: `telltale: an app named "desktop" already exists: ${desktop}\n` });

    const bobs = json(await cli('apps', 'create', '--owner', 'bob', '--name', 'desktop', '--json')).id as string;
    const ambiguous = await cli('keys', 'regenerate', '--app', 'desktop');
    expect(ambiguous.code).toBe(2);
    // Listed in the order of the owners' ids, which are random.
    expect(ambiguous.stderr).toMatch(/^telltale: --app "desktop" names 2 apps of different owners: .+; give the id\n$/);
    expect(ambiguous.stderr).toContain(`${desktop} (owner alice)`);
    expect(ambiguous.stderr).toContain(`${bobs} (owner bob)`);
    const moved = await cli('apps', 'update', '--app', bobs, '--owner', 'alice');
    expect({ code: moved.code, stderr: moved.stderr }).toEqual({ code: 1, stderr: `telltale: an app named "desktop" already exists: ${desktop}\n` });
  });

  it('admins create, then token: the token is accepted by the service configured on the same DATA_DIR', async () => {
    const created = await cli('admins', 'create', '--username', 'alice', '--password', 'correct horse battery', '--json');
    expect(created.code).toBe(0);
    expect(json(created)).toMatchObject({ username: 'alice', role: 'admin' });
    expect(created.stdout).not.toMatch(/hash|salt/i);
    const token = await cli('token', '--username', 'alice', '--ttl', '600', '--json');
    expect(token.code).toBe(0);
    const { compose } = await import('../../src/composition/compose');
    const { loadConfig } = await import('../../src/composition/config');
    const pino = (await import('pino')).default;
    const composition = await compose(loadConfig({ DATA_DIR: dataDir(), STORAGE_DRIVER: 'memory' }), { logger: pino({ level: 'silent' }) });
    try {
      expect(await composition.tokenVerifier.verify(json(token).token as string)).toMatchObject({ username: 'alice', role: 'admin' });
    } finally {
      await composition.close();
    }
  });

  it('users create refuses an allowed app that is not the admin\'s, exit 2 with a JSON error', async () => {
    await cli('admins', 'create', '--username', 'alice', '--password', 'correct horse battery');
    const run = await cli('users', 'create', '--owner', 'alice', '--username', 'bob', '--password', 'bobspassword1', '--allowed-apps', 'nope', '--json');
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stderr)).toEqual({ error: expect.stringContaining('nope'), code: 'unknown_app' });
  });
});
