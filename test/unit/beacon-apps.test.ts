import { MemoryAccountRepository } from '../../src/adapters/memory/memory-account-repository';
import { MemoryAppDirectory } from '../../src/adapters/memory/memory-app-directory';
import { ManualClock } from '../fixtures/clock';
import { BeaconApps } from '../../src/app/beacon-apps';
import type { Account } from '../../src/domain/account';
import type { BeaconQuery } from '../../src/domain/beacon';
import { adminAccount } from '../fixtures/accounts';

class CountingAccounts extends MemoryAccountRepository {
  lookups = 0;
  override async findByUsername(username: string): Promise<Account | null> {
    this.lookups++;
    return super.findByUsername(username);
  }
}

const query = (owner: string, appName: string): BeaconQuery => ({ owner, app_name: appName, version: '1.0.0', channel: 'stable', platform: 'linux', arch: 'x64' });

describe('BeaconApps', () => {
  let accounts: CountingAccounts;
  let clock: ManualClock;
  let apps: BeaconApps;
  beforeEach(async () => {
    accounts = new CountingAccounts();
    clock = new ManualClock();
    const directory = new MemoryAppDirectory();
    const now = clock.now();
    await accounts.create(adminAccount({ id: 'u1', username: 'acme' }));
    await directory.createApp({ id: 'app-1', owner: 'u1', name: 'desk', reports: true, createdAt: now, updatedAt: now });
    apps = new BeaconApps({ accounts, directory, clock, cacheTtlMs: 5_000 });
  });

  test('when a beacon was resolved lately, then a refused one for the same name is put in its app without a lookup, for ten minutes', async () => {
    expect(await apps.resolve(query('acme', 'desk'), undefined)).toMatchObject({ appId: 'app-1' });
    const lookups = accounts.lookups;
    clock.advance(9 * 60_000);
    expect(apps.attribute(query('acme', 'desk'), undefined)).toMatchObject({ appId: 'app-1' });
    expect(accounts.lookups).toBe(lookups);
  });

  test('when refused beacons name thousands of unseen apps in one second, then at most 50 lookups are made and the rest go unattributed', async () => {
    const answers = await Promise.all(Array.from({ length: 2_000 }, (_, i) => apps.attribute(query(`owner-${i}`, `app-${i}`), undefined)));
    expect(answers.every((a) => a === null)).toBe(true);
    expect(accounts.lookups).toBe(50);
    clock.advance(1_000);
    await apps.attribute(query('acme', 'desk'), undefined);
    expect(accounts.lookups).toBe(51);
  });
});
