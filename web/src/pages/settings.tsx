import { useRef, useState } from 'preact/hooks';
import { api, can, get, WEBHOOK_EVENTS, type Answer, type App, type Delivery, type Me, type ReportKey, type Webhook, type CreatedWebhook } from '../api';
import { ErrorText, isNotFound, Loading, PageTitle, TableWrap } from '../components';
import { when } from '../format';
import { href, useAsync } from '../hooks';
import { AppTabs } from './app';
import { NotFoundPage } from './not-found';

function ReportsSwitch({ app, editable, onChanged }: { app: App; editable: boolean; onChanged(a: App): void }) {
  const [error, setError] = useState<Error | undefined>();
  const [busy, setBusy] = useState(false);
  const toggle = async () => {
    setBusy(true);
    setError(undefined);
    try {
      onChanged(await api<App>('PATCH', `/apps/${encodeURIComponent(app.id)}`, { reports: !app.reports }));
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card" aria-labelledby="reports-title">
      <h2 id="reports-title">Reports</h2>
      <p>
        Failure reports are <strong>{app.reports ? 'on' : 'off'}</strong> for this app.
        {!app.reports && ' Reports sent now are refused.'}
      </p>
      {editable && (
        <button type="button" class="secondary" disabled={busy} onClick={toggle}>
          {app.reports ? 'Turn reports off' : 'Turn reports on'}
        </button>
      )}
      <ErrorText error={error} />
    </section>
  );
}

function ReportKeyPanel({ appId, editable }: { appId: string; editable: boolean }) {
  const keys = useAsync(() => get<{ items: ReportKey[] }>('/reports/keys'), []);
  const [regenerated, setRegenerated] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<Error | undefined>();
  const input = useRef<HTMLInputElement>(null);
  const key = regenerated ?? keys.data?.items.find((k) => k.app_id === appId)?.report_key ?? null;

  const copy = async () => {
    if (!key) return;
    try {
      await navigator.clipboard.writeText(key);
      setMessage('Report key copied.');
    } catch {
      input.current?.select();
      setMessage('Select the key and copy it (Ctrl+C).');
    }
  };
  const regenerate = async () => {
    setError(undefined);
    try {
      const res = await api<ReportKey>('POST', '/reports/keys/regenerate', { app_id: appId });
      setRegenerated(res.report_key);
      setConfirming(false);
      setMessage('A new report key is in place. The old key no longer works.');
    } catch (err) {
      setError(err as Error);
    }
  };

  return (
    <section class="card" aria-labelledby="key-title">
      <h2 id="key-title">Report key</h2>
      <ErrorText error={keys.error} />
      {keys.loading && !keys.data && <Loading what="the key" />}
      {keys.data && (
        <>
          <label for="report-key">Report key</label>
          <div class="inline">
            <input id="report-key" class="mono" readOnly value={key ?? 'none'} ref={input} />
            <button type="button" class="secondary" onClick={copy} disabled={!key}>
              Copy key
            </button>
          </div>
          {editable && !confirming && (
            <button type="button" class="secondary" onClick={() => setConfirming(true)}>
              Regenerate key…
            </button>
          )}
          {editable && confirming && (
            <div role="group" aria-labelledby="regen-warning" class="confirm">
              <p id="regen-warning">Apps still sending the current key will have their reports refused. Regenerate it?</p>
              <div class="button-row">
                <button type="button" class="danger" onClick={regenerate} ref={(el) => el?.focus()}>
                  Yes, regenerate the key
                </button>
                <button type="button" class="secondary" onClick={() => setConfirming(false)}>
                  Cancel
                </button>
              </div>
            </div>
          )}
        </>
      )}
      <p role="status" class="muted">
        {message}
      </p>
      <ErrorText error={error} />
    </section>
  );
}

function Deliveries({ appId, webhook }: { appId: string; webhook: Webhook }) {
  const list = useAsync(() => get<{ items: Delivery[] }>(`/apps/${encodeURIComponent(appId)}/webhooks/${encodeURIComponent(webhook.id)}/deliveries`), [webhook.id]);
  if (list.loading && !list.data) return <Loading what="deliveries" />;
  if (list.error) return <ErrorText error={list.error} />;
  const items = list.data?.items ?? [];
  if (items.length === 0) return <p class="muted">No deliveries yet.</p>;
  return (
    <TableWrap label={`Delivery attempts to ${webhook.url}`}>
      <table class="table small">
        <caption class="sr-only">Delivery attempts to {webhook.url}</caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Event</th>
            <th scope="col">Attempt</th>
            <th scope="col">Result</th>
            <th scope="col">Next attempt</th>
          </tr>
        </thead>
        <tbody>
          {items.map((d) => (
            <tr key={`${d.event_id}-${d.attempt}`}>
              <td class="date">{when(d.at)}</td>
              <td>
                <code>{d.event_id}</code>
              </td>
              <td>{d.attempt}</td>
              <td>
                {d.status}
                {d.response_status !== null && ` (HTTP ${d.response_status})`}
                {d.error && d.response_status === null && `: ${d.error}`}
              </td>
              <td class="date">{when(d.next_attempt_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

function Webhooks({ appId, editable }: { appId: string; editable: boolean }) {
  const path = `/apps/${encodeURIComponent(appId)}/webhooks`;
  // Every webhook route needs apps.edit: a URL may carry a credential.
  const list = useAsync(() => (editable ? get<{ items: Webhook[] }>(path) : Promise.resolve(null)), [appId, editable]);
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<string[]>([...WEBHOOK_EVENTS]);
  const [created, setCreated] = useState<CreatedWebhook | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [error, setError] = useState<Error | undefined>();

  const create = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    try {
      setCreated(await api<CreatedWebhook>('POST', path, { url, events }));
      setUrl('');
      list.reload();
    } catch (err) {
      setError(err as Error);
    }
  };
  const remove = async (id: string) => {
    setError(undefined);
    try {
      await api('DELETE', `${path}/${encodeURIComponent(id)}`);
      if (created?.id === id) setCreated(null);
      list.reload();
    } catch (err) {
      setError(err as Error);
    }
  };

  return (
    <section class="card" aria-labelledby="webhooks-title">
      <h2 id="webhooks-title">Webhooks</h2>
      {list.loading && !list.data && <Loading what="webhooks" />}
      <ErrorText error={list.error} />
      {!editable && <p class="muted">Webhooks need the apps.edit permission.</p>}
      {list.data && (
        <>
          {list.data.items.length === 0 ? (
            <p class="muted">No webhooks.</p>
          ) : (
            <ul class="webhooks">
              {list.data.items.map((w) => (
                <li key={w.id}>
                  <div>
                    <code>{w.url}</code>
                    <div class="muted small">{w.events.join(', ')}</div>
                  </div>
                  <div class="button-row">
                    <button type="button" class="secondary" aria-expanded={open === w.id} onClick={() => setOpen(open === w.id ? null : w.id)}>
                      Deliveries<span class="sr-only"> to {w.url}</span>
                    </button>
                    {editable && (
                      <button type="button" class="danger" onClick={() => remove(w.id)}>
                        Delete<span class="sr-only"> webhook {w.url}</span>
                      </button>
                    )}
                  </div>
                  {open === w.id && <Deliveries appId={appId} webhook={w} />}
                </li>
              ))}
            </ul>
          )}
          {created?.secret && (
            <div class="notice" role="status">
              <p>
                Signing secret for <code>{created.url}</code>, shown this once:
              </p>
              <p>
                <code class="mono">{created.secret}</code>
              </p>
            </div>
          )}
          {editable && (
            <form onSubmit={create} class="webhook-form">
              <h3>Add a webhook</h3>
              <label for="webhook-url">URL</label>
              <input id="webhook-url" type="url" required placeholder="https://example.com/telltale" value={url} onInput={(e) => setUrl(e.currentTarget.value)} />
              <fieldset>
                <legend>Events</legend>
                {WEBHOOK_EVENTS.map((name) => (
                  <label key={name} class="check">
                    <input
                      type="checkbox"
                      checked={events.includes(name)}
                      onChange={(e) => setEvents(e.currentTarget.checked ? [...events, name] : events.filter((x) => x !== name))}
                    />
                    {name}
                  </label>
                ))}
              </fieldset>
              <button type="submit" disabled={events.length === 0}>
                Add webhook
              </button>
            </form>
          )}
        </>
      )}
      <ErrorText error={error} />
    </section>
  );
}

type RelayToken = Answer<'/apps/{id}/relay-tokens', 'get'>['items'][number];
type CreatedRelayToken = Answer<'/apps/{id}/relay-tokens', 'post'>;

/** The token just created, shown this once with a way to copy it. */
function NewRelayToken({ created }: { created: CreatedRelayToken }) {
  const [message, setMessage] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(created.token);
      setMessage('Relay token copied.');
    } catch {
      input.current?.select();
      setMessage('Select the token and copy it (Ctrl+C).');
    }
  };
  return (
    <div class="notice">
      <p>
        Relay token for <strong>{created.name}</strong>, shown this once: copy it now and give it to the relay. Only its hash is kept, so it can't be shown again.
      </p>
      <label for="relay-token">New relay token</label>
      <div class="inline">
        <input id="relay-token" class="mono" readOnly value={created.token} ref={input} />
        <button type="button" class="secondary" onClick={copy}>
          Copy token
        </button>
      </div>
      <p role="status" class="muted small">
        {message}
      </p>
    </div>
  );
}

function RelayTokens({ appId, admin }: { appId: string; admin: boolean }) {
  const path = `/apps/${encodeURIComponent(appId)}/relay-tokens`;
  // Relay tokens add devices to every verdict of the app: an admin's, not a team user's.
  const list = useAsync(() => (admin ? get<{ items: RelayToken[] }>(path) : Promise.resolve(null)), [appId, admin]);
  const [name, setName] = useState('');
  const [created, setCreated] = useState<CreatedRelayToken | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<Error | undefined>();

  const create = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    setMessage(null);
    try {
      setCreated(await api<CreatedRelayToken>('POST', path, { name }));
      setName('');
      list.reload();
    } catch (err) {
      setError(err as Error);
    }
  };
  const revoke = async (token: RelayToken) => {
    setError(undefined);
    try {
      await api('DELETE', `${path}/${encodeURIComponent(token.id)}`);
      if (created?.id === token.id) setCreated(null);
      setConfirming(null);
      setMessage(`Relay token ${token.name} revoked: its next batch is refused.`);
      list.reload();
    } catch (err) {
      setError(err as Error);
    }
  };

  return (
    <section class="card" aria-labelledby="relays-title">
      <h2 id="relays-title">Relay tokens</h2>
      <p class="muted">
        A relay (a server that forwards update checks in batches to <code>POST /telemetry/beacons</code>) sends one of these as its bearer token. The report key is not accepted there.
      </p>
      {!admin && <p class="muted">Relay tokens are managed by an admin.</p>}
      {list.loading && !list.data && <Loading what="relay tokens" />}
      <ErrorText error={list.error} />
      {list.data && (
        <>
          {list.data.items.length === 0 ? (
            <p class="muted">No relay tokens.</p>
          ) : (
            <ul class="relay-tokens">
              {list.data.items.map((t) => (
                <li key={t.id}>
                  <div>
                    <strong>{t.name}</strong>
                    <div class="muted small">
                      <code>{t.hint}</code> · created {when(t.created_at)}
                    </div>
                  </div>
                  {confirming === t.id ? (
                    <div role="group" aria-label={`Revoke ${t.name}?`} class="confirm">
                      <p>The relay holding this token will have its batches refused. Revoke it?</p>
                      <div class="button-row">
                        <button type="button" class="danger" onClick={() => revoke(t)} ref={(el) => el?.focus()}>
                          Yes, revoke<span class="sr-only"> {t.name}</span>
                        </button>
                        <button type="button" class="secondary" onClick={() => setConfirming(null)}>
                          Cancel
                        </button>
                      </div>
                    </div>
                  ) : (
                    <button type="button" class="secondary" onClick={() => setConfirming(t.id)}>
                      Revoke…<span class="sr-only"> relay token {t.name}</span>
                    </button>
                  )}
                </li>
              ))}
            </ul>
          )}
          {created && <NewRelayToken created={created} />}
          <form onSubmit={create} class="webhook-form">
            <h3>Create a relay token</h3>
            <label for="relay-name">Relay name</label>
            <input id="relay-name" required maxLength={100} placeholder="eu-relay-1" value={name} onInput={(e) => setName(e.currentTarget.value)} />
            <button type="submit" disabled={name.trim() === ''}>
              Create relay token
            </button>
          </form>
        </>
      )}
      <p role="status" class="muted">
        {message}
      </p>
      <ErrorText error={error} />
    </section>
  );
}

export function SettingsPage({ appId, me, focus }: { appId: string; me: Me | null; focus: boolean }) {
  const loaded = useAsync(() => get<App>(`/apps/${encodeURIComponent(appId)}`), [appId]);
  const [changed, setChanged] = useState<App | null>(null);
  const app = changed ?? loaded.data;
  const editable = can(me, 'edit');
  if (isNotFound(loaded.error)) return <NotFoundPage what="app" appId={appId} focus={focus} />;
  return (
    <>
      <p class="crumbs">
        <a href={href()}>Apps</a> / <a href={href('apps', appId)}>{app?.name ?? 'App'}</a> /
      </p>
      <PageTitle focus={focus}>Settings{app ? ` for ${app.name}` : ''}</PageTitle>
      <ErrorText error={loaded.error} />
      {loaded.loading && !app && <Loading what="the app" />}
      {app && (
        <>
          <AppTabs appId={appId} current="settings" />
          <div class="settings">
            <ReportsSwitch app={app} editable={editable} onChanged={setChanged} />
            <ReportKeyPanel appId={appId} editable={editable} />
            <Webhooks appId={appId} editable={editable} />
            <RelayTokens appId={appId} admin={me?.role === 'admin'} />
          </div>
        </>
      )}
    </>
  );
}
