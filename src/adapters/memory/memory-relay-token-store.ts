import type { RelayToken, RelayTokenStore } from '../../ports/relay-token-store';

const byAge = (a: RelayToken, b: RelayToken) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export class MemoryRelayTokenStore implements RelayTokenStore {
  private readonly tokens = new Map<string, RelayToken>();

  async create(token: RelayToken): Promise<void> {
    this.tokens.set(token.id, structuredClone(token));
  }

  async listByApp(appId: string): Promise<RelayToken[]> {
    return [...this.tokens.values()].filter((t) => t.appId === appId).sort(byAge).map((t) => structuredClone(t));
  }

  async find(id: string): Promise<RelayToken | null> {
    const token = this.tokens.get(id);
    return token ? structuredClone(token) : null;
  }

  async delete(appId: string, id: string): Promise<boolean> {
    if (this.tokens.get(id)?.appId !== appId) return false;
    return this.tokens.delete(id);
  }

  async deleteByApp(appId: string): Promise<number> {
    let deleted = 0;
    for (const [id, t] of this.tokens) if (t.appId === appId && this.tokens.delete(id)) deleted++;
    return deleted;
  }
}
