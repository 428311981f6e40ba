import { cliOnTempDataDir } from '../fixtures/cli';

jest.setTimeout(60_000);

describe('telltale CLI — rollouts health, rollouts resume, webhooks list', () => {
  const { cli } = cliOnTempDataDir();

  it('when a release has no traffic, then health and resume say so (release_not_found), history is empty, and an app has no webhooks', async () => {
    expect((await cli('admins', 'create', '--username', 'alice', '--password', 'correct horse battery')).code).toBe(0);
    const created = await cli('apps', 'create', '--owner', 'alice', '--name', 'my-app', '--json');
    const appId = (JSON.parse(created.stdout) as { id: string }).id;
    const health = await cli('rollouts', 'health', '--app', appId, '--version', '1.0.0', '--json');
    expect(health.code).toBe(1);
    expect(JSON.parse(health.stderr)).toMatchObject({ code: 'release_not_found', error: 'no data for version 1.0.0 of this app' });
    const resume = await cli('rollouts', 'resume', '--app', appId, '--version', '1.0.0', '--note', 'x', '--json');
    expect(resume.code).toBe(1);
    expect(JSON.parse(resume.stderr)).toMatchObject({ code: 'release_not_found' });
    const hooks = await cli('webhooks', 'list', '--app', appId, '--json');
    expect(JSON.parse(hooks.stdout)).toEqual([]);
    const history = await cli('rollouts', 'history', '--app', appId, '--version', '1.0.0');
    expect(history.stdout.trim()).toBe('no history yet');
  });
});
