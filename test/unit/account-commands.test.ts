import { rmSync } from 'node:fs';
import pino from 'pino';
import { compose, type Composition } from '../../src/composition/compose';
import { loadConfig } from '../../src/composition/config';
import { findCommand, OPTION_SHAPES } from '../../src/cli/commands';
import { parseArgs } from '../../src/cli/parse-args';
import { ConflictError, NotFoundError, ValidationError } from '../../src/domain/errors';
import { dataDirFor } from '../fixtures/harness';

describe('CLI account commands', () => {
  let composition: Composition;
  let dataDir: string;
  // What the CLI prints with --json: the command's result as JSON.
  const run = async (name: string, flags: Record<string, string>) => {
    const args = parseArgs([...name.split(' '), ...Object.entries(flags).flatMap(([k, v]) => [`--${k}`, v])], OPTION_SHAPES);
    return JSON.parse(JSON.stringify(await findCommand(args.words)!.run({ config: composition.deps.config, composition }, args)));
  };

  beforeEach(async () => {
    dataDir = dataDirFor();
    const config = loadConfig({ REPOSITORY_DRIVER: 'memory', STORAGE_DRIVER: 'memory', DATA_DIR: dataDir, REPORTS_ENABLED: 'false' });
    composition = await compose(config, { logger: pino({ level: 'silent' }) });
  });
  afterEach(async () => {
    await composition.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('admins create prints the admin as JSON, without its password hash', async () => {
    const admin = await run('admins create', { username: 'alice', password: 'correct horse' });
    expect(admin).toMatchObject({ id: expect.any(String), username: 'alice', role: 'admin', allowed_apps: [] });
    expect(admin.owner).toBe(admin.id);
    expect(JSON.stringify(admin)).not.toMatch(/scrypt|salt/);
    await expect(run('admins create', { username: 'ALICE', password: 'correct horse' })).rejects.toBeInstanceOf(ConflictError);
  });

  it('users create puts a team user under the admin named by id or username, with its apps and permissions', async () => {
    const admin = await run('admins create', { username: 'alice', password: 'correct horse' });
    const now = composition.clock.now();
    await composition.directory.createApp({ id: 'app-1', owner: admin.id, name: 'one', reports: true, createdAt: now, updatedAt: now });
    const user = await run('users create', { owner: 'alice', username: 'carol', password: 'carol password', 'allowed-apps': 'app-1', permissions: 'download,edit' });
    expect(user).toMatchObject({ role: 'user', owner: admin.id, allowed_apps: ['app-1'], permissions: { apps: { download: true, edit: true, create: false, delete: false } } });
    const byId = await run('users create', { owner: admin.id, username: 'dave', password: 'dave password' });
    expect(byId.permissions.apps).toEqual({ create: false, edit: false, delete: false, download: true });
  });

  it('users create refuses an unknown owner, a team user as owner, an unknown permission and a foreign app', async () => {
    await run('admins create', { username: 'alice', password: 'correct horse' });
    await run('users create', { owner: 'alice', username: 'carol', password: 'carol password' });
    await expect(run('users create', { owner: 'nobody', username: 'x-user', password: 'long enough' })).rejects.toBeInstanceOf(NotFoundError);
    await expect(run('users create', { owner: 'carol', username: 'x-user', password: 'long enough' })).rejects.toBeInstanceOf(NotFoundError);
    await expect(run('users create', { owner: 'alice', username: 'x-user', password: 'long enough', permissions: 'root' })).rejects.toBeInstanceOf(ValidationError);
    await expect(run('users create', { owner: 'alice', username: 'x-user', password: 'long enough', 'allowed-apps': 'elsewhere' })).rejects.toMatchObject({ code: 'unknown_app' });
  });

  it('token prints {token} that the service accepts for that account, and refuses a bad TTL or missing flag', async () => {
    const admin = await run('admins create', { username: 'alice', password: 'correct horse' });
    const { token } = await run('token', { username: 'alice', ttl: '3600' });
    await expect(composition.tokenVerifier.verify(token)).resolves.toMatchObject({ id: admin.id, role: 'admin' });
    await expect(run('token', { username: 'alice', ttl: 'soon' })).rejects.toMatchObject({ code: 'invalid_ttl' });
    await expect(run('token', { username: 'ghost' })).rejects.toBeInstanceOf(NotFoundError);
    await expect(run('token', {})).rejects.toMatchObject({ code: 'usage', message: '--username is required' });
  });
});
