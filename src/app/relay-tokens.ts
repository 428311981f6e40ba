import { isAdmin, type Principal } from '../domain/access';
import { ForbiddenError, NotFoundError, ValidationError } from '../domain/errors';
import { MAX_RELAY_TOKENS_PER_APP, RELAY_TOKEN_NAME_MAX_LENGTH, relayToken, relayTokenDigest, relayTokenId, relayTokenMatches, relayTokenName } from '../domain/relay-token';
import type { App, AppDirectory } from '../ports/app-directory';
import type { Clock } from '../ports/clock';
import type { RelayToken, RelayTokenStore } from '../ports/relay-token-store';
import { AppScope } from './app-scope';

export interface IssuedRelayToken {
  record: RelayToken;
  /** The token itself: returned here, once, and stored nowhere. */
  token: string;
}

export interface RelayTokensDeps {
  store: RelayTokenStore;
  directory: AppDirectory;
  clock: Clock;
  /** Hex from crypto.randomBytes: the token's id and secret. */
  randomHex: (bytes: number) => string;
}

/**
 * Relay tokens of an app. A relay adds devices to the denominators of every verdict of the app,
 * so only an admin manages them (a team user is refused whatever the app, as for team users);
 * the operator does through the CLI, which calls issue/revokeOf/tokensOf directly.
 */
export class RelayTokens {
  private readonly scope: AppScope;

  constructor(private readonly deps: RelayTokensDeps) {
    this.scope = new AppScope(deps.directory);
  }

  async create(p: Principal, appId: string, name: string): Promise<IssuedRelayToken> {
    const app = await this.adminsApp(p, appId);
    return this.issue(app.id, name);
  }

  async list(p: Principal, appId: string): Promise<RelayToken[]> {
    const app = await this.adminsApp(p, appId);
    return this.tokensOf(app.id);
  }

  async revoke(p: Principal, appId: string, id: string): Promise<void> {
    const app = await this.adminsApp(p, appId);
    await this.revokeOf(app.id, id);
  }

  /** A new token for the app, with a label; ValidationError past MAX_RELAY_TOKENS_PER_APP. */
  async issue(appId: string, rawName: string): Promise<IssuedRelayToken> {
    const name = relayTokenName(rawName);
    if (name === null) {
      throw new ValidationError(`name must be 1 to ${RELAY_TOKEN_NAME_MAX_LENGTH} characters, not only spaces, without control characters`, 'invalid_value', { field: 'name' });
    }
    if ((await this.deps.store.listByApp(appId)).length >= MAX_RELAY_TOKENS_PER_APP) {
      throw new ValidationError(`an app has at most ${MAX_RELAY_TOKENS_PER_APP} relay tokens; revoke one first`, 'too_many_relay_tokens');
    }
    const id = this.deps.randomHex(12);
    const token = relayToken(id, this.deps.randomHex(32));
    const record: RelayToken = { id, appId, name, digest: relayTokenDigest(token), lastFour: token.slice(-4), createdAt: this.deps.clock.now() };
    await this.deps.store.create(record);
    return { record, token };
  }

  tokensOf(appId: string): Promise<RelayToken[]> {
    return this.deps.store.listByApp(appId);
  }

  /** The token stops working at once, on every instance: tokens are looked up on each batch, never cached. */
  async revokeOf(appId: string, id: string): Promise<void> {
    if (!(await this.deps.store.delete(appId, id))) throw new NotFoundError('relay token not found', 'relay_token_not_found');
  }

  /** Every token of the app, which is being deleted; how many there were. */
  revokeAll(appId: string): Promise<number> {
    return this.deps.store.deleteByApp(appId);
  }

  /**
   * The app a presented token belongs to, or null. A malformed token costs a regex; a well-formed
   * one, one lookup by id and, when the id exists, one SHA-256 compared in constant time.
   */
  async appOf(token: string): Promise<string | null> {
    const id = relayTokenId(token);
    if (id === null) return null;
    const record = await this.deps.store.find(id);
    return record !== null && relayTokenMatches(token, record.digest) ? record.appId : null;
  }

  private async adminsApp(p: Principal, appId: string): Promise<App> {
    if (!isAdmin(p)) throw new ForbiddenError('only an admin may manage relay tokens', 'admin_required');
    return this.scope.byId(p, 'edit', appId);
  }
}
