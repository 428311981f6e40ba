import { ALL_APP_PERMISSIONS, type AppPermissions } from '../domain/access';
import { checkUsername, NO_APP_PERMISSIONS, usernameKey, type Account } from '../domain/account';
import { AuthenticationError, NotFoundError, NotSupportedError, RateLimitedError, UnavailableError, ValidationError } from '../domain/errors';
import { checkPasswordPolicy } from '../domain/password';
import { addressKey } from '../domain/ip-ranges';
import { pseudonym } from '../domain/privacy';
import type { AccountRepository } from '../ports/account-repository';
import type { AppDirectory } from '../ports/app-directory';
import type { Clock } from '../ports/clock';
import type { PasswordHasher } from '../ports/password-hasher';
import type { LimitRule, RateLimiter } from '../ports/rate-limiter';
import type { TokenIssuer } from '../ports/token-issuer';
import { SignInTally } from './sign-in-tally';

export interface IdentityDeps {
  accounts: AccountRepository;
  hasher: PasswordHasher;
  /** Null when tokens come from an external issuer (only JWT_PUBLIC_KEY configured): login is off. */
  issuer: TokenIssuer | null;
  apps: Pick<AppDirectory, 'getApp'>;
  limiter: RateLimiter;
  clock: Clock;
  newId: () => string;
  settings: {
    tokenTtlSeconds: number;
    /** Failed sign-ins per username and client address. */
    loginRateLimitPerMinute: number;
    /** Failed sign-ins per client address, whatever the usernames; absent: no such limit. */
    failedLoginsPerIpPerMinute?: number;
  };
}

export interface NewTeamUser {
  username: string;
  password: string;
  permissions: AppPermissions;
  allowedApps: string[];
}

export interface TeamUserChanges {
  username?: string;
  password?: string;
  permissions?: Partial<AppPermissions>;
  allowedApps?: string[];
}

/** What a sign-in names: a username, and for a team-scoped user its team (the admin's username). */
interface SignInName {
  username: string;
  team?: string;
}

export const TOKEN_TTL_BOUNDS = { min: 60, max: 30 * 24 * 3600 } as const;

const INVALID_CREDENTIALS = () => new AuthenticationError('invalid credentials', 'invalid_credentials');
const USER_NOT_FOUND = () => new NotFoundError('user not found', 'user_not_found');

/** Accounts, sign-in and tokens. Team users are only ever reached through their admin's id. */
export class Identity {
  private dummyHash: Promise<{ hash: string; salt: string }> | undefined;
  private readonly signingIn = new Set<string>();
  private readonly tally: SignInTally;

  constructor(private readonly deps: IdentityDeps) {
    this.tally = new SignInTally(deps.clock);
  }

  get canIssueTokens(): boolean {
    return this.deps.issuer !== null;
  }

  /**
   * Only failures count toward the limits: the per username+address and per address rules are
   * checked before hashing and spent after a wrong password, so a right password, and an attempt
   * shed by the hasher (503), cost nothing. With one sign-in in flight per address, an address's
   * check and spend can't be overtaken by a parallel guess of its own (across N instances the
   * budget may be overshot N-fold). An unknown user costs the same scrypt work as a wrong password.
   */
  async login(username: string, password: string, clientIp: string, team?: string): Promise<string> {
    const issuer = this.requireIssuer();
    // Per address as the limits count it (an IPv6 /64), so rotating within one can't add slots.
    const address = addressKey(clientIp);
    // One sign-in in flight per address: a spray from one address holds at most one hashing slot,
    // so others' sign-ins wait behind one hash at most. Kept in memory only, never stored.
    if (this.signingIn.has(address)) throw new RateLimitedError('login_concurrency', 1);
    this.signingIn.add(address);
    try {
      return await this.attempt(issuer, { username, team }, password, address);
    } finally {
      this.signingIn.delete(address);
    }
  }

  private async attempt(issuer: TokenIssuer, name: SignInName, password: string, address: string): Promise<string> {
    const rules = this.limitRules(name, address);
    for (const rule of rules) {
      const verdict = await this.deps.limiter.peek(rule);
      if (!verdict.allowed) throw new RateLimitedError(verdict.scope, verdict.retryAfterSeconds);
    }
    this.tally.record(address);
    const account = await this.findForSignIn(name);
    const { hash, salt } = account === null ? await this.dummy() : { hash: account.passwordHash, salt: account.passwordSalt };
    const matches = await this.verifyInTurn(address, password, hash, salt);
    if (account === null || !matches) {
      this.tally.record(address);
      // One rule per call: they live under different keys (and Redis Cluster slots).
      for (const rule of rules) await this.deps.limiter.consume([rule]);
      throw INVALID_CREDENTIALS();
    }
    return issuer.issue(account.id, this.deps.settings.tokenTtlSeconds);
  }

