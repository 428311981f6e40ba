import { Fragment, type ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { api, can, get, type App, type Health, type HealthCell, type HistoryEntry, type Limit, type Me, type MetricName, type RatesCell } from '../api';
import { ErrorText, isNotFound, Loading, PageTitle, RefusedNote, ReleaseVerdict, roleText, TableWrap } from '../components';
import { count, percent, when } from '../format';
import { href, useAsync } from '../hooks';
import { cellRates, health as fetchHealth, history as fetchHistory } from '../rollouts';
import { NotFoundPage } from './not-found';

const METRICS: Array<{ name: MetricName; label: string }> = [
  { name: 'crash', label: 'Crashes (crash or startup failure)' },
  { name: 'update_failure', label: 'Update failures' },
  { name: 'install_failure', label: 'Install failures' },
];

const STATUS_WORDS = {
  measured: 'measured',
  no_denominator: 'no denominator: no client reports how many tried',
  no_data: 'nothing to compare yet',
} as const;

type Side = NonNullable<HealthCell['metrics']['crash']>['release'];

/** A rate in device-days with its 95% interval, and what it counts; words where there is no rate. */
function SideText({ side, metric }: { side: Side; metric: MetricName }) {
  if (side.rate === null || side.low === null || side.high === null) {
    const words = side.exposure === 0 && side.affected === 0 ? (metric === 'crash' ? 'no devices' : 'no data') : metric === 'crash' ? 'no rate' : 'no denominator';
    return <span class="muted">{words}</span>;
  }
  return (
    <>
      {percent(side.rate)} <span class="muted">({percent(side.low)} – {percent(side.high)})</span>
      <span class="sub muted">
        {count(side.affected)} of {count(side.exposure)} device-days
      </span>
    </>
  );
}

const ratioText = (ratio: number | null) => (ratio === null ? '–' : `${ratio.toFixed(2)}×`);
const evidenceText = (e: number | null) => (e === null ? '–' : e >= 1e6 || (e > 0 && e < 1e-3) ? e.toExponential(1) : e.toPrecision(3));
const cellName = (c: { channel?: string; platform?: string; arch?: string }) => `${c.channel ?? '?'} / ${c.platform ?? '?'} / ${c.arch ?? '?'}`;

function Summary({ health }: { health: Health }) {
  const rows: Array<[string, ComponentChildren]> = [
    ['Role', health.role],
    ['Baseline', health.baseline_version ?? 'none yet'],
  ];
  if (health.active_device_days !== undefined) rows.push(['Device-days, last two UTC days', count(health.active_device_days)]);
  if (health.role === 'rollout') {
    rows.push(['Evidence since', when(health.evidence_since)]);
    if (health.halted_at) rows.push(['Halted at', when(health.halted_at)]);
    if (health.resumed) rows.push(['Last resumed', `${when(health.resumed.at)} by ${health.resumed.by}: ${health.resumed.note}`]);
    if (health.superseded_by) rows.push(['Superseded by', `${health.superseded_by} (no longer a current rollout; a halt stays a halt)`]);
  }
  rows.push(['Data through', when(health.data_through)], ['Evaluated at', when(health.evaluated_at)]);
  return (
    <section class="card" aria-labelledby="verdict-title">
      <h2 id="verdict-title">Verdict</h2>
      <p class="verdict-line">
        <ReleaseVerdict health={health} /> <span>{roleText(health)}</span>
      </p>
      {health.role === 'rollout' && health.explanation.length > 0 && (
        <ul class="explanation" aria-label="Why">
          {health.explanation.map((text, i) => (
            <li key={health.reasons[i] ?? text}>
              {text} <code class="muted">{health.reasons[i]}</code>
            </li>
          ))}
        </ul>
      )}
      <dl class="facts">
        {rows.map(([name, value]) => (
          <Fragment key={name}>
            <dt>{name}</dt>
            <dd>{value}</dd>
          </Fragment>
        ))}
      </dl>
    </section>
  );
}

function Resume({ appId, health, onResumed }: { appId: string; health: Health; onResumed(h: Health): void }) {
  const [open, setOpen] = useState(false);
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | undefined>();
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      onResumed(await api<Health>('POST', '/rollouts/resume', { app: appId, version: health.version, note: note.trim() }));
      setOpen(false);
      setNote('');
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card" aria-labelledby="resume-title">
      <h2 id="resume-title">Resume</h2>
      <p>
        A halt holds until a person resumes it. Resuming restarts the evidence from now, still against {health.baseline_version ?? 'the baseline'}; your
        name and note go in the history.
      </p>
      {!open && (
        <button type="button" class="secondary" onClick={() => setOpen(true)}>
          Resume…
        </button>
      )}
      {open && (
        <form onSubmit={submit} class="confirm">
          <label for="resume-note">Why resume (kept in the history)</label>
          <textarea id="resume-note" rows={2} maxLength={2000} required value={note} onInput={(e) => setNote(e.currentTarget.value)} ref={(el) => el?.focus()} />
          <div class="button-row">
            <button type="submit" disabled={busy || note.trim() === ''}>
              Resume {health.version}
            </button>
            <button type="button" class="secondary" onClick={() => setOpen(false)}>
              Cancel
            </button>
          </div>
        </form>
      )}
      <ErrorText error={error} />
    </section>
  );
}

