import { NotFoundError, ValidationError } from '../domain/errors';
import type { App } from '../ports/app-directory';
import type { CliContext, OptionSpec } from './command';

/** `--app` in every command that takes one: an id, or a name, as the API takes them. */
export const APP_OPTION: OptionSpec = { name: 'app', value: '<app id or name>', required: true, help: 'the app, by its id or its name' };

/**
 * The app `ref` names: by id, else by name. The operator sees every owner's apps, and names are
 * unique per owner only, so a name two owners use is refused with each app's id and owner.
 */
export async function resolveApp(ctx: CliContext, ref: string): Promise<App> {
  const { directory, accounts } = ctx.composition;
  const byId = await directory.getApp(ref);
  if (byId) return byId;
  const named = await directory.findAppsByName(ref);
  if (named.length === 1) return named[0]!;
  if (named.length === 0) throw new NotFoundError(`no app with the id or name "${ref}" (telltale apps list --owner <admin> lists an admin's apps)`, 'app_not_found');
  const owners = await Promise.all(named.map(async (app) => (await accounts.findById(app.owner))?.username ?? app.owner));
  const choices = named.map((app, i) => `${app.id} (owner ${owners[i]})`).join(', ');
  throw new ValidationError(`--app "${ref}" names ${named.length} apps of different owners: ${choices}; give the id`, 'ambiguous_app', {
    apps: named.map((app, i) => ({ id: app.id, owner: app.owner, owner_username: owners[i] })),
  });
}

/** An admin's apps by id or name (unique within one owner); an entry that is neither is left for the caller to refuse. */
export async function appIdsOfOwner(ctx: CliContext, owner: string, refs: readonly string[]): Promise<string[]> {
  const apps = await ctx.composition.directory.listApps(owner);
  return refs.map((ref) => (apps.find((a) => a.id === ref) ?? apps.find((a) => a.name === ref))?.id ?? ref);
}
