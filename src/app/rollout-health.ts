import type { Principal } from '../domain/access';
import { NotFoundError, ValidationError } from '../domain/errors';
import type { AppDirectory } from '../ports/app-directory';
import type { AppRolloutSettings, CellKey, HistoryEntry, ReleaseState, VerdictStore } from '../ports/verdict-store';
import { worseVerdict, type Verdict } from '../domain/rollout-verdict';
import { compareVersions } from '../domain/version-order';
import { AppScope } from './app-scope';
import { settingsOf, type RolloutEvaluator } from './rollout-evaluator';

const HISTORY_LIMIT = 500;

/** GET /rollouts/health and /rollouts/history, resume, evaluate-now and per-app settings, with the read API's access rules. */
export class RolloutHealth {
  private readonly scope: AppScope;

  constructor(private readonly deps: { directory: AppDirectory; evaluator: RolloutEvaluator; store: VerdictStore; defaults: AppRolloutSettings }) {
    this.scope = new AppScope(deps.directory);
  }

  /** The stored state (evaluated on the spot when never evaluated), or, with `baseline`, a what-if against it (not saved). */
  async health(p: Principal, appRef: string, version: string, filter: Partial<CellKey>, baseline?: string): Promise<ReleaseState> {
    const app = await this.scope.resolve(p, 'download', appRef);
    const state = baseline !== undefined ? await this.deps.evaluator.whatIf(app.id, version, baseline) : await this.deps.evaluator.state(app.id, version);
    if (!state) throw new NotFoundError(`no data for version ${version} of this app`, 'release_not_found');
    return narrowed(state, filter);
  }

  async resume(p: Principal, appRef: string, version: string, note: string): Promise<ReleaseState> {
    const app = await this.scope.resolve(p, 'edit', appRef);
    const state = await this.deps.evaluator.resume(app.id, version, p.username, note);
    if (!state) throw new NotFoundError('no evaluated release of that version', 'release_not_found');
    return state;
  }

  async evaluate(p: Principal, appRef: string, version?: string): Promise<ReleaseState[]> {
    const app = await this.scope.resolve(p, 'edit', appRef);
    if (!version) return this.deps.evaluator.evaluateApp(app.id);
    const state = await this.deps.evaluator.evaluateRelease(app.id, version);
    if (!state) throw new NotFoundError(`no data for version ${version} of this app`, 'release_not_found');
    return [state];
  }

  /** The worst verdict among the app's current rollouts (halt, then watch, then healthy; ties: the newest version). */
  async worstCurrent(appId: string): Promise<{ version: string; verdict: Verdict } | null> {
    let worst: { version: string; verdict: Verdict } | null = null;
    for (const r of await this.deps.evaluator.current(appId)) {
      if (r.verdict === null) continue;
      if (!worst || worseVerdict(worst.verdict, r.verdict) !== worst.verdict || (r.verdict === worst.verdict && compareVersions(r.version, worst.version) > 0)) worst = { version: r.version, verdict: r.verdict };
    }
    return worst;
  }

  /** Each change of verdict or role, and each resume, oldest first. */
  async history(p: Principal, appRef: string, version: string): Promise<{ appId: string; entries: HistoryEntry[] }> {
    const app = await this.scope.resolve(p, 'download', appRef);
    return { appId: app.id, entries: await this.deps.store.history(app.id, version, HISTORY_LIMIT) };
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

function narrowed(state: ReleaseState, filter: Partial<CellKey>): ReleaseState {
  const keys = (Object.keys(filter) as Array<keyof CellKey>).filter((k) => filter[k] !== undefined);
  if (keys.length === 0 || !state.evidence) return state;
  return { ...state, evidence: { ...state.evidence, cells: state.evidence.cells.filter((c) => keys.every((k) => c.cell[k] === filter[k])) } };
}
