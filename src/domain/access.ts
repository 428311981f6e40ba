// Who may read what. Admins own apps; team users belong to an admin (their `owner`) and see only
// the apps in allowed_apps, and only with the apps.download permission (faynoSync's
// CheckPermission(download, apps)). A resource outside the caller's reach is reported as missing.

export interface AppPermissions {
  create: boolean;
  edit: boolean;
  delete: boolean;
  download: boolean;
}

export interface Principal {
  id: string;
  username: string;
  role: 'admin' | 'user';
  /** The admin account whose apps this principal works on: an admin's own id. */
  owner: string;
  permissions: { apps: AppPermissions };
  allowedApps: string[];
}

export const ALL_APP_PERMISSIONS: AppPermissions = { create: true, edit: true, delete: true, download: true };

export function canReadApp(p: Principal, app: { id: string; owner: string }): boolean {
  if (app.owner !== p.owner) return false;
  if (p.role === 'admin') return true;
  return p.permissions.apps.download && p.allowedApps.includes(app.id);
}

/** The subset of `apps` the principal may read, in their order. */
export function readableApps<T extends { id: string; owner: string }>(p: Principal, apps: readonly T[]): T[] {
  return apps.filter((app) => canReadApp(p, app));
}

export function isAdmin(p: Principal): boolean {
  return p.role === 'admin';
}
