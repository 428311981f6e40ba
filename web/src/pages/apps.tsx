import { get, type AppListItem } from '../api';
import { ErrorText, Loading, PageTitle, TableWrap, VerdictBadge } from '../components';
import { href, useAsync } from '../hooks';

/** GET /apps names each app's worst current rollout: a small beta can't hide a halted stable release. */
function CurrentRollout({ app }: { app: AppListItem }) {
  if (app.rollout === null)
    return (
      <>
        <td class="muted">nothing rolling out</td>
        <td class="muted">–</td>
      </>
    );
  return (
    <>
      <td>
        <a href={href('apps', app.id, 'releases', app.rollout.version)}>{app.rollout.version}</a>
      </td>
      <td>
        <VerdictBadge verdict={app.rollout.verdict} />
      </td>
    </>
  );
}

export function AppsPage({ focus }: { focus: boolean }) {
  const apps = useAsync(() => get<{ items: AppListItem[] }>('/apps'), []);
  return (
    <>
      <PageTitle focus={focus}>Apps</PageTitle>
      <ErrorText error={apps.error} />
      {apps.loading && !apps.data && <Loading what="apps" />}
      {apps.data && apps.data.items.length === 0 && <p>No apps yet. Create one with <code>POST /apps</code> or the CLI.</p>}
      {apps.data && apps.data.items.length > 0 && (
        <>
          <p class="muted" id="apps-help">
            Each app shows the worst verdict among the releases rolling out now (halt, then watch, then healthy), naming the version.
          </p>
          <TableWrap label="Apps">
            <table class="table" aria-describedby="apps-help">
              <caption class="sr-only">Your apps and the worst verdict among their current rollouts</caption>
              <thead>
                <tr>
                  <th scope="col">App</th>
                  <th scope="col">Reports</th>
                  <th scope="col">Current rollout</th>
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
                    <CurrentRollout app={app} />
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        </>
      )}
    </>
  );
}
