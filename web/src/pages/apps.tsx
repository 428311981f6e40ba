import { get, type App } from '../api';
import { ErrorText, Loading, PageTitle, TableWrap, VerdictBadge } from '../components';
import { href, useAsync } from '../hooks';
import { latestVerdict } from '../rollouts';

function LatestRelease({ appId }: { appId: string }) {
  const latest = useAsync(() => latestVerdict(appId), [appId]);
  if (latest.loading) return <td colSpan={2} class="muted">loading…</td>;
  if (latest.error || !latest.data)
    return (
      <>
        <td class="muted">no rollout data yet</td>
        <td>
          <VerdictBadge verdict={null} />
        </td>
      </>
    );
  return (
    <>
      <td>{latest.data.version}</td>
      <td>
        <VerdictBadge verdict={latest.data.verdict} />
      </td>
    </>
  );
}

export function AppsPage({ focus }: { focus: boolean }) {
  const apps = useAsync(() => get<{ items: App[] }>('/apps'), []);
  return (
    <>
      <PageTitle focus={focus}>Apps</PageTitle>
      <ErrorText error={apps.error} />
      {apps.loading && !apps.data && <Loading what="apps" />}
      {apps.data && apps.data.items.length === 0 && <p>No apps yet. Create one with <code>POST /apps</code> or the CLI.</p>}
      {apps.data && apps.data.items.length > 0 && (
        <TableWrap label="Apps">
          <table class="table">
            <caption class="sr-only">Your apps and their latest release's verdict</caption>
            <thead>
              <tr>
                <th scope="col">App</th>
                <th scope="col">Reports</th>
                <th scope="col">Latest release</th>
                <th scope="col">Verdict</th>
              </tr>
            </thead>
            <tbody>
              {apps.data.items.map((app) => (
                <tr key={app.id}>
                  <th scope="row">
                    <a href={href('apps', app.id)}>{app.name}</a>
                  </th>
                  <td>{app.reports ? 'on' : 'off'}</td>
                  <LatestRelease appId={app.id} />
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </>
  );
}
