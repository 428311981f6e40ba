import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { EVENT_TYPES, get, GROUP_STATUSES, type App, type GroupPage } from '../api';
import { AdoptionChart, CrashFreeChart } from '../charts';
import { ErrorText, isNotFound, Loading, PageTitle, RefusedNote, ReleaseVerdict, StatusBadge, TableWrap } from '../components';
import { count, percent, when } from '../format';
import { href, useAsync } from '../hooks';
import { daySeries, releases, type Release } from '../rollouts';
import { NotFoundPage } from './not-found';

const PAGE_SIZE = 50;
const FILTERS = ['version', 'channel', 'platform', 'arch'] as const;
type Filters = Partial<Record<(typeof FILTERS)[number] | 'type' | 'status', string>>;

/** A rollout's explanation as the API words it; the baseline and older versions say what they are instead. */
function explanationOf(release: Release): ComponentChildren {
  const h = release.health;
  if (!h) return <span class="muted">–</span>;
  if (h.role === 'baseline') return <span class="muted">the version rollouts are compared with</span>;
  if (h.role === 'previous') return <span class="muted">older than the baseline {h.baseline_version}</span>;
  const lines = [...h.explanation];
  if (h.superseded_by !== null) lines.push(`superseded by ${h.superseded_by}: no longer a current rollout`);
  return lines.length > 0 ? lines.join('; ') : <span class="muted">–</span>;
}

interface Column {
  header: string;
  /** 'num' right-aligns; 'text' keeps room for a sentence on a narrow screen. */
  kind?: 'num' | 'text';
  cell(release: Release): ComponentChildren;
}

const crashFreeOf = (release: Release) => (release.cell.suppressed ? undefined : release.cell.rates?.crash_free);

/** The Releases table, one entry per column: a new column is one more entry. */
const RELEASE_COLUMNS: Column[] = [
  { header: 'Role', cell: (r) => r.health?.role ?? <span class="muted">–</span> },
  { header: 'Verdict', cell: (r) => <ReleaseVerdict health={r.health} /> },
  { header: 'Explanation', kind: 'text', cell: explanationOf },
  { header: 'Share', kind: 'num', cell: (r) => percent(r.cell.share, 1) },
  {
    header: 'Crash-free',
    kind: 'num',
    cell: (r) => {
      const cf = crashFreeOf(r);
      return cf ? percent(cf.rate) : <span class="muted">{r.cell.suppressed ? 'too few devices' : '–'}</span>;
    },
  },
  {
    header: '95% interval',
    kind: 'num',
    cell: (r) => {
      const cf = crashFreeOf(r);
      return cf ? `${percent(cf.low)} – ${percent(cf.high)}` : '–';
    },
  },
  { header: 'Device-days', kind: 'num', cell: (r) => (r.cell.suppressed || r.cell.active_device_days === undefined ? '–' : count(r.cell.active_device_days)) },
  { header: 'Refused beacons', kind: 'num', cell: (r) => (r.cell.refused_beacons > 0 ? <strong class="refused-count">{count(r.cell.refused_beacons)}</strong> : '0') },
];

