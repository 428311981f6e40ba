import { randomBytes } from 'node:crypto';
import { ManualClock } from '../fixtures/clock';
import { MemoryAppDirectory } from '../../src/adapters/memory/memory-app-directory';
import { RelayTokens } from '../../src/app/relay-tokens';
import { relayTokenDigest } from '../../src/domain/relay-token';
import type { RelayToken, RelayTokenStore } from '../../src/ports/relay-token-store';

const T0 = new Date('2026-03-01T10:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

const token = (overrides: Partial<RelayToken> = {}): RelayToken => ({
  id: 'a'.repeat(24),
  appId: 'app-1',
  name: 'eu-relay-1',
  digest: relayTokenDigest('rlt_example'),
  lastFour: '9f3a',
  createdAt: T0,
  ...overrides,
});

/** What every RelayTokenStore must do; the memory adapter is the reference. */
export function relayTokenStoreContract(adapterName: string, make: () => Promise<{ store: RelayTokenStore; cleanup(): Promise<void> }>): void {
  describe(`RelayTokenStore contract — ${adapterName}`, () => {
    let store: RelayTokenStore;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ store, cleanup } = await make());
    });
    afterEach(async () => {
      await cleanup();
    });

    it('when tokens are created, then each is found by id as written and listed with its app only, oldest first (ties by id)', async () => {
      await store.create(token({ id: 'c'.repeat(24), createdAt: at(60_000) }));
      await store.create(token({ id: 'b'.repeat(24) }));
      await store.create(token());
      await store.create(token({ id: 'd'.repeat(24), appId: 'app-2' }));
      expect((await store.listByApp('app-1')).map((t) => t.id)).toEqual(['a'.repeat(24), 'b'.repeat(24), 'c'.repeat(24)]);
      expect(await store.listByApp('app-3')).toEqual([]);
      expect(await store.find('a'.repeat(24))).toEqual(token());
      expect(await store.find('e'.repeat(24))).toBeNull();
    });

    it('when a token is deleted through another app, then it stays; through its own, it is gone, once', async () => {
      await store.create(token());
      expect(await store.delete('app-2', token().id)).toBe(false);
      expect(await store.find(token().id)).not.toBeNull();
      expect(await store.delete('app-1', token().id)).toBe(true);
      expect(await store.find(token().id)).toBeNull();
      expect(await store.delete('app-1', token().id)).toBe(false);
    });

    it("when an app's tokens are deleted, then only that app's go, and the count says how many", async () => {
      await store.create(token());
      await store.create(token({ id: 'b'.repeat(24) }));
      await store.create(token({ id: 'c'.repeat(24), appId: 'app-2' }));
      expect(await store.deleteByApp('app-1')).toBe(2);
      expect(await store.listByApp('app-1')).toEqual([]);
      expect((await store.listByApp('app-2')).map((t) => t.id)).toEqual(['c'.repeat(24)]);
      expect(await store.deleteByApp('app-1')).toBe(0);
    });

    it('when RelayTokens issues a token on this store, then the token finds its app, a forged secret under its id does not, and after revocation nothing does', async () => {
      const tokens = new RelayTokens({ store, directory: new MemoryAppDirectory(), clock: new ManualClock(T0), randomHex: (n) => randomBytes(n).toString('hex') });
      const { record, token: issued } = await tokens.issue('app-1', '  eu-relay-1 ');
      expect(record).toMatchObject({ appId: 'app-1', name: 'eu-relay-1', lastFour: issued.slice(-4), createdAt: T0 });
      expect(JSON.stringify(await store.listByApp('app-1'))).not.toContain(issued.slice(-64));
      await expect(tokens.appOf(issued)).resolves.toBe('app-1');
      await expect(tokens.appOf(`${issued.slice(0, -64)}${'0'.repeat(64)}`)).resolves.toBeNull();
      await tokens.revokeOf('app-1', record.id);
      await expect(tokens.appOf(issued)).resolves.toBeNull();
      await expect(tokens.revokeOf('app-1', record.id)).rejects.toMatchObject({ code: 'relay_token_not_found' });
    });
  });
}
