import { openSqliteDatabase } from '../../src/adapters/sqlite/sqlite-database';
import { SqliteWebhookStore } from '../../src/adapters/sqlite/sqlite-webhook-store';
import { cliOnTempDataDir } from '../fixtures/cli';
import { webhook } from '../fixtures/webhooks';

// Every step starts the CLI from its sources: seconds each on a busy machine.
jest.setTimeout(300_000);

describe('telltale CLI — rollouts health, rollouts resume, webhooks list and delete', () => {
  const { cli, dataDir } = cliOnTempDataDir();

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
    const history = await cli('rollouts', 'history', '--app', 'my-app', '--version', '1.0.0');
    expect(history.stdout.trim()).toBe('no history yet');
  });

  it('when a webhook is deleted by its app name and id, then it is gone; deleting it again exits 1', async () => {
    expect((await cli('admins', 'create', '--username', 'alice', '--password', 'correct horse battery')).code).toBe(0);
    const appId = (JSON.parse((await cli('apps', 'create', '--owner', 'alice', '--name', 'my-app', '--json')).stdout) as { id: string }).id;
    const db = openSqliteDatabase(dataDir());
    await new SqliteWebhookStore(db).createWebhook(webhook({ id: 'wh-1', appId, url: 'http://127.0.0.1:9/hook' }));
    db.close();
    expect(await cli('webhooks', 'delete', '--app', 'my-app', '--webhook', 'wh-1')).toMatchObject({ code: 0, stdout: 'deleted webhook wh-1\n' });
    expect(JSON.parse((await cli('webhooks', 'list', '--app', appId, '--json')).stdout)).toEqual([]);
    const again = await cli('webhooks', 'delete', '--app', appId, '--webhook', 'wh-1', '--json');
    expect({ code: again.code, error: JSON.parse(again.stderr) }).toEqual({ code: 1, error: { error: `no webhook wh-1 in app ${appId}`, code: 'webhook_not_found' } });
  });
});