function ReleasesTable({ appId, releases }: { appId: string; releases: Release[] }) {
  return (
    <TableWrap label="Releases">
      <table class="table">
        <caption class="sr-only">Recent releases with their roles and verdicts</caption>
        <thead>
          <tr>
            <th scope="col">Version</th>
            {RELEASE_COLUMNS.map((c) => (
              <th scope="col" key={c.header} class={c.kind}>
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {releases.map((release) => (
            <tr key={release.version}>
              <th scope="row" class="version">
                <a href={href('apps', appId, 'releases', release.version)}>{release.version}</a>
              </th>
              {RELEASE_COLUMNS.map((c) => (
                <td key={c.header} class={c.kind}>
                  {c.cell(release)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

function Releases({ appId }: { appId: string }) {
  const list = useAsync(() => releases(appId), [appId]);
  const charted = list.data?.charted ?? [];
  const series = useAsync(() => (charted.length > 0 ? daySeries(appId, charted) : Promise.resolve(null)), [appId, charted.join(',')]);

  if (list.loading && !list.data) return <Loading what="releases" />;
  if (list.error) return <ErrorText error={list.error} />;
  if (!list.data || list.data.items.length === 0) {
    return <p class="empty">No rollout data yet. Releases appear here once devices send update-check beacons.</p>;
  }
  return (
    <>
      <p class="muted small">
        Last 7 days, in device-days (one device active on one UTC day). Only a release rolling out against the baseline gets a verdict; open a version for
        its evidence per cell, its crash-rate limits and its history.
      </p>
      <RefusedNote refused={list.data.refused} window="in the last 7 days" />
      <ReleasesTable appId={appId} releases={list.data.items} />
      {series.error && <ErrorText error={series.error} />}
      {series.data && (
        <div class="charts">
          <CrashFreeChart series={series.data} />
          <AdoptionChart series={series.data} />
        </div>
      )}
    </>
  );
}

function Groups({ appId }: { appId: string }) {
  const [filters, setFilters] = useState<Filters>({});
  const [draft, setDraft] = useState<Filters>({});
  const [page, setPage] = useState(1);
  const groups = useAsync(() => get<GroupPage>('/reports/groups', { app: appId, ...filters, page, limit: PAGE_SIZE }), [appId, JSON.stringify(filters), page]);
  const pages = groups.data ? Math.max(1, Math.ceil(groups.data.total / PAGE_SIZE)) : 1;

  const apply = (e: Event) => {
    e.preventDefault();
    setFilters(Object.fromEntries(Object.entries(draft).filter(([, v]) => v && v.trim() !== '').map(([k, v]) => [k, v!.trim()])));
    setPage(1);
  };
  const clear = () => {
    setDraft({});
    setFilters({});
    setPage(1);
  };
  const field = (name: keyof Filters) => ({
    id: `filter-${name}`,
    name,
    value: draft[name] ?? '',
    onInput: (e: Event) => setDraft({ ...draft, [name]: (e.currentTarget as HTMLInputElement).value }),
  });

  return (
    <>
      <form class="filters" onSubmit={apply} aria-label="Filter groups">
        {FILTERS.map((name) => (
          <div class="field" key={name}>
            <label for={`filter-${name}`}>{name[0]!.toUpperCase() + name.slice(1)}</label>
            <input {...field(name)} />
          </div>
        ))}
        <div class="field">
          <label for="filter-type">Type</label>
          <select {...field('type')} onChange={(e) => setDraft({ ...draft, type: e.currentTarget.value })}>
            <option value="">any</option>
            {EVENT_TYPES.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="filter-status">Status</label>
          <select {...field('status')} onChange={(e) => setDraft({ ...draft, status: e.currentTarget.value })}>
            <option value="">any</option>
            {GROUP_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <div class="field actions">
          <button type="submit">Apply filters</button>
          <button type="button" class="secondary" onClick={clear}>
            Clear
          </button>
        </div>
      </form>
      <ErrorText error={groups.error} />
      {groups.loading && !groups.data && <Loading what="groups" />}
      {groups.data && (
        <>
          <p class="muted" role="status">
            {groups.data.total === 0 ? 'No groups match.' : `${count(groups.data.total)} groups, newest report first. Page ${page} of ${pages}.`}
          </p>
          {groups.data.items.length > 0 && (
            <TableWrap label="Report groups">
              <table class="table groups" aria-busy={groups.loading ? 'true' : 'false'}>
                <caption class="sr-only">Report groups, sorted by last seen</caption>
                <thead>
                  <tr>
                    <th scope="col">Reason</th>
                    <th scope="col">Type</th>
                    <th scope="col">Version</th>
                    <th scope="col" class="num">Count</th>
                    <th scope="col">First seen</th>
                    <th scope="col" aria-sort="descending">
                      Last seen
                    </th>
                    <th scope="col">Status</th>
                  </tr>
                </thead>
                <tbody>
                  {groups.data.items.map((g) => (
                    <tr key={g.group_hash}>
                      <th scope="row">
                        <a href={href('apps', appId, 'groups', g.group_hash)}>{g.event.reason}</a>
                      </th>
                      <td>{g.event.type}</td>
                      <td>{g.application.version}</td>
                      <td class="num">{count(g.stats.count)}</td>
                      <td class="date">{when(g.stats.first_seen)}</td>
                      <td class="date">{when(g.stats.last_seen)}</td>
                      <td>
                        <StatusBadge status={g.status} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
          )}
          <nav class="pager" aria-label="Groups pages">
            <button type="button" class="secondary" disabled={page <= 1 || groups.loading} onClick={() => setPage(page - 1)}>
              Previous page
            </button>
            <span>
              Page {page} of {pages}
            </span>
            <button type="button" class="secondary" disabled={page >= pages || groups.loading} onClick={() => setPage(page + 1)}>
              Next page
            </button>
          </nav>
        </>
      )}
    </>
  );
}

export function AppTabs({ appId, current }: { appId: string; current: 'overview' | 'settings' }) {
  return (
    <nav class="tabs" aria-label="App">
      <a href={href('apps', appId)} aria-current={current === 'overview' ? 'page' : undefined}>
        Releases and groups
      </a>
      <a href={href('apps', appId, 'settings')} aria-current={current === 'settings' ? 'page' : undefined}>
        Settings
      </a>
    </nav>
  );
}

export function AppPage({ appId, focus }: { appId: string; focus: boolean }) {
  const app = useAsync(() => get<App>(`/apps/${encodeURIComponent(appId)}`), [appId]);
  if (isNotFound(app.error)) return <NotFoundPage what="app" appId={appId} focus={focus} />;
  return (
    <>
      <p class="crumbs">
        <a href={href()}>Apps</a> /
      </p>
      <PageTitle focus={focus}>{app.data?.name ?? 'App'}</PageTitle>
      <ErrorText error={app.error} />
      {app.loading && !app.data && <Loading what="the app" />}
      {app.data && (
        <>
          <AppTabs appId={appId} current="overview" />
          <section aria-labelledby="releases-title">
            <h2 id="releases-title">Releases</h2>
            <Releases appId={appId} />
          </section>
          <section aria-labelledby="groups-title">
            <h2 id="groups-title">Groups</h2>
            <Groups appId={appId} />
          </section>
        </>
      )}
    </>
  );
}