  /**
   * A sign-in shed by the hasher (503) is told when to come back; one back sooner is shed again at
   * once, without a place in the queue, and told again. So a client that retries as told competes
   * only with others that do, and those that try least lately go first (SignInTally's rank).
   */
  private async verifyInTurn(address: string, password: string, hash: string, salt: string): Promise<boolean> {
    try {
      if (this.tally.early(address)) throw new UnavailableError('too many sign-ins at once; retry shortly', 1);
      return await this.deps.hasher.verify(password, hash, salt, this.tally.rank(address));
    } catch (error) {
      if (error instanceof UnavailableError) this.tally.refused(address, error.retryAfterSeconds * 1000);
      throw error;
    }
  }

  /**
   * Failed sign-ins per username and address, and per address whatever the username: the first
   * never trips for a spray of made-up usernames, the second does. Parallel guesses can overshoot
   * them by at most the instances' count. The address is kept in the limiter only as a pseudonym.
   */
  private limitRules(name: SignInName, address: string): LimitRule[] {
    const { loginRateLimitPerMinute, failedLoginsPerIpPerMinute } = this.deps.settings;
    const who = pseudonym(address);
    const username = name.team === undefined ? usernameKey(name.username) : `${usernameKey(name.team)}/${usernameKey(name.username)}`;
    const rules: LimitRule[] = [{ scope: 'login', key: `${username}|${who}`, limit: loginRateLimitPerMinute, windowSeconds: 60 }];
    if (failedLoginsPerIpPerMinute !== undefined) rules.push({ scope: 'login_ip', key: `login-failures|${who}`, limit: failedLoginsPerIpPerMinute, windowSeconds: 60 });
    return rules;
  }

  /**
   * The account a sign-in names: by username alone among global usernames (admins, and team users
   * from before team scopes), or with `team` (its admin's username) among that team's users, scoped
   * or earlier. An unknown team finds no account, which is answered as a wrong password is.
   */
  private async findForSignIn({ username, team }: SignInName): Promise<Account | null> {
    if (team === undefined) return this.deps.accounts.findByUsername(username);
    const admin = await this.deps.accounts.findByUsername(team);
    if (admin === null || admin.role !== 'admin') return null;
    const member = await this.deps.accounts.findByTeamUsername(admin.id, username);
    if (member !== null) return member;
    const earlier = await this.deps.accounts.findByUsername(username);
    return earlier !== null && earlier.role === 'user' && earlier.owner === admin.id ? earlier : null;
  }

