import type { AppRolloutSettings, CellVerdictState, ReleaseVerdictState, Resume, VerdictStore } from '../../ports/verdict-store';
import type { OutboxEvent } from '../../ports/webhook-store';
import type { MemoryWebhookStore } from './memory-webhook-store';

const clone = <T>(value: T): T => structuredClone(value);
const releaseKey = (appId: string, version: string) => `${appId}\u0000${version}`;

export class MemoryVerdictStore implements VerdictStore {
  private readonly releases = new Map<string, ReleaseVerdictState>();
  private readonly cells = new Map<string, CellVerdictState[]>();
  private readonly settings = new Map<string, AppRolloutSettings>();

  constructor(private readonly outbox: MemoryWebhookStore) {}

  async findRelease(appId: string, version: string): Promise<ReleaseVerdictState | null> {
    const r = this.releases.get(releaseKey(appId, version));
    return r ? clone(r) : null;
  }

  async listCells(appId: string, version: string): Promise<CellVerdictState[]> {
    return clone(this.cells.get(releaseKey(appId, version)) ?? []);
  }

  async saveEvaluation(release: ReleaseVerdictState, cells: CellVerdictState[], event: OutboxEvent | null): Promise<void> {
    const k = releaseKey(release.appId, release.version);
    const previous = this.releases.get(k);
    // The resume fields belong to people, not to evaluations: an evaluation never overwrites them.
    const resumed = previous ? { resumedAt: previous.resumedAt, resumedBy: previous.resumedBy, resumeNote: previous.resumeNote } : {};
    this.releases.set(k, { ...clone(release), ...resumed });
    const merged = new Map((this.cells.get(k) ?? []).map((c) => [cellId(c), c]));
    for (const c of cells) merged.set(cellId(c), clone(c));
    this.cells.set(k, [...merged.values()].sort((a, b) => (cellId(a) < cellId(b) ? -1 : 1)));
    if (event) this.outbox.appendNow(event);
  }

  async resume(resume: Resume): Promise<ReleaseVerdictState | null> {
    const r = this.releases.get(releaseKey(resume.appId, resume.version));
    if (!r) return null;
    Object.assign(r, { resumedAt: resume.at, resumedBy: resume.by, resumeNote: resume.note });
    return clone(r);
  }

  async getSettings(appId: string): Promise<AppRolloutSettings> {
    return clone(this.settings.get(appId) ?? {});
  }

  async putSettings(appId: string, settings: AppRolloutSettings): Promise<void> {
    this.settings.set(appId, clone(settings));
  }
}

export const cellId = (c: { cell: { channel: string; platform: string; arch: string } }) => `${c.cell.channel}\u0000${c.cell.platform}\u0000${c.cell.arch}`;
