import type { Principal } from '../domain/access';
import { NotFoundError, ValidationError } from '../domain/errors';
import type { AppDirectory } from '../ports/app-directory';
import type { AppRolloutSettings, CellKey, VerdictStore } from '../ports/verdict-store';
import { AppScope } from './app-scope';
import { settingsOf, type ReleaseHealth, type RolloutEvaluator } from './rollout-evaluator';

/** GET /rollouts/health, resume, evaluate-now and per-app settings, with the read API's access rules. */
export class RolloutHealth {
  private readonly scope: AppScope;

  constructor(private readonly deps: { directory: AppDirectory; evaluator: RolloutEvaluator; store: VerdictStore; defaults: AppRolloutSettings }) {
    this.scope = new AppScope(deps.directory);
  }

  async health(p: Principal, appRef: string, version: string, filter: Partial<CellKey>, baseline?: string): Promise<ReleaseHealth> {
    const app = await this.scope.resolve(p, 'download', appRef);
    return this.deps.evaluator.health(app.id, version, filter, baseline);
  }

  async resume(p: Principal, appRef: string, version: string, note: string): Promise<ReleaseHealth> {
    const app = await this.scope.resolve(p, 'edit', appRef);
    const health = await this.deps.evaluator.resume(app.id, version, p.username, note);
    if (!health) throw new NotFoundError('no evaluated release of that version', 'release_not_found');
    return health;
  }

  async evaluate(p: Principal, appRef: string, version?: string): Promise<ReleaseHealth[]> {
    const app = await this.scope.resolve(p, 'edit', appRef);
    return version ? [await this.deps.evaluator.evaluateRelease(app.id, version)] : this.deps.evaluator.evaluateApp(app.id);
  }

  async settings(p: Principal, appId: string): Promise<AppRolloutSettings> {
    await this.scope.byId(p, 'download', appId);
    return { ...this.effective(await this.deps.store.getSettings(appId)) };
  }

  /** Merges the changes into the app's own settings; the result must be valid as a whole. */
  async updateSettings(p: Principal, appId: string, changes: Record<string, unknown>): Promise<AppRolloutSettings> {
    await this.scope.byId(p, 'edit', appId);
    const own: Record<string, unknown> = { ...(await this.deps.store.getSettings(appId)), ...changes };
    this.effective(own as AppRolloutSettings);
    await this.deps.store.putSettings(appId, own as AppRolloutSettings);
    return this.effective(own as AppRolloutSettings);
  }

  /** Back to the service defaults. */
  async resetSettings(p: Principal, appId: string): Promise<AppRolloutSettings> {
    await this.scope.byId(p, 'edit', appId);
    await this.deps.store.putSettings(appId, {});
    return this.effective({});
  }

  private effective(own: AppRolloutSettings): AppRolloutSettings {
    const { baseline: defaultBaseline, ...defaults } = this.deps.defaults;
    try {
      const s = settingsOf(defaults, own);
      return { ...s, metrics: [...s.metrics], baseline: own.baseline ?? defaultBaseline ?? null };
    } catch (error) {
      throw new ValidationError((error as Error).message, 'invalid_settings');
    }
  }
}
