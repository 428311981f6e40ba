import { useEffect, useState } from 'preact/hooks';
import { api, can, get, type Blob, type Group, type GroupPatched, type GroupStatus, type Me } from '../api';
import { ErrorText, isNotFound, Loading, PageTitle, StatusBadge, TableWrap } from '../components';
import { DetailsViewer } from '../details';
import { bytes, count, when } from '../format';
import { href, useAsync } from '../hooks';
import { NotFoundPage } from './not-found';

const TAG = /^[a-zA-Z0-9._-]{1,64}$/;

function Triage({ group, appId, onChanged }: { group: Group; appId: string; onChanged(g: Group): void }) {
  const [tags, setTags] = useState(group.tags.join(', '));
  const [note, setNote] = useState(group.note ?? '');
  const [error, setError] = useState<Error | undefined>();
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState<string | null>(null);
  useEffect(() => {
    setTags(group.tags.join(', '));
    setNote(group.note ?? '');
  }, [group.group_hash, group.updated_at]);

  const patch = async (body: { status?: GroupStatus; tags?: string[]; note?: string }, done: string) => {
    setBusy(true);
    setError(undefined);
    setSaved(null);
    try {
      const res = await api<GroupPatched>('PATCH', `/reports/groups/${encodeURIComponent(group.group_hash)}?app=${encodeURIComponent(appId)}`, body);
      onChanged(res.group);
      setSaved(done);
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };

  const saveDetails = (e: Event) => {
    e.preventDefault();
    const list = [...new Set(tags.split(/[\s,]+/).filter(Boolean))];
    const bad = list.find((t) => !TAG.test(t));
    if (bad) {
      setError(new Error(`"${bad}" is not a tag: letters, digits, dot, dash and underscore, up to 64.`));
      return;
    }
    void patch({ tags: list, note }, 'Tags and note saved.');
  };

  return (
    <section aria-labelledby="triage-title" class="card">
      <h2 id="triage-title">Triage</h2>
      <div class="button-row">
        {group.status !== 'resolved' && (
          <button type="button" disabled={busy} onClick={() => patch({ status: 'resolved' }, 'Resolved.')}>
            Resolve
          </button>
        )}
        {group.status !== 'muted' && (
          <button type="button" class="secondary" disabled={busy} onClick={() => patch({ status: 'muted' }, 'Muted.')}>
            Mute
          </button>
        )}
        {group.status !== 'open' && (
          <button type="button" class="secondary" disabled={busy} onClick={() => patch({ status: 'open' }, 'Reopened.')}>
            Reopen
          </button>
        )}
      </div>
      <form onSubmit={saveDetails}>
        <label for="tags">Tags</label>
        <input id="tags" value={tags} aria-describedby="tags-help" onInput={(e) => setTags(e.currentTarget.value)} />
        <p id="tags-help" class="muted small">
          Separated by commas or spaces.
        </p>
        <label for="note">Note</label>
        <textarea id="note" rows={3} maxLength={2000} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
        <button type="submit" disabled={busy}>
          Save tags and note
        </button>
      </form>
      <p role="status" class="muted">
        {saved}
      </p>
      <ErrorText error={error} />
    </section>
  );
}

function DeleteGroup({ group, appId }: { group: Group; appId: string }) {
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<Error | undefined>();
  const remove = async () => {
    try {
      await api('DELETE', `/reports/groups/${encodeURIComponent(group.group_hash)}?app=${encodeURIComponent(appId)}`);
      location.hash = href('apps', appId);
    } catch (err) {
      setError(err as Error);
    }
  };
  return (
    <section aria-labelledby="delete-title" class="card danger-zone">
      <h2 id="delete-title">Delete</h2>
      {!confirming ? (
        <button type="button" class="danger" onClick={() => setConfirming(true)}>
          Delete group…
        </button>
      ) : (
        <div role="group" aria-labelledby="delete-confirm">
          <p id="delete-confirm">This deletes the group, its counts and its stored details for good.</p>
          <div class="button-row">
            <button type="button" class="danger" onClick={remove} ref={(el) => el?.focus()}>
              Delete group and details
            </button>
            <button type="button" class="secondary" onClick={() => setConfirming(false)}>
              Cancel
            </button>
          </div>
        </div>
      )}
      <ErrorText error={error} />
    </section>
  );
}

function StoredDetails({ appId, hash, blobs }: { appId: string; hash: string; blobs: Blob[] }) {
  const newest = blobs.reduce<Blob | null>((a, b) => (a === null || b.created_at > a.created_at ? b : a), null);
  const [shownId, setShownId] = useState<string | null>(null);
  const shown = blobs.find((b) => b.id === shownId) ?? newest;
  if (shown === null) return <p class="muted">No details stored for this group.</p>;
  return (
    <>
      <TableWrap label="Stored report details">
        <table class="table">
          <caption class="sr-only">Stored report details</caption>
          <thead>
            <tr>
              <th scope="col">Received</th>
              <th scope="col" class="num">Size</th>
              <th scope="col">Expires</th>
              <th scope="col">File</th>
            </tr>
          </thead>
          <tbody>
            {blobs.map((b) => (
              <tr key={b.id}>
                <td class="date">{when(b.created_at)}</td>
                <td class="num">{bytes(b.storage.decompressed_size)}</td>
                <td class="date">{when(b.expires_at)}</td>
                <td class="file">
                  <button type="button" class="secondary small" aria-pressed={b.id === shown.id ? 'true' : 'false'} onClick={() => setShownId(b.id)}>
                    Show<span class="sr-only"> details received {when(b.created_at)}</span>
                  </button>{' '}
                  <a href={b.url} download rel="noreferrer">
                    Download<span class="sr-only"> details received {when(b.created_at)}</span> (.json.gz)
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
      <DetailsViewer key={shown.id} appId={appId} hash={hash} blob={shown} />
    </>
  );
}

export function GroupPage({ appId, hash, me, focus }: { appId: string; hash: string; me: Me | null; focus: boolean }) {
  const loaded = useAsync(() => get<Group>(`/reports/groups/${encodeURIComponent(hash)}`, { app: appId }), [appId, hash]);
  const blobs = useAsync(() => get<{ items: Blob[] }>(`/reports/groups/${encodeURIComponent(hash)}/blobs`, { app: appId }), [appId, hash]);
  const [changed, setChanged] = useState<Group | null>(null);
  const group = changed ?? loaded.data;
  if (isNotFound(loaded.error)) return <NotFoundPage what="group" appId={appId} hash={hash} focus={focus} />;

  return (
    <>
      <p class="crumbs">
        <a href={href()}>Apps</a> / <a href={href('apps', appId)}>{group?.application.name ?? 'App'}</a> /
      </p>
      <PageTitle focus={focus}>{group ? group.event.reason : 'Group'}</PageTitle>
      <ErrorText error={loaded.error} />
      {loaded.loading && !group && <Loading what="the group" />}
      {group && (
        <div class="columns">
          <div>
            <section aria-labelledby="dims-title" class="card">
              <h2 id="dims-title">Group</h2>
              <dl class="facts">
                <dt>Status</dt>
                <dd>
                  <StatusBadge status={group.status} />
                  {group.status === 'resolved' && group.resolved_at && (
                    <span class="muted">
                      {' '}
                      {when(group.resolved_at)}
                      {group.resolved_by ? ` by ${group.resolved_by}` : ''}
                    </span>
                  )}
                </dd>
                <dt>Type</dt>
                <dd>{group.event.type}</dd>
                <dt>Reason</dt>
                <dd>{group.event.reason}</dd>
                <dt>Version</dt>
                <dd>{group.application.version}</dd>
                <dt>Channel</dt>
                <dd>{group.application.channel}</dd>
                <dt>Platform</dt>
                <dd>{group.system.platform}</dd>
                <dt>Arch</dt>
                <dd>{group.system.arch}</dd>
                <dt>Reports</dt>
                <dd>{count(group.stats.count)}</dd>
                <dt>First seen</dt>
                <dd>{when(group.stats.first_seen)}</dd>
                <dt>Last seen</dt>
                <dd>{when(group.stats.last_seen)}</dd>
                <dt>Details stored / rejected</dt>
                <dd>
                  {count(group.stats.details_stored)} / {count(group.stats.details_rejected)}
                </dd>
                <dt>Tags</dt>
                <dd>{group.tags.length > 0 ? group.tags.join(', ') : <span class="muted">none</span>}</dd>
                <dt>Note</dt>
                <dd>{group.note ? group.note : <span class="muted">none</span>}</dd>
                <dt>Group hash</dt>
                <dd>
                  <code>{group.group_hash}</code>
                </dd>
              </dl>
            </section>
            <section aria-labelledby="blobs-title" class="card">
              <h2 id="blobs-title">Details</h2>
              <ErrorText error={blobs.error} />
              {blobs.data && <StoredDetails appId={appId} hash={group.group_hash} blobs={blobs.data.items} />}
            </section>
          </div>
          <div>
            {can(me, 'edit') && <Triage group={group} appId={appId} onChanged={setChanged} />}
            {can(me, 'delete') && <DeleteGroup group={group} appId={appId} />}
          </div>
        </div>
      )}
    </>
  );
}
