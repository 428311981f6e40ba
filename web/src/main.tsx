import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { get, type Me } from './api';
import { href, useHashRoute } from './hooks';
import { AppPage } from './pages/app';
import { AppsPage } from './pages/apps';
import { GroupPage } from './pages/group';
import { ReleasePage } from './pages/release';
import { SettingsPage } from './pages/settings';
import { NotFoundPage } from './pages/not-found';
import { SignIn } from './pages/sign-in';
import { session } from './session';

function Dashboard() {
  const [signedIn, setSignedIn] = useState(session.token() !== null);
  const [me, setMe] = useState<Me | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const route = useHashRoute();
  const renders = useRef(0);
  const navigated = renders.current++ > 0;

  useEffect(
    () =>
      session.subscribe((reason) => {
        setMe(null);
        setSignedIn(false);
        setNotice(reason === 'expired' ? 'Your session has ended. Sign in again.' : 'You have signed out.');
      }),
    [],
  );

  useEffect(() => {
    if (!signedIn) return;
    get<Me>('/auth/me').then(setMe, () => undefined);
  }, [signedIn]);

  if (!signedIn) {
    return (
      <SignIn
        notice={notice}
        onSignedIn={() => {
          setNotice(null);
          setSignedIn(true);
        }}
      />
    );
  }

  const [first, appId, sub, hash] = route;
  let page;
  const key = route.join('/');
  if (first === 'apps' && appId && sub === 'groups' && hash) page = <GroupPage key={key} appId={appId} hash={hash} me={me} focus={navigated} />;
  else if (first === 'apps' && appId && sub === 'releases' && hash) page = <ReleasePage key={key} appId={appId} version={hash} me={me} focus={navigated} />;
  else if (first === 'apps' && appId && sub === 'settings') page = <SettingsPage key={key} appId={appId} me={me} focus={navigated} />;
  else if (first === 'apps' && appId && sub === undefined) page = <AppPage key={key} appId={appId} focus={navigated} />;
  else if (first === undefined || (first === 'apps' && appId === undefined)) page = <AppsPage key={key} focus={navigated} />;
  else page = <NotFoundPage key={key} what="page" focus={navigated} />;

  return (
    <>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById('main')?.focus())}>
        Skip to content
      </a>
      <header class="topbar">
        <a class="brand" href={href()}>
          Telltale
        </a>
        <nav aria-label="Main">
          <a href={href()}>Apps</a>
        </nav>
        <span class="spacer" />
        {me && (
          <span class="who">
            {me.username} <span class="muted">({me.role === 'admin' ? 'admin' : 'team user'})</span>
          </span>
        )}
        <button type="button" class="secondary" onClick={() => session.end('signed_out')}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        {page}
      </main>
    </>
  );
}

render(<Dashboard />, document.getElementById('root')!);
