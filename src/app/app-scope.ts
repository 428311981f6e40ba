import { hasAppPermission, isInReach, type AppAction, type Principal } from '../domain/access';
import { ForbiddenError, NotFoundError } from '../domain/errors';
import type { App, AppDirectory } from '../ports/app-directory';

/** Which apps a principal may act on, with the 403/404 split of domain/access. */
export class AppScope {
  constructor(private readonly directory: AppDirectory) {}

  /** Throws 403 when the principal lacks apps.<action>; otherwise the apps in its reach, by name. */
  async apps(p: Principal, action: AppAction): Promise<App[]> {
    requirePermission(p, action);
    const apps = await this.directory.listApps(p.owner);
    return apps.filter((app) => isInReach(p, app));
  }

  /** `ref` is an app id or, as in faynoSync's `app` filter, an app name within the caller's account. */
  async resolve(p: Principal, action: AppAction, ref: string): Promise<App> {
    const apps = await this.apps(p, action);
    const app = apps.find((a) => a.id === ref) ?? apps.find((a) => a.name === ref);
    if (!app) throw appNotFound();
    return app;
  }

  async byId(p: Principal, action: AppAction, id: string): Promise<App> {
    requirePermission(p, action);
    const app = await this.directory.getApp(id);
    if (!app || !isInReach(p, app)) throw appNotFound();
    return app;
  }
}

export function requirePermission(p: Principal, action: AppAction): void {
  if (!hasAppPermission(p, action)) throw new ForbiddenError(`the apps.${action} permission is required`, 'permission_denied');
}

const appNotFound = () => new NotFoundError('app not found', 'app_not_found');
