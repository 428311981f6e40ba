import type { Logger as PinoLogger } from 'pino';
import { NodeHttpWebhookSender } from '../adapters/http-client/node-http-webhook-sender';
import { MemoryVerdictStore } from '../adapters/memory/memory-verdict-store';
import { MemoryWebhookStore } from '../adapters/memory/memory-webhook-store';
import { SqliteVerdictStore } from '../adapters/sqlite/sqlite-verdict-store';
import { SqliteWebhookStore } from '../adapters/sqlite/sqlite-webhook-store';
import { LeasedTask } from '../app/leased-task';
import { rolloutPayloads } from '../adapters/http/views';
import type { DailyCounts } from '../app/rollout-counts';
import { RolloutEvaluator } from '../app/rollout-evaluator';
import { RolloutHealth } from '../app/rollout-health';
import { WebhookDelivery } from '../app/webhook-delivery';
import { WebhookManagement } from '../app/webhook-management';
import type { AppDirectory } from '../ports/app-directory';
import type { Clock } from '../ports/clock';
import type { Lease } from '../ports/lease';
import type { VerdictStore } from '../ports/verdict-store';
import type { WebhookStore } from '../ports/webhook-store';
import type { Closers } from './closers';
import type { Config } from './config';
import { randomHex } from './secrets';
import type { Storage } from './storage';

/** How far back the evidence of a release seen for the first time starts (within the daily sketches' retention). */
const BOOTSTRAP_DAYS = 14;

export interface VerdictStores {
  webhooks: WebhookStore;
  verdicts: VerdictStore;
  /** The repository writes group.new/group.regressed itself, in the ingest write (SQLite triggers); else ingestion appends them. */
  groupEventsInIngestWrite: boolean;
}

/** The outbox, webhooks and verdict state on the repository's store (REPOSITORY_DRIVER). */
export async function composeVerdictStores(storage: Pick<Storage, 'sqlite' | 'mongoDb'>): Promise<VerdictStores> {
  if (storage.sqlite) return { webhooks: new SqliteWebhookStore(storage.sqlite), verdicts: new SqliteVerdictStore(storage.sqlite), groupEventsInIngestWrite: true };
  if (storage.mongoDb) {
    const { MongoVerdictStore, MongoWebhookStore } = await import('../adapters/mongo/mongo-webhook-store');
    return { webhooks: new MongoWebhookStore(storage.mongoDb), verdicts: new MongoVerdictStore(storage.mongoDb), groupEventsInIngestWrite: false };
  }
  const webhooks = new MemoryWebhookStore();
  return { webhooks, verdicts: new MemoryVerdictStore(webhooks), groupEventsInIngestWrite: false };
}

export interface Verdicts {
  webhookStore: WebhookStore;
  verdictStore: VerdictStore;
  evaluator: RolloutEvaluator;
  delivery: WebhookDelivery;
  webhookManagement: WebhookManagement;
  rolloutHealth: RolloutHealth;
  /** The evaluation and delivery loops, each under the lease. */
  tasks: LeasedTask[];
  /** Starts the evaluation and delivery loops (main.ts); tests call their runOnce/evaluateAll instead. */
  start(): void;
  stop(): Promise<void>;
}

export function composeVerdicts(
  config: Readonly<Config>,
  stores: VerdictStores,
  deps: { directory: AppDirectory; clock: Clock; logger: PinoLogger; counts: DailyCounts; lease: Lease; holder: string },
  closers: Closers,
): Verdicts {
  const { clock, logger } = deps;
  const evaluator = new RolloutEvaluator({
    counts: deps.counts,
    store: stores.verdicts,
    apps: deps.directory,
    clock,
    newId: () => randomHex(12),
    settings: { defaults: { minDevices: config.rollouts.minDevices }, bootstrapDays: Math.min(BOOTSTRAP_DAYS, config.rollouts.dailyRetentionDays) },
    payloads: rolloutPayloads,
  });
  const delivery = new WebhookDelivery({
    store: stores.webhooks,
    sender: new NodeHttpWebhookSender({ allowPrivate: config.verdicts.webhookAllowPrivate }),
    clock,
    random: Math.random,
    logger,
    settings: { timeoutMs: config.verdicts.webhookTimeoutMs },
  });
  const { lease, holder } = deps;
  const loops = [
    new LeasedTask({ lease, name: 'rollout-evaluator', holder, intervalMs: config.verdicts.evalIntervalSeconds * 1000, job: async (signal) => void (await evaluator.evaluateAll(signal)), clock, logger }),
    new LeasedTask({ lease, name: 'webhook-delivery', holder, intervalMs: config.verdicts.webhookDeliveryIntervalMs, job: async () => void (await delivery.runOnce()), clock, logger }),
  ];
  const stop = async () => void (await Promise.all(loops.map((l) => l.stop())));
  closers.add(stop);
  return {
    webhookStore: stores.webhooks,
    verdictStore: stores.verdicts,
    evaluator,
    delivery,
    webhookManagement: new WebhookManagement({ directory: deps.directory, store: stores.webhooks, clock, randomHex }),
    rolloutHealth: new RolloutHealth({ directory: deps.directory, evaluator, store: stores.verdicts, defaults: { minDevices: config.rollouts.minDevices } }),
    tasks: loops,
    start: () => loops.forEach((l) => l.start()),
    stop,
  };
}
