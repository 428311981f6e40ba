import type { AppRolloutSettings, HistoryEntry, ReleaseState, Resume, VerdictStore } from '../../ports/verdict-store';
import type { OutboxEvent } from '../../ports/webhook-store';
import type { MemoryWebhookStore } from './memory-webhook-store';

const clone = <T>(value: T): T => structuredClone(value);
const releaseKey = (appId: string, version: string) => `${appId}\u0000${version}`;

export class MemoryVerdictStore implements VerdictStore {
  private readonly releases = new Map<string, ReleaseState>();
  private readonly lines = new Map<string, HistoryEntry[]>();
  private readonly settings = new Map<string, AppRolloutSettings>();

  constructor(private readonly outbox: MemoryWebhookStore) {}

  async findRelease(appId: string, version: string): Promise<ReleaseState | null> {
    const r = this.releases.get(releaseKey(appId, version));
    return r ? clone(r) : null;
  }

  async listReleases(appId: string): Promise<ReleaseState[]> {
    return [...this.releases.values()].filter((r) => r.appId === appId).map(clone);
  }

  async saveEvaluation(release: ReleaseState, history: HistoryEntry[], events: OutboxEvent[]): Promise<void> {
    const k = releaseKey(release.appId, release.version);
    const previous = this.releases.get(k);
    const resumed = previous ? { resumedAt: previous.resumedAt, resumedBy: previous.resumedBy, resumeNote: previous.resumeNote } : {};
    this.releases.set(k, { ...clone(release), ...resumed });
    this.append(history);
    for (const event of events) this.outbox.appendNow(event);
  }

  async resume(resume: Resume): Promise<ReleaseState | null> {
    const r = this.releases.get(releaseKey(resume.appId, resume.version));
    if (!r) return null;
    Object.assign(r, { resumedAt: resume.at, resumedBy: resume.by, resumeNote: resume.note });
    this.append([{ appId: resume.appId, version: resume.version, at: resume.at, kind: 'resume', from: r.verdict, to: null, reasons: [], by: resume.by, note: resume.note }]);
    return clone(r);
  }

  async history(appId: string, version: string, limit: number): Promise<HistoryEntry[]> {
    return clone((this.lines.get(releaseKey(appId, version)) ?? []).slice(-Math.max(0, limit)));
  }

  async getSettings(appId: string): Promise<AppRolloutSettings> {
    return clone(this.settings.get(appId) ?? {});
  }

  async putSettings(appId: string, settings: AppRolloutSettings): Promise<void> {
    this.settings.set(appId, clone(settings));
  }

  private append(entries: HistoryEntry[]): void {
    for (const e of entries) {
      const k = releaseKey(e.appId, e.version);
      this.lines.set(k, [...(this.lines.get(k) ?? []), clone(e)]);
    }
  }
}
