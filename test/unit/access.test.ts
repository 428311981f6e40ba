import { canReadApp, isAdmin, type Principal } from '../../src/domain/access';
import { NO_APP_PERMISSIONS, parsePermissionNames, toPrincipal } from '../../src/domain/account';
import { adminAccount, teamUserAccount } from '../fixtures/accounts';

const admin = toPrincipal(adminAccount({ id: 'admin-a' }));
const app = (id: string, owner: string) => ({ id, owner });
const teamUser = (overrides: Partial<Principal> = {}): Principal => ({
  ...toPrincipal(teamUserAccount('admin-a', { id: 'user-1', allowedApps: ['a1'] })),
  ...overrides,
});

describe('access policy', () => {
  it('an admin reads every app it owns and none of another admin’s', () => {
    expect(canReadApp(admin, app('a1', 'admin-a'))).toBe(true);
    expect(canReadApp(admin, app('a2', 'admin-a'))).toBe(true);
    expect(canReadApp(admin, app('b1', 'admin-b'))).toBe(false);
    expect(isAdmin(admin)).toBe(true);
  });

  it('a team user with download reads only the apps in allowed_apps', () => {
    const user = teamUser();
    expect(canReadApp(user, app('a1', 'admin-a'))).toBe(true);
    expect(canReadApp(user, app('a2', 'admin-a'))).toBe(false);
    expect(isAdmin(user)).toBe(false);
  });

  it('a team user without download reads nothing, even in allowed_apps', () => {
    const user = teamUser({ permissions: { apps: { ...NO_APP_PERMISSIONS, edit: true, create: true, delete: true } } });
    expect(canReadApp(user, app('a1', 'admin-a'))).toBe(false);
  });

  it('an allowed_apps entry naming another admin’s app id grants nothing', () => {
    expect(canReadApp(teamUser({ allowedApps: ['b1'] }), app('b1', 'admin-b'))).toBe(false);
  });

  it('filtering by canReadApp keeps the readable subset in order', () => {
    const apps = [app('a2', 'admin-a'), app('b1', 'admin-b'), app('a1', 'admin-a')];
    expect(apps.filter((a) => canReadApp(admin, a)).map((a) => a.id)).toEqual(['a2', 'a1']);
    expect(apps.filter((a) => canReadApp(teamUser(), a)).map((a) => a.id)).toEqual(['a1']);
  });

  it('an admin account becomes a principal that owns itself with every permission, whatever is stored', () => {
    const stored = adminAccount({ id: 'x', owner: 'someone-else', permissions: { apps: NO_APP_PERMISSIONS }, allowedApps: ['q'] });
    expect(toPrincipal(stored)).toMatchObject({ owner: 'x', role: 'admin', allowedApps: [], permissions: { apps: { download: true, create: true } } });
  });

  it('parsePermissionNames maps names to flags and refuses unknown names', () => {
    expect(parsePermissionNames(['download', 'edit'])).toEqual({ create: false, edit: true, delete: false, download: true });
    expect(() => parsePermissionNames(['root'])).toThrow(/unknown permission "root"/);
  });
});