function Metrics({ health }: { health: Health }) {
  const shown = METRICS.filter((m) => health.metrics[m.name] !== undefined);
  if (shown.length === 0) return null;
  return (
    <section aria-labelledby="metrics-title">
      <h2 id="metrics-title">Against the baseline</h2>
      <p class="muted small">
        Since {when(health.evidence_since)}, over all the release's cells: one test per release. An e-value is evidence; on default settings a release halts at 300
        (worse than 1.25× its baseline) and is healthy at 100 (less than 1.5× worse), twice in a row.
      </p>
      <TableWrap label="Metrics against the baseline">
        <table class="table">
          <caption class="sr-only">Each metric of {health.version} against {health.baseline_version}</caption>
          <thead>
            <tr>
              <th scope="col">Metric</th>
              <th scope="col">Status</th>
              <th scope="col">This release</th>
              <th scope="col">Baseline {health.baseline_version}</th>
              <th scope="col" class="num">Ratio</th>
              <th scope="col" class="num">E-value worse</th>
              <th scope="col" class="num">E-value healthy</th>
            </tr>
          </thead>
          <tbody>
            {shown.map(({ name, label }) => {
              const m = health.metrics[name]!;
              return (
                <tr key={name}>
                  <th scope="row">{label}</th>
                  <td class="text">{STATUS_WORDS[m.status]}</td>
                  <td class="rate">
                    <SideText side={m.release} metric={name} />
                  </td>
                  <td class="rate">
                    <SideText side={m.baseline} metric={name} />
                  </td>
                  <td class="num">{ratioText(m.ratio)}</td>
                  <td class="num">{evidenceText(m.e_value)}</td>
                  <td class="num">{evidenceText(m.e_value_healthy)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </TableWrap>
    </section>
  );
}

function limitResult(l: Limit): string {
  if (l.shared) return `over, and so is the baseline over the same hours: a shared incident (crash_rate_limit_shared, watch)`;
  return l.over ? 'over the limit' : 'not over the limit';
}

function Limits({ health }: { health: Health }) {
  if (health.limits.length === 0) return null;
  return (
    <section aria-labelledby="limits-title">
      <h2 id="limits-title">Crash-rate limits</h2>
      <p class="muted small">
        Absolute limits on the release's crash rate in device-days, whatever the baseline: <code>crash_rate_limit</code> over all its cells, and{' '}
        <code>crash_rate_limit_platform</code> per platform and arch. The lower bound holds at every look.
      </p>
      <TableWrap label="Crash-rate limits">
        <table class="table">
          <caption class="sr-only">Crash-rate limits of {health.version}</caption>
          <thead>
            <tr>
              <th scope="col">Limit</th>
              <th scope="col">Applies to</th>
              <th scope="col" class="num">Level</th>
              <th scope="col">Crash rate</th>
              <th scope="col" class="num">Lower bound</th>
              <th scope="col" class="num">Baseline, same hours</th>
              <th scope="col">Result</th>
            </tr>
          </thead>
          <tbody>
            {health.limits.map((l) => (
              <tr key={`${l.scope}-${l.platform}-${l.arch}`} class={l.over ? 'over' : undefined}>
                <th scope="row">
                  <code>{l.scope === 'overall' ? 'crash_rate_limit' : 'crash_rate_limit_platform'}</code>
                </th>
                <td>{l.scope === 'overall' ? 'all cells' : `${l.platform} / ${l.arch}`}</td>
                <td class="num">{percent(l.limit)}</td>
                <td class="rate">
                  <SideText side={l.release} metric="crash" />
                </td>
                <td class="num">{percent(l.release.anytime_low)}</td>
                <td class="num">{percent(l.baseline_matched_rate)}</td>
                <td class="text">{limitResult(l)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
    </section>
  );
}

function EvidenceCells({ health }: { health: Health }) {
  if (health.cells.length === 0) return null;
  return (
    <section aria-labelledby="cells-title">
      <h2 id="cells-title">Where: the evidence per cell</h2>
      <p class="muted small">
        Each cell (channel / platform / arch) beside the same cell of {health.baseline_version ?? 'the baseline'}, since {when(health.evidence_since)}. The cells
        have no verdicts of their own: they show where a problem is.
      </p>
      <TableWrap label="Evidence per cell">
        <table class="table">
          <caption class="sr-only">The verdict's evidence per cell</caption>
          <thead>
            <tr>
              <th scope="col">Cell</th>
              <th scope="col">Crashes, this release</th>
              <th scope="col">Crashes, baseline</th>
              <th scope="col" class="num">Ratio</th>
              <th scope="col">Update failures</th>
              <th scope="col">Install failures</th>
            </tr>
          </thead>
          <tbody>
            {health.cells.map((c) => (
              <tr key={cellName(c)}>
                <th scope="row" class="cell-name">{cellName(c)}</th>
                <td class="rate">{c.metrics.crash ? <SideText side={c.metrics.crash.release} metric="crash" /> : '–'}</td>
                <td class="rate">{c.metrics.crash ? <SideText side={c.metrics.crash.baseline} metric="crash" /> : '–'}</td>
                <td class="num">{ratioText(c.metrics.crash?.ratio ?? null)}</td>
                <td class="rate">{c.metrics.update_failure ? <SideText side={c.metrics.update_failure.release} metric="update_failure" /> : '–'}</td>
                <td class="rate">{c.metrics.install_failure ? <SideText side={c.metrics.install_failure.release} metric="install_failure" /> : '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
    </section>
  );
}

function CountsRow({ cell }: { cell: RatesCell }) {
  const cf = cell.suppressed ? undefined : cell.rates?.crash_free;
  return (
    <tr>
      <th scope="row" class="cell-name">{cellName(cell)}</th>
      <td class="num">{cell.suppressed || cell.active_device_days === undefined ? <span class="muted">too few devices</span> : count(cell.active_device_days)}</td>
      <td class="num">{cell.refused_beacons > 0 ? <strong class="refused-count">{count(cell.refused_beacons)}</strong> : '0'}</td>
      <td class="num">{cf ? percent(cf.rate) : '–'}</td>
      <td class="num">{cf ? `${percent(cf.low)} – ${percent(cf.high)}` : '–'}</td>
    </tr>
  );
}

function CellCounts({ appId, version }: { appId: string; version: string }) {
  const rates = useAsync(() => cellRates(appId, version), [appId, version]);
  return (
    <section aria-labelledby="counts-title">
      <h2 id="counts-title">Devices per cell, last 7 days</h2>
      {rates.loading && !rates.data && <Loading what="the cells" />}
      <ErrorText error={rates.error} />
      {rates.data && rates.data.cells.length === 0 && <p class="muted">No device of this version in the last 7 days.</p>}
      {rates.data && rates.data.cells.length > 0 && (
        <>
          <RefusedNote refused={rates.data.refused_beacons} window="for this version in the last 7 days" />
          <TableWrap label="Devices per cell">
            <table class="table">
              <caption class="sr-only">Device-days, refused beacons and crash-free rate per cell of {version}</caption>
              <thead>
                <tr>
                  <th scope="col">Cell</th>
                  <th scope="col" class="num">Device-days</th>
                  <th scope="col" class="num">Refused beacons</th>
                  <th scope="col" class="num">Crash-free</th>
                  <th scope="col" class="num">95% interval</th>
                </tr>
              </thead>
              <tbody>
                {rates.data.cells.map((cell) => (
                  <CountsRow key={cellName(cell)} cell={cell} />
                ))}
              </tbody>
            </table>
          </TableWrap>
        </>
      )}
    </section>
  );
}

function changeText(e: HistoryEntry): string {
  if (e.kind === 'resume') return `resumed (the ${e.from ?? 'halt'} lifted)`;
  if (e.kind === 'role') return `role ${e.from ?? 'none'} → ${e.to ?? 'none'}`;
  return e.from === null ? `first verdict: ${e.to ?? 'none'}` : `${e.from} → ${e.to ?? 'none'}`;
}

function History({ items }: { items: HistoryEntry[] }) {
  return (
    <section aria-labelledby="history-title">
      <h2 id="history-title">History</h2>
      {items.length === 0 ? (
        <p class="muted">No changes yet: a version gets a history once it is evaluated as a rollout, or its role changes.</p>
      ) : (
        <TableWrap label="History">
          <table class="table">
            <caption class="sr-only">Each change of verdict or role, and each resume, oldest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Change</th>
                <th scope="col">Reasons</th>
                <th scope="col">By</th>
                <th scope="col">Note</th>
              </tr>
            </thead>
            <tbody>
              {items.map((e, i) => (
                <tr key={`${e.at}-${i}`}>
                  <td class="date">{when(e.at)}</td>
                  <td>{changeText(e)}</td>
                  <td>{e.reasons.length > 0 ? e.reasons.map((r) => <code key={r} class="reason">{r}</code>) : <span class="muted">–</span>}</td>
                  <td>{e.by ?? <span class="muted">–</span>}</td>
                  <td class="text">{e.note ?? <span class="muted">–</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </section>
  );
}

export function ReleasePage({ appId, version, me, focus }: { appId: string; version: string; me: Me | null; focus: boolean }) {
  const app = useAsync(() => get<App>(`/apps/${encodeURIComponent(appId)}`), [appId]);
  const loaded = useAsync(() => fetchHealth(appId, version), [appId, version]);
  const [resumed, setResumed] = useState<Health | null>(null);
  const history = useAsync(() => fetchHistory(appId, version), [appId, version, resumed?.evaluated_at]);
  const health = resumed ?? loaded.data;
  if (isNotFound(app.error)) return <NotFoundPage what="app" appId={appId} focus={focus} />;
  if (app.data && loaded.data === null) return <NotFoundPage what="release" appId={appId} version={version} focus={focus} />;
  return (
    <>
      <p class="crumbs">
        <a href={href()}>Apps</a> / <a href={href('apps', appId)}>{app.data?.name ?? 'App'}</a> /
      </p>
      <PageTitle focus={focus}>Release {version}</PageTitle>
      <ErrorText error={app.error ?? loaded.error} />
      {(app.loading || loaded.loading) && !health && <Loading what="the release" />}
      {app.data && health && (
        <>
          <Summary health={health} />
          {health.role === 'rollout' && health.verdict === 'halt' && can(me, 'edit') && <Resume appId={appId} health={health} onResumed={setResumed} />}
          <Metrics health={health} />
          <Limits health={health} />
          <EvidenceCells health={health} />
          <CellCounts appId={appId} version={version} />
          <ErrorText error={history.error} />
          {history.loading && !history.data && <Loading what="the history" />}
          {history.data && <History items={history.data.items} />}
        </>
      )}
    </>
  );
}
