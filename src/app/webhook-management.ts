import type { Principal } from '../domain/access';
import { NotFoundError, ValidationError } from '../domain/errors';
import type { AppDirectory } from '../ports/app-directory';
import type { Clock } from '../ports/clock';
import type { DeliveryAttempt, Webhook, WebhookEventType, WebhookStore } from '../ports/webhook-store';
import { AppScope } from './app-scope';

export const MAX_WEBHOOKS_PER_APP = 20;

/**
 * Webhooks of an app. Every route needs apps.edit: a webhook's URL may carry a credential and its
 * deliveries show where data went, so they are configuration, not report data. The secret is
 * generated here and returned by create only.
 */
export class WebhookManagement {
  private readonly scope: AppScope;

  constructor(private readonly deps: { directory: AppDirectory; store: WebhookStore; clock: Clock; randomHex: (bytes: number) => string }) {
    this.scope = new AppScope(deps.directory);
  }

  async create(p: Principal, appId: string, input: { url: string; events: WebhookEventType[] }): Promise<Webhook> {
    await this.scope.byId(p, 'edit', appId);
    checkUrl(input.url);
    if ((await this.deps.store.listWebhooks(appId)).length >= MAX_WEBHOOKS_PER_APP) {
      throw new ValidationError(`an app has at most ${MAX_WEBHOOKS_PER_APP} webhooks`, 'too_many_webhooks');
    }
    const webhook: Webhook = {
      id: this.deps.randomHex(12),
      appId,
      url: input.url,
      events: [...new Set(input.events)],
      secret: `whsec_${this.deps.randomHex(32)}`,
      createdAt: this.deps.clock.now(),
    };
    await this.deps.store.createWebhook(webhook);
    return webhook;
  }

  async list(p: Principal, appId: string): Promise<Webhook[]> {
    await this.scope.byId(p, 'edit', appId);
    return this.deps.store.listWebhooks(appId);
  }

  async delete(p: Principal, appId: string, id: string): Promise<void> {
    await this.scope.byId(p, 'edit', appId);
    if (!(await this.deps.store.deleteWebhook(appId, id))) throw webhookNotFound();
  }

  async deliveries(p: Principal, appId: string, id: string, limit: number): Promise<DeliveryAttempt[]> {
    await this.scope.byId(p, 'edit', appId);
    if (!(await this.deps.store.findWebhook(appId, id))) throw webhookNotFound();
    return this.deps.store.listAttempts(appId, id, limit);
  }
}

/** Whether the address is reachable is decided at each delivery (after DNS); here only the form. */
function checkUrl(raw: string): void {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ValidationError('url must be an absolute http(s) URL such as https://hooks.example.com/telltale', 'invalid_value', { field: 'url' });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ValidationError('url must use http or https', 'invalid_value', { field: 'url' });
  if (url.username || url.password) throw new ValidationError('url must not carry credentials', 'invalid_value', { field: 'url' });
}

const webhookNotFound = () => new NotFoundError('webhook not found', 'webhook_not_found');
