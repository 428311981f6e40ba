import { PageTitle } from '../components';
import { href } from '../hooks';

type Props =
  | { what: 'page'; focus: boolean }
  | { what: 'app'; appId: string; focus: boolean }
  | { what: 'group'; appId: string; hash: string; focus: boolean }
  | { what: 'release'; appId: string; version: string; focus: boolean };

const TITLES = { page: 'Page not found', app: 'App not found', group: 'Group not found', release: 'Release not found' } as const;

/** One page for anything that isn't there or isn't the user's to see: the API answers 404 for both. */
export function NotFoundPage(props: Props) {
  return (
    <>
      <PageTitle focus={props.focus}>{TITLES[props.what]}</PageTitle>
      <div class="card not-found">
        {props.what === 'app' && (
          <p>
            There is no app <code>{props.appId}</code> among the apps you can see. It may have been deleted, or it belongs to an account you are not part of.
          </p>
        )}
        {props.what === 'group' && (
          <p>
            There is no group <code>{props.hash}</code> in this app among the groups you can see. It may have been deleted, or the app is not yours to see.
          </p>
        )}
        {props.what === 'release' && (
          <p>
            This app has no rollout data for version <code>{props.version}</code>: no device has sent a beacon for it, or its data has expired.
          </p>
        )}
        {props.what === 'page' && <p>Nothing lives at this address.</p>}
        <p>
          {(props.what === 'group' || props.what === 'release') && (
            <>
              <a href={href('apps', props.appId)}>Back to the app</a> ·{' '}
            </>
          )}
          <a href={href()}>Back to your apps</a>
        </p>
      </div>
    </>
  );
}
