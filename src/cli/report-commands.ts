import { appNameTaken, createAppWithKey, newReportKey } from '../app/app-management';
import { appToWire, groupToWire } from '../adapters/http/views';
import { randomHex } from '../composition/compose';
import { ConflictError, NotFoundError, ValidationError } from '../domain/errors';
import { GROUP_HASH_PATTERN } from '../domain/group-hash';
import type { GroupStatus, ReportGroup } from '../domain/report';
import { REPORT_FIELD_LIMITS } from '../domain/report-validation';
import type { App } from '../ports/app-directory';
import { resolveOwner } from './account-commands';
import { APP_OPTION, resolveApp } from './app-ref';
import { command, type CliContext, type Command, type OptionSpec } from './command';
import { listing, shortTime, table } from './format';
import { flag, intOption, requiredOption, stringOption, UsageError, type ParsedArgs } from './parse-args';

const APP_NAME = REPORT_FIELD_LIMITS['application.name'];
const GROUP_STATUSES: readonly GroupStatus[] = ['open', 'resolved', 'muted'];

/** The API's app, plus its owner: the operator sees every owner's apps. */
const appView = (app: App) => ({ ...appToWire(app), owner: app.owner });
type AppResult = ReturnType<typeof appView> & { report_key?: string };
const appHuman = (a: AppResult) => listing(a);

type GroupResult = ReturnType<typeof groupToWire>;
const groupColumns: [string, (g: GroupResult) => unknown][] = [
  ['GROUP', (g) => g.group_hash.slice(0, 12)],
  ['STATUS', (g) => g.status],
  ['COUNT', (g) => g.stats.count],
  ['VERSION', (g) => g.application.version],
  ['CHANNEL', (g) => g.application.channel],
  ['PLATFORM', (g) => `${g.system.platform}/${g.system.arch}`],
  ['EVENT', (g) => `${g.event.type}: ${g.event.reason}`],
  ['LAST SEEN', (g) => shortTime(g.stats.last_seen)],
];

const GROUP_OPTION: OptionSpec = { name: 'group', value: '<groupHash>', required: true, help: 'the group (its full 64-hex hash, or a unique prefix of at least 8)' };

/** A group by hash or unique prefix (tables show 12 characters), within one app. */
async function existingGroup(ctx: CliContext, args: ParsedArgs): Promise<{ app: App; group: ReportGroup }> {
  const app = await resolveApp(ctx, requiredOption(args, 'app'));
  const ref = requiredOption(args, 'group').toLowerCase();
  if (GROUP_HASH_PATTERN.test(ref)) {
    const group = await ctx.composition.repository.findGroup(app.id, ref);
    if (group === null) throw new NotFoundError(`no group ${ref} in app ${app.id}`, 'group_not_found');
    return { app, group };
  }
  if (!/^[0-9a-f]{8,63}$/.test(ref)) throw new ValidationError('--group must be a groupHash (64 hex) or a prefix of at least 8 hex characters', 'invalid_group_hash');
  const matches: ReportGroup[] = [];
  for (let page = 1; ; page++) {
    const { items, total } = await ctx.composition.repository.listGroups({ appIds: [app.id] }, page, 1000);
    matches.push(...items.filter((g) => g.groupHash.startsWith(ref)));
    if (page * 1000 >= total) break;
  }
  if (matches.length === 0) throw new NotFoundError(`no group ${ref}… in app ${app.id}`, 'group_not_found');
  if (matches.length > 1) throw new ValidationError(`--group ${ref} matches ${matches.length} groups; give more of the hash`, 'ambiguous_group');
  return { app, group: matches[0]! };
}

