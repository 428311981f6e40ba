import { MemoryAccountRepository } from '../../src/adapters/memory/memory-account-repository';
import { MemoryAppDirectory } from '../../src/adapters/memory/memory-app-directory';
import { MemoryRateLimiter } from '../../src/adapters/memory/memory-rate-limiter';
import { ManualClock } from '../fixtures/clock';
import { Identity } from '../../src/app/identity';
import { NO_APP_PERMISSIONS } from '../../src/domain/account';
import { AuthenticationError, NotSupportedError, RateLimitedError, UnavailableError, ValidationError } from '../../src/domain/errors';
import type { PasswordHash, PasswordHasher } from '../../src/ports/password-hasher';
import type { TokenIssuer } from '../../src/ports/token-issuer';

/** Plain-text "hashing" that records which stored hashes were checked. */
class RecordingHasher implements PasswordHasher {
  readonly verified: string[] = [];
  readonly ranks: number[] = [];
  /** Refuses every verify as an overloaded BoundedPasswordHasher does. */
  shedding = false;
  private next = 0;
  async hash(password: string): Promise<PasswordHash> {
    return { hash: `plain:${password}`, salt: `salt-${this.next++}` };
  }
  async verify(password: string, hash: string, _salt: string, rank = 0): Promise<boolean> {
    if (this.shedding) throw new UnavailableError('too many sign-ins at once; retry shortly', 1);
    this.verified.push(hash);
    this.ranks.push(rank);
    return hash === `plain:${password}`;
  }
}

const issuer: TokenIssuer = { issue: async (subject, ttl) => `token-for-${subject}-${ttl}` };

function identity(overrides: { issuer?: TokenIssuer | null; failedLoginsPerIpPerMinute?: number; loginRateLimitPerMinute?: number } = {}) {
  const clock = new ManualClock();
  const hasher = new RecordingHasher();
  const apps = new MemoryAppDirectory();
  let id = 0;
  const accounts = new MemoryAccountRepository();
  const service = new Identity({
    accounts,
    hasher,
    issuer: overrides.issuer === undefined ? issuer : overrides.issuer,
    apps,
    limiter: new MemoryRateLimiter(clock),
    clock,
    newId: () => `id-${id++}`,
    settings: { tokenTtlSeconds: 900, loginRateLimitPerMinute: overrides.loginRateLimitPerMinute ?? 100, failedLoginsPerIpPerMinute: overrides.failedLoginsPerIpPerMinute },
  });
  return { service, hasher, apps, clock, accounts };
}

