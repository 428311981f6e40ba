import { createAppWithKey, newReportKey } from '../app/app-management';
import { randomHex } from '../composition/compose';
import { NotFoundError, ValidationError } from '../domain/errors';
import { REPORT_FIELD_LIMITS } from '../domain/report-validation';
import type { App } from '../ports/app-directory';
import type { CliContext, Command } from './command';
import { flag, intOption, requiredOption, UsageError } from './parse-args';

const APP_NAME = REPORT_FIELD_LIMITS['application.name'];
const OWNER_MAX_LENGTH = 128;

async function existingApp(ctx: CliContext, id: string): Promise<App> {
  const app = await ctx.composition.directory.getApp(id);
  if (app === null) throw new NotFoundError(`no app with id ${id}`, 'app_not_found');
  return app;
}

const appView = (app: App) => ({ app_id: app.id, name: app.name, owner: app.owner, reports: app.reports });

export const reportCommands: Record<string, Command> = {
  'apps create': {
    usage: 'apps create --owner <id> --name <app>',
    options: ['owner', 'name'],
    async run(ctx, args) {
      const owner = requiredOption(args, 'owner');
      const name = requiredOption(args, 'name');
      // Reports name their app; a name they could never match would make the key useless.
      if (!new RegExp(APP_NAME.pattern).test(name) || name.length > APP_NAME.maxLength) {
        throw new ValidationError(`--name must match ${APP_NAME.pattern} and be at most ${APP_NAME.maxLength} characters`, 'invalid_app_name');
      }
      if (owner.length > OWNER_MAX_LENGTH) throw new ValidationError(`--owner must be at most ${OWNER_MAX_LENGTH} characters`, 'invalid_owner');
      const now = ctx.composition.clock.now();
      const { directory } = ctx.composition;
      const app = { id: randomHex(12), owner, name, reports: true, createdAt: now, updatedAt: now };
      const created = await createAppWithKey(directory, app, newReportKey(randomHex));
      const { app_id, ...rest } = appView(created.app);
      return { app_id, report_key: created.key.key, ...rest };
    },
  },

  'apps reports': {
    usage: 'apps reports --app <app_id> --enable|--disable',
    options: ['app', 'enable', 'disable'],
    async run(ctx, args) {
      const id = requiredOption(args, 'app');
      const enable = flag(args, 'enable');
      if (enable === flag(args, 'disable')) throw new UsageError('give exactly one of --enable or --disable');
      const app = await ctx.composition.directory.setReportsEnabled(id, enable, ctx.composition.clock.now());
      if (app === null) throw new NotFoundError(`no app with id ${id}`, 'app_not_found');
      return appView(app);
    },
  },

  'keys regenerate': {
    usage: 'keys regenerate --app <app_id>',
    options: ['app'],
    async run(ctx, args) {
      const app = await existingApp(ctx, requiredOption(args, 'app'));
      const key = await ctx.composition.directory.setReportKey(app.id, newReportKey(randomHex), ctx.composition.clock.now());
      return { app_id: app.id, report_key: key.key };
    },
  },

  'groups list': {
    usage: 'groups list --app <app_id> [--page <n>] [--limit <n>]',
    options: ['app', 'page', 'limit'],
    async run(ctx, args) {
      const app = await existingApp(ctx, requiredOption(args, 'app'));
      const page = intOption(args, 'page', 1, 1, 1_000_000);
      const limit = intOption(args, 'limit', 100, 1, 1000);
      const { items, total } = await ctx.composition.repository.listGroups({ appIds: [app.id] }, page, limit);
      return { app_id: app.id, total, page, limit, groups: items };
    },
  },
};
