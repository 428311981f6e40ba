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

export type AppAction = keyof AppPermissions;

// Two separate questions, so the HTTP answer never depends on whether a resource exists:
// lacking the permission for an action is 403 whatever the target, while an app outside the
// caller's reach (another owner's, or not in a team user's allowed_apps) is 404, like a missing one.

/** Admins may do everything on their own account; team users need the apps.<action> flag. */
export function hasAppPermission(p: Principal, action: AppAction): boolean {
  return p.role === 'admin' || p.permissions.apps[action];
}

/** The app belongs to the caller's account and, for a team user, is in allowed_apps. */
export function isInReach(p: Principal, app: { id: string; owner: string }): boolean {
  if (app.owner !== p.owner) return false;
  return p.role === 'admin' || p.allowedApps.includes(app.id);
}

export function canReadApp(p: Principal, app: { id: string; owner: string }): boolean {
  return hasAppPermission(p, 'download') && isInReach(p, app);
}

export function isAdmin(p: Principal): boolean {
  return p.role === 'admin';
}
