import type { AppPermissions, Principal } from './access';

// Two separate questions, so the HTTP answer never depends on whether a resource exists:
// lacking the permission for an action is 403 whatever the target, while an app outside the
// caller's reach (another owner's, or not in a team user's allowed_apps) is 404, like a missing one.

export type AppAction = keyof AppPermissions;

/** Admins may do everything on their own account; team users need the apps.<action> flag. */
export function hasAppPermission(p: Principal, action: AppAction): boolean {
  return p.role === 'admin' || p.permissions.apps[action];
}

/** The app belongs to the caller's account and, for a team user, is in allowed_apps. */
export function isInReach(p: Principal, app: { id: string; owner: string }): boolean {
  if (app.owner !== p.owner) return false;
  return p.role === 'admin' || p.allowedApps.includes(app.id);
}