describe('Identity', () => {
  it('when the user is unknown, then a stored-looking hash is still verified, so the answer costs the same', async () => {
    const { service, hasher } = identity();
    await expect(service.login('ghost', 'whatever-pass', '1.2.3.4')).rejects.toBeInstanceOf(AuthenticationError);
    expect(hasher.verified).toHaveLength(1);
    expect(hasher.verified[0]).toMatch(/^plain:/);
  });

  it('when the password is right, then the token names the account and uses the configured TTL', async () => {
    const { service } = identity();
    const admin = await service.createAdmin({ username: 'alice', password: 'correct horse' });
    await expect(service.login('ALICE', 'correct horse', '1.2.3.4')).resolves.toBe(`token-for-${admin.id}-900`);
  });

  it('when one address fails AUTH_FAILED_LOGINS_PER_IP_PER_MINUTE sign-ins with different usernames, then its next attempt is 429 login_ip before any hashing', async () => {
    const { service, hasher, clock } = identity({ failedLoginsPerIpPerMinute: 3 });
    await service.createAdmin({ username: 'alice', password: 'correct horse' });
    for (const name of ['u1', 'u2', 'u3']) await expect(service.login(name, 'guess-guess', '1.2.3.4')).rejects.toBeInstanceOf(AuthenticationError);
    const hashed = hasher.verified.length;
    const refused = await service.login('alice', 'correct horse', '1.2.3.4').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RateLimitedError);
    expect((refused as RateLimitedError).scope).toBe('login_ip');
    expect(hasher.verified).toHaveLength(hashed);
    // Another address is not affected, and the window passes.
    await expect(service.login('alice', 'correct horse', '5.6.7.8')).resolves.toMatch(/^token-for-/);
    clock.advance(61_000);
    await expect(service.login('alice', 'correct horse', '1.2.3.4')).resolves.toMatch(/^token-for-/);
  });

  it('when an address already has a sign-in in flight, then its next one is 429 login_concurrency at once; another address is not held up', async () => {
    const { service } = identity();
    await service.createAdmin({ username: 'alice', password: 'correct horse' });
    const first = service.login('alice', 'correct horse', '1.2.3.4');
    const second = await service.login('alice', 'correct horse', '1.2.3.4').catch((e: unknown) => e);
    expect(second).toBeInstanceOf(RateLimitedError);
    expect((second as RateLimitedError).scope).toBe('login_concurrency');
    await expect(service.login('alice', 'correct horse', '5.6.7.8')).resolves.toMatch(/^token-for-/);
    await expect(first).resolves.toMatch(/^token-for-/);
    await expect(service.login('alice', 'correct horse', '1.2.3.4')).resolves.toMatch(/^token-for-/);
  });

  it('when sign-ins succeed, then they spend neither the per-username nor the per-address budget for failures', async () => {
    const { service } = identity({ failedLoginsPerIpPerMinute: 2, loginRateLimitPerMinute: 2 });
    await service.createAdmin({ username: 'alice', password: 'correct horse' });
    for (let i = 0; i < 5; i++) await expect(service.login('alice', 'correct horse', '1.2.3.4')).resolves.toMatch(/^token-for-/);
    // Failures still count: two wrong passwords use up the username's budget at this address.
    for (let i = 0; i < 2; i++) await expect(service.login('alice', 'wrong-guess', '1.2.3.4')).rejects.toBeInstanceOf(AuthenticationError);
    await expect(service.login('alice', 'correct horse', '1.2.3.4')).rejects.toMatchObject({ scope: 'login' });
  });

  it('when the hasher sheds sign-ins (503), then they spend nothing: the right password then signs in', async () => {
    const { service, hasher, clock } = identity({ failedLoginsPerIpPerMinute: 2, loginRateLimitPerMinute: 2 });
    await service.createAdmin({ username: 'alice', password: 'correct horse' });
    hasher.shedding = true;
    for (let i = 0; i < 10; i++) {
      await expect(service.login('alice', 'correct horse', '1.2.3.4')).rejects.toBeInstanceOf(UnavailableError);
      clock.advance(1000);
    }
    hasher.shedding = false;
    await expect(service.login('alice', 'correct horse', '1.2.3.4')).resolves.toMatch(/^token-for-/);
  });

  it('when an address comes back before the Retry-After of its shed sign-in, then it is shed again at once without hashing; after it, it is hashed', async () => {
    const { service, hasher, clock } = identity();
    await service.createAdmin({ username: 'alice', password: 'correct horse' });
    hasher.shedding = true;
    await expect(service.login('alice', 'correct horse', '1.2.3.4')).rejects.toMatchObject({ retryAfterSeconds: 1 });
    hasher.shedding = false;
    const hashed = hasher.verified.length;
    clock.advance(500);
    await expect(service.login('alice', 'correct horse', '1.2.3.4')).rejects.toBeInstanceOf(UnavailableError);
    expect(hasher.verified).toHaveLength(hashed);
    // Another address is not held back; this one, once it waits as told, is.
    await expect(service.login('alice', 'correct horse', '5.6.7.8')).resolves.toMatch(/^token-for-/);
    clock.advance(1000);
    await expect(service.login('alice', 'correct horse', '1.2.3.4')).resolves.toMatch(/^token-for-/);
  });

  it('when IPv6 clients share a /64, then they share the per-address budget and the one sign-in in flight', async () => {
    const { service } = identity({ failedLoginsPerIpPerMinute: 2 });
    for (const ip of ['2001:db8:1:2::a', '2001:db8:1:2::b']) await expect(service.login('u1', 'guess-guess', ip)).rejects.toBeInstanceOf(AuthenticationError);
    await expect(service.login('u2', 'guess-guess', '2001:db8:1:2:ffff::1')).rejects.toMatchObject({ scope: 'login_ip' });
    await expect(service.login('u2', 'guess-guess', '2001:db8:1:3::1')).rejects.toBeInstanceOf(AuthenticationError);
  });

  it('when two addresses wait for a contended hasher, then the one that has tried less lately is hashed first', async () => {
    const { service, hasher } = identity();
    await service.createAdmin({ username: 'alice', password: 'correct horse' });
    for (let i = 0; i < 5; i++) await expect(service.login('ghost', 'guess-guess', '1.2.3.4')).rejects.toBeInstanceOf(AuthenticationError);
    await service.login('alice', 'correct horse', '5.6.7.8');
    expect(hasher.ranks.slice(-1)[0]).toBeLessThan(hasher.ranks[4]!);
  });

  it('when no issuer is configured, then login and token issuing are NotSupportedError', async () => {
    const { service } = identity({ issuer: null });
    await service.createAdmin({ username: 'alice', password: 'correct horse' });
    await expect(service.login('alice', 'correct horse', '1.2.3.4')).rejects.toBeInstanceOf(NotSupportedError);
    await expect(service.issueToken('alice', 3600)).rejects.toBeInstanceOf(NotSupportedError);
  });

  it('when a password breaks the policy or a username its pattern, then nothing is created', async () => {
    const { service } = identity();
    await expect(service.createAdmin({ username: 'alice', password: 'short' })).rejects.toMatchObject({ code: 'invalid_password' });
    await expect(service.createAdmin({ username: 'a b', password: 'long enough' })).rejects.toMatchObject({ code: 'invalid_username' });
    await expect(service.findAdmin('alice')).rejects.toMatchObject({ code: 'admin_not_found' });
  });

  it('when a team user’s allowed apps include an app of another admin, then it is a ValidationError', async () => {
    const { service, apps, clock } = identity();
    const a = await service.createAdmin({ username: 'alice', password: 'correct horse' });
    const b = await service.createAdmin({ username: 'bob', password: 'correct horse' });
    await apps.createApp({ id: 'app-b', owner: b.id, name: 'b-app', reports: true, createdAt: clock.now(), updatedAt: clock.now() });
    const input = { username: 'carol', password: 'correct horse', permissions: { ...NO_APP_PERMISSIONS, download: true }, allowedApps: ['app-b'] };
    await expect(service.createTeamUser(a.id, input)).rejects.toBeInstanceOf(ValidationError);
    await expect(service.createTeamUser(b.id, { ...input, allowedApps: ['app-b', 'app-b'] })).resolves.toMatchObject({ owner: b.id, allowedApps: ['app-b'] });
  });

  it('when a password is changed, then the old one stops working and the new one signs in', async () => {
    const { service } = identity();
    const admin = await service.createAdmin({ username: 'alice', password: 'correct horse' });
    const user = await service.createTeamUser(admin.id, { username: 'carol', password: 'first password', permissions: NO_APP_PERMISSIONS, allowedApps: [] });
    await service.updateTeamUser(admin.id, user.id, { password: 'second password' });
    await expect(service.login('carol', 'first password', 'ip', 'alice')).rejects.toBeInstanceOf(AuthenticationError);
    await expect(service.login('carol', 'second password', 'ip', 'alice')).resolves.toBe(`token-for-${user.id}-900`);
  });

  describe('usernames per team', () => {
    it('when two admins each add a user of the same name, then both are created, and each signs in with its team', async () => {
      const { service } = identity();
      const acme = await service.createAdmin({ username: 'acme', password: 'correct horse' });
      const globex = await service.createAdmin({ username: 'globex', password: 'correct horse' });
      const inAcme = await service.createTeamUser(acme.id, { username: 'dana', password: 'acme password', permissions: NO_APP_PERMISSIONS, allowedApps: [] });
      const inGlobex = await service.createTeamUser(globex.id, { username: 'DANA', password: 'globex password', permissions: NO_APP_PERMISSIONS, allowedApps: [] });
      await expect(service.login('dana', 'acme password', '1.2.3.4', 'ACME')).resolves.toBe(`token-for-${inAcme.id}-900`);
      await expect(service.login('Dana', 'globex password', '1.2.3.5', 'globex')).resolves.toBe(`token-for-${inGlobex.id}-900`);
      // Another team's password, or no team at all, is a wrong password.
      await expect(service.login('dana', 'globex password', '1.2.3.6', 'acme')).rejects.toBeInstanceOf(AuthenticationError);
      await expect(service.login('dana', 'acme password', '1.2.3.7')).rejects.toBeInstanceOf(AuthenticationError);
      await expect(service.issueToken('dana', 3600, 'globex')).resolves.toBe(`token-for-${inGlobex.id}-3600`);
    });

    it('when an admin adds a user named like an admin or another team\'s user, then it is created: only a clash in its own team is refused', async () => {
      const { service } = identity();
      const acme = await service.createAdmin({ username: 'acme', password: 'correct horse' });
      const globex = await service.createAdmin({ username: 'globex', password: 'correct horse' });
      await service.createTeamUser(globex.id, { username: 'erin', password: 'some password', permissions: NO_APP_PERMISSIONS, allowedApps: [] });
      const user = (name: string) => service.createTeamUser(acme.id, { username: name, password: 'other password', permissions: NO_APP_PERMISSIONS, allowedApps: [] });
      await expect(user('erin')).resolves.toMatchObject({ username: 'erin', usernameScope: 'team' });
      await expect(user('globex')).resolves.toMatchObject({ username: 'globex' });
      await expect(user('ERIN')).rejects.toMatchObject({ code: 'username_taken' });
      // The admin still signs in as before.
      await expect(service.login('globex', 'correct horse', '1.2.3.4')).resolves.toBe(`token-for-${globex.id}-900`);
    });

    it('when a sign-in names an unknown team, a team user without its team, or an admin with a team, then it is answered as a wrong password, after the same hashing', async () => {
      const { service, hasher } = identity();
      const acme = await service.createAdmin({ username: 'acme', password: 'correct horse' });
      await service.createTeamUser(acme.id, { username: 'dana', password: 'acme password', permissions: NO_APP_PERMISSIONS, allowedApps: [] });
      const attempts: Array<[string, string, string | undefined]> = [
        ['dana', 'acme password', 'no-such-team'],
        ['dana', 'acme password', 'dana'],
        ['dana', 'acme password', undefined],
        ['acme', 'correct horse', 'acme'],
        ['ghost', 'whatever-pass', undefined],
      ];
      for (const [i, [username, password, team]] of attempts.entries()) {
        await expect(service.login(username, password, `10.0.0.${i}`, team)).rejects.toMatchObject({ code: 'invalid_credentials' });
      }
      expect(hasher.verified).toHaveLength(attempts.length);
    });

    it('when a team user from before team scopes exists, then it signs in with or without its team, and a rename moves it into its team', async () => {
      const { service, accounts, hasher } = identity();
      const acme = await service.createAdmin({ username: 'acme', password: 'correct horse' });
      const { hash, salt } = await hasher.hash('old password');
      const at = new Date();
      const earlier = await accounts.create({ id: 'earlier', username: 'frank', usernameScope: 'global', role: 'user', owner: acme.id, permissions: { apps: NO_APP_PERMISSIONS }, allowedApps: [], passwordHash: hash, passwordSalt: salt, createdAt: at, updatedAt: at });
      await expect(service.login('frank', 'old password', '1.2.3.4')).resolves.toBe(`token-for-${earlier.id}-900`);
      await expect(service.login('frank', 'old password', '1.2.3.5', 'acme')).resolves.toBe(`token-for-${earlier.id}-900`);
      await service.updateTeamUser(acme.id, earlier.id, { username: 'franklin' });
      await expect(service.login('franklin', 'old password', '1.2.3.6')).rejects.toBeInstanceOf(AuthenticationError);
      await expect(service.login('franklin', 'old password', '1.2.3.7', 'acme')).resolves.toBe(`token-for-${earlier.id}-900`);
    });
  });

  it('issueToken refuses a TTL outside 60 s to 30 days', async () => {
    const { service } = identity();
    await service.createAdmin({ username: 'alice', password: 'correct horse' });
    await expect(service.issueToken('alice', 59)).rejects.toMatchObject({ code: 'invalid_ttl' });
    await expect(service.issueToken('alice', 3600)).resolves.toMatch(/^token-for-/);
  });
});