  /** For operators (the CLI): no password, any TTL within bounds. */
  async issueToken(username: string, ttlSeconds: number, team?: string): Promise<string> {
    const issuer = this.requireIssuer();
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < TOKEN_TTL_BOUNDS.min || ttlSeconds > TOKEN_TTL_BOUNDS.max) {
      throw new ValidationError(`ttl must be a whole number of seconds from ${TOKEN_TTL_BOUNDS.min} to ${TOKEN_TTL_BOUNDS.max}`, 'invalid_ttl');
    }
    const account = await this.findForSignIn({ username, team });
    if (account === null) throw new NotFoundError(team === undefined ? 'no account with this username (a team user: give its team)' : 'no account with this username in this team', 'account_not_found');
    return issuer.issue(account.id, ttlSeconds);
  }

  async createAdmin(input: { username: string; password: string }): Promise<Account> {
    const id = this.deps.newId();
    return this.createAccount(input.username, input.password, { id, role: 'admin', usernameScope: 'global', owner: id, permissions: { apps: { ...ALL_APP_PERMISSIONS } }, allowedApps: [] });
  }

  /** An admin by id or by username; NotFoundError for anything else. */
  async findAdmin(idOrUsername: string): Promise<Account> {
    const account = (await this.deps.accounts.findById(idOrUsername)) ?? (await this.deps.accounts.findByUsername(idOrUsername));
    if (account === null || account.role !== 'admin') throw new NotFoundError('no admin with this id or username', 'admin_not_found');
    return account;
  }

  async createTeamUser(adminId: string, input: NewTeamUser): Promise<Account> {
    const allowedApps = await this.checkAllowedApps(adminId, input.allowedApps);
    return this.createAccount(input.username, input.password, {
      id: this.deps.newId(),
      role: 'user',
      // Unique in the admin's team only: a clash can't tell of another team's, or an admin's, username.
      usernameScope: 'team',
      owner: adminId,
      permissions: { apps: { ...input.permissions } },
      allowedApps,
    });
  }

  async listTeamUsers(adminId: string): Promise<Account[]> {
    return (await this.deps.accounts.listByOwner(adminId)).filter((a) => a.role === 'user');
  }

  async getTeamUser(adminId: string, id: string): Promise<Account> {
    const account = await this.deps.accounts.findById(id);
    // Another admin's user is reported as missing, so its existence isn't leaked.
    if (account === null || account.role !== 'user' || account.owner !== adminId) throw USER_NOT_FOUND();
    return account;
  }

  async updateTeamUser(adminId: string, id: string, changes: TeamUserChanges): Promise<Account> {
    const current = await this.getTeamUser(adminId, id);
    if (changes.username !== undefined) checkUsername(changes.username);
    if (changes.password !== undefined) checkPasswordPolicy(changes.password);
    const allowedApps = changes.allowedApps === undefined ? undefined : await this.checkAllowedApps(adminId, changes.allowedApps);
    const password = changes.password === undefined ? undefined : await this.deps.hasher.hash(changes.password);
    const updated = await this.deps.accounts.update(id, {
      username: changes.username,
      // A renamed user from before team scopes moves to its team's, like a new one.
      usernameScope: changes.username === undefined ? undefined : 'team',
      permissions: changes.permissions === undefined ? undefined : { apps: { ...current.permissions.apps, ...changes.permissions } },
      allowedApps,
      passwordHash: password?.hash,
      passwordSalt: password?.salt,
      updatedAt: this.deps.clock.now(),
    });
    if (updated === null) throw USER_NOT_FOUND();
    return updated;
  }

  async deleteTeamUser(adminId: string, id: string): Promise<void> {
    await this.getTeamUser(adminId, id);
    await this.deps.accounts.delete(id);
  }

  private async createAccount(username: string, password: string, fields: Pick<Account, 'id' | 'role' | 'usernameScope' | 'owner' | 'permissions' | 'allowedApps'>): Promise<Account> {
    checkUsername(username);
    checkPasswordPolicy(password);
    const { hash, salt } = await this.deps.hasher.hash(password);
    const now = this.deps.clock.now();
    return this.deps.accounts.create({ ...fields, username, passwordHash: hash, passwordSalt: salt, createdAt: now, updatedAt: now });
  }

  /** Deduplicated; every id must be an app the admin owns (a foreign app looks like a missing one). */
  private async checkAllowedApps(adminId: string, ids: readonly string[]): Promise<string[]> {
    const unique = [...new Set(ids)];
    for (const id of unique) {
      const app = await this.deps.apps.getApp(id);
      if (app === null || app.owner !== adminId) throw new ValidationError(`allowed_apps: no app "${id}" under this account`, 'unknown_app');
    }
    return unique;
  }

  private requireIssuer(): TokenIssuer {
    if (this.deps.issuer === null) {
      throw new NotSupportedError('sign-in is disabled: tokens come from an external issuer (JWT_PUBLIC_KEY without JWT_SECRET)', 'login_disabled');
    }
    return this.deps.issuer;
  }

  private dummy(): Promise<{ hash: string; salt: string }> {
    this.dummyHash ??= this.deps.hasher.hash(this.deps.newId());
    return this.dummyHash;
  }
}

export const DEFAULT_TEAM_USER_PERMISSIONS: AppPermissions = { ...NO_APP_PERMISSIONS, download: true };

/** The public shape of an account: never its password hash or salt. */
export function accountView(account: Account) {
  return {
    id: account.id,
    username: account.username,
    role: account.role,
    owner: account.owner,
    permissions: { apps: { ...account.permissions.apps } },
    allowed_apps: [...account.allowedApps],
    createdAt: account.createdAt.toISOString(),
    updatedAt: account.updatedAt.toISOString(),
  };
}