function triageCommand(name: string, status: GroupStatus, summary: string): Command {
  return command({
    name: `groups ${name}`,
    summary,
    options: [APP_OPTION, GROUP_OPTION, { name: 'note', value: '<text>', help: 'a note kept on the group' }],
    async run(ctx, args) {
      const { app, group } = await existingGroup(ctx, args);
      const note = stringOption(args, 'note');
      const updated = await ctx.composition.repository.updateTriage(app.id, group.groupHash, {
        status,
        ...(note === undefined ? {} : { note }),
        at: ctx.composition.clock.now(),
        by: 'cli',
      });
      if (updated === null) throw new NotFoundError(`no group ${group.groupHash} in app ${app.id}`, 'group_not_found');
      return { group_hash: updated.groupHash, updated: true, group: groupToWire(updated) };
    },
    human: (r: { group: GroupResult }) => `${r.group.group_hash.slice(0, 12)} is now ${r.group.status}`,
  });
}

export const reportCommands: Command[] = [
  command({
    name: 'apps create',
    summary: 'Create an app owned by an admin, with its report key',
    options: [
      { name: 'owner', value: '<admin id or username>', required: true, help: 'the admin who owns the app' },
      { name: 'name', value: '<app>', required: true, help: 'the app name reports carry in application.name' },
    ],
    details: 'Example: telltale apps create --owner alice --name my-app',
    async run(ctx, args) {
      const owner = await resolveOwner(ctx, requiredOption(args, 'owner'));
      const name = requiredOption(args, 'name');
      // Reports name their app; a name they could never match would make the key useless.
      if (!new RegExp(APP_NAME.pattern).test(name) || name.length > APP_NAME.maxLength) {
        throw new ValidationError(`--name must match ${APP_NAME.pattern} and be at most ${APP_NAME.maxLength} characters`, 'invalid_app_name');
      }
      const now = ctx.composition.clock.now();
      const app = { id: randomHex(12), owner: owner.id, name, reports: true, createdAt: now, updatedAt: now };
      const created = await createAppWithKey(ctx.composition.directory, app, newReportKey(randomHex));
      return { ...appView(created.app), report_key: created.key.key };
    },
    human: appHuman,
  }),

  command({
    name: 'apps list',
    summary: 'List the apps of an admin',
    options: [{ name: 'owner', value: '<admin id or username>', required: true, help: 'the admin' }],
    async run(ctx, args) {
      const owner = await resolveOwner(ctx, requiredOption(args, 'owner'));
      return { items: (await ctx.composition.directory.listApps(owner.id)).map(appView) };
    },
    human: (r: { items: AppResult[] }) =>
      table(r.items, [
        ['ID', (a) => a.id],
        ['NAME', (a) => a.name],
        ['REPORTS', (a) => (a.reports ? 'on' : 'off')],
        ['CREATED', (a) => shortTime(a.created_at)],
      ]),
  }),

  command({
    name: 'apps update',
    summary: 'Give an app to another admin',
    options: [APP_OPTION, { name: 'owner', value: '<admin id or username>', required: true, help: 'the new owner' }],
    details: 'The app keeps its id, key, groups and details; the new owner sees them at once.',
    async run(ctx, args) {
      const app = await resolveApp(ctx, requiredOption(args, 'app'));
      const owner = await resolveOwner(ctx, requiredOption(args, 'owner'));
      const { directory } = ctx.composition;
      const updated = await directory.setOwner(app.id, owner.id, ctx.composition.clock.now()).catch(async (error: unknown) => {
        throw error instanceof ConflictError ? await appNameTaken(directory, owner.id, app.name) : error;
      });
      if (updated === null) throw new NotFoundError(`no app with id ${app.id}`, 'app_not_found');
      return appView(updated);
    },
    human: appHuman,
  }),

  command({
    name: 'apps reports',
    summary: 'Turn report ingestion on or off for an app',
    options: [APP_OPTION, { name: 'enable', help: 'accept reports' }, { name: 'disable', help: 'refuse reports (403)' }],
    async run(ctx, args) {
      const enable = flag(args, 'enable');
      if (enable === flag(args, 'disable')) throw new UsageError('give exactly one of --enable or --disable');
      const { id } = await resolveApp(ctx, requiredOption(args, 'app'));
      const app = await ctx.composition.directory.setReportsEnabled(id, enable, ctx.composition.clock.now());
      if (app === null) throw new NotFoundError(`no app with id ${id}`, 'app_not_found');
      return appView(app);
    },
    human: appHuman,
  }),

  command({
    name: 'keys regenerate',
    summary: 'Replace an app\'s report key; the old one stops working',
    options: [APP_OPTION],
    async run(ctx, args) {
      const app = await resolveApp(ctx, requiredOption(args, 'app'));
      const key = await ctx.composition.directory.setReportKey(app.id, newReportKey(randomHex), ctx.composition.clock.now());
      return { app_id: app.id, app_name: app.name, report_key: key.key, created_at: key.createdAt.toISOString(), updated_at: key.updatedAt.toISOString() };
    },
    human: (r: { report_key: string }) => r.report_key,
  }),

  command({
    name: 'groups list',
    summary: 'List an app\'s report groups, newest first',
    options: [
      APP_OPTION,
      { name: 'status', value: '<open|resolved|muted>', help: 'only groups with this status' },
      { name: 'page', value: '<n>', help: 'page, from 1' },
      { name: 'limit', value: '<n>', help: 'groups per page, 1 to 1000 (default 100)' },
    ],
    async run(ctx, args) {
      const app = await resolveApp(ctx, requiredOption(args, 'app'));
      const status = stringOption(args, 'status') as GroupStatus | undefined;
      if (status !== undefined && !GROUP_STATUSES.includes(status)) throw new UsageError(`--status must be one of ${GROUP_STATUSES.join(', ')}`);
      const page = intOption(args, 'page', 1, 1, 1_000_000);
      const limit = intOption(args, 'limit', 100, 1, 1000);
      const { items, total } = await ctx.composition.repository.listGroups({ appIds: [app.id], ...(status ? { status } : {}) }, page, limit);
      return { items: items.map(groupToWire), total, page, limit };
    },
    human: (r: { items: GroupResult[]; total: number; page: number; limit: number }) => {
      const shown = r.items.length === 0 ? '' : `\n(${(r.page - 1) * r.limit + 1}-${(r.page - 1) * r.limit + r.items.length} of ${r.total})`;
      return table(r.items, groupColumns, `no groups (total ${r.total})`) + shown;
    },
  }),

  command({
    name: 'groups show',
    summary: 'Show one group',
    options: [APP_OPTION, GROUP_OPTION],
    run: async (ctx, args) => groupToWire((await existingGroup(ctx, args)).group),
    human: (g: GroupResult) => listing(g),
  }),

  triageCommand('resolve', 'resolved', 'Mark a group resolved (a new report reopens it as regressed)'),
  triageCommand('mute', 'muted', 'Mute a group (new reports still count; it stays muted)'),
  triageCommand('reopen', 'open', 'Reopen a resolved or muted group'),

  command({
    name: 'groups delete',
    summary: 'Delete a group, its details and their stored objects',
    options: [APP_OPTION, GROUP_OPTION],
    async run(ctx, args) {
      const { app, group } = await existingGroup(ctx, args);
      // Objects first, then the records, as the API does: a failure never orphans objects.
      const blobs = await ctx.composition.repository.listBlobs(app.id, group.groupHash);
      if (blobs.length > 0) await ctx.composition.blobStore.delete(blobs.map((b) => b.storage.key));
      await ctx.composition.repository.deleteGroup(app.id, group.groupHash);
      return { group_hash: group.groupHash, deleted: true, blobs_deleted: blobs.length };
    },
    human: (r: { group_hash: string; blobs_deleted: number }) => `deleted ${r.group_hash.slice(0, 12)} and ${r.blobs_deleted} detail blob(s)`,
  }),
];
