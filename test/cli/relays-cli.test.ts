import pino from 'pino';
import request from 'supertest';
import { compose } from '../../src/composition/compose';
import { loadConfig } from '../../src/composition/config';
import { createApp } from '../../src/composition/create-app';
import { cliOnTempDataDir } from '../fixtures/cli';

jest.setTimeout(90_000);

const TOKEN_LINE = /^rlt_[0-9a-f]{24}_[0-9a-f]{64}$/m;
const beacons = { beacons: [{ device_id: 'd-1', version: '1.0.0', channel: 'stable', platform: 'linux', arch: 'x64' }] };

/** The service on the CLI's DATA_DIR, as `npm start` composes it, for one batch. */
async function postBatch(dataDir: string, token: string): Promise<number> {
  const config = loadConfig({ DATA_DIR: dataDir, REPOSITORY_DRIVER: 'sqlite', STORAGE_DRIVER: 'memory', REDIS_URL: '', LOG_LEVEL: 'silent' });
  const c = await compose(config, { logger: pino({ level: 'silent' }) });
  try {
    return (await request(createApp(c.deps)).post('/telemetry/beacons').set('Authorization', `Bearer ${token}`).send(beacons)).status;
  } finally {
    await c.close();
  }
}

describe('telltale CLI — relays create, list, revoke', () => {
  const { cli, dataDir } = cliOnTempDataDir();

  it('when a relay token is created by app name, then it is printed once, lists by hint only, works for a batch, and stops working once revoked', async () => {
    expect((await cli('admins', 'create', '--username', 'alice', '--password', 'correct horse battery')).code).toBe(0);
    const appId = (JSON.parse((await cli('apps', 'create', '--owner', 'alice', '--name', 'my-app', '--json')).stdout) as { id: string }).id;

    const created = await cli('relays', 'create', '--app', 'my-app', '--name', 'eu-relay-1');
    expect(created.code).toBe(0);
    const token = TOKEN_LINE.exec(created.stdout)![0];
    const id = token.slice(4, 28);
    expect(created.stdout).toContain(`Relay token "eu-relay-1" for app ${appId}. It is shown this once`);
    expect(created.stdout).toContain(`telltale relays revoke --app ${appId} --token ${id}`);

    const json = await cli('relays', 'create', '--app', appId, '--name', 'us-relay', '--json');
    const second = JSON.parse(json.stdout) as { id: string; token: string; hint: string; name: string; app_id: string };
    expect(second).toMatchObject({ app_id: appId, name: 'us-relay', token: expect.stringMatching(TOKEN_LINE), hint: `rlt_${second.id}_…${second.token.slice(-4)}` });

    const listed = await cli('relays', 'list', '--app', appId);
    expect(listed.stdout.split('\n')[0]).toMatch(/^ID\s+NAME\s+HINT\s+CREATED$/);
    expect(listed.stdout).toContain(`${id}  eu-relay-1  rlt_${id}_…${token.slice(-4)}`);
    expect(listed.stdout).not.toContain(token.slice(-64));
    const listedJson = JSON.parse((await cli('relays', 'list', '--app', 'my-app', '--json')).stdout) as Array<{ id: string }>;
    expect(listedJson.map((t) => t.id)).toEqual([id, second.id]);

    expect(await postBatch(dataDir(), token)).toBe(202);
    const revoked = await cli('relays', 'revoke', '--app', appId, '--token', id);
    expect(revoked).toMatchObject({ code: 0, stdout: `relay token ${id} revoked; batches sent with it are refused from now on\n` });
    expect(await postBatch(dataDir(), token)).toBe(401);
    expect(await postBatch(dataDir(), second.token)).toBe(202);
    // The token itself names its id too; a revoked one is gone.
    const again = await cli('relays', 'revoke', '--app', appId, '--token', token, '--json');
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stderr)).toMatchObject({ code: 'relay_token_not_found' });
  });

  it('when --app names no app, or a name two admins use, or the label is blank, then it says so; each command has --help', async () => {
    await cli('admins', 'create', '--username', 'alice', '--password', 'correct horse battery');
    await cli('admins', 'create', '--username', 'bob', '--password', 'correct horse battery');
    await cli('apps', 'create', '--owner', 'alice', '--name', 'shared');
    await cli('apps', 'create', '--owner', 'bob', '--name', 'shared');
    const unknown = await cli('relays', 'list', '--app', 'nope', '--json');
    expect(unknown.code).toBe(1);
    expect(JSON.parse(unknown.stderr)).toMatchObject({ code: 'app_not_found', error: expect.stringContaining('no app with the id or name "nope"') });
    const ambiguous = await cli('relays', 'create', '--app', 'shared', '--name', 'x', '--json');
    expect(ambiguous.code).toBe(2);
    expect(JSON.parse(ambiguous.stderr)).toMatchObject({ code: 'ambiguous_app' });
    const appId = (JSON.parse((await cli('apps', 'list', '--owner', 'alice', '--json')).stdout) as { items: Array<{ id: string }> }).items[0]!.id;
    const blank = await cli('relays', 'create', '--app', appId, '--name', '   ', '--json');
    expect(blank.code).toBe(2);
    expect(JSON.parse(blank.stderr)).toMatchObject({ code: 'usage' });
    for (const verb of ['create', 'list', 'revoke']) {
      const help = await cli('relays', verb, '--help');
      expect({ verb, code: help.code, usage: help.stdout.split('\n')[0] }).toEqual({ verb, code: 0, usage: expect.stringMatching(new RegExp(`^Usage: telltale relays ${verb} --app <app id or name>`)) });
    }
    const missing = await cli('relays', 'revoke', '--app', appId);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--token is required');
  });
});
