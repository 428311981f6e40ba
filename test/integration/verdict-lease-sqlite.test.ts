import { ManualClock } from '../fixtures/clock';
import { openSqliteDatabase } from '../../src/adapters/sqlite/sqlite-database';
import { SqliteLease } from '../../src/adapters/sqlite/sqlite-lease';
import { SqliteVerdictStore } from '../../src/adapters/sqlite/sqlite-verdict-store';
import { SqliteWebhookStore } from '../../src/adapters/sqlite/sqlite-webhook-store';
import pino from 'pino';
import { LeasedTask } from '../../src/app/leased-task';
import { RolloutEvaluator } from '../../src/app/rollout-evaluator';
import { rolloutPayloads } from '../../src/adapters/http/views';
import { FixedDailyCounts } from '../fixtures/rollout-counts';
import { tempSqlite } from '../fixtures/sqlite';
import { webhook } from '../fixtures/webhooks';

const HOUR = 3_600_000;
const START = new Date('2026-03-02T00:00:00.000Z');

it('when two instances share one SQLite DATA_DIR, then one evaluates per round and the verdict change is announced once', async () => {
  const { db, dataDir, cleanup } = tempSqlite();
  const second = openSqliteDatabase(dataDir);
  try {
    const counts = new FixedDailyCounts();
    for (let h = 0; h < 4; h++) {
      counts.add('app-1', { version: '1.0.0' }, new Date(START.getTime() + h * HOUR), { active: 2000, crash: 6 });
      counts.add('app-1', { version: '1.1.0' }, new Date(START.getTime() + h * HOUR), { active: 400, crash: 12 });
    }
    const clock = new ManualClock(new Date(START.getTime() + 4 * HOUR));
    await new SqliteWebhookStore(db).createWebhook(webhook());
    let ids = 0;
    const instance = (handle: typeof db, name: string) => {
      const evaluator = new RolloutEvaluator({ counts, store: new SqliteVerdictStore(handle), apps: { listAppIds: async () => ['app-1'] }, clock, newId: () => `${name}-${++ids}`, settings: { defaults: {}, bootstrapDays: 14 }, payloads: rolloutPayloads });
      return new LeasedTask({ lease: new SqliteLease(handle, clock), name: 'rollout-evaluator', holder: name, intervalMs: 300_000, job: () => evaluator.evaluateAll(), clock, logger: pino({ level: 'silent' }) });
    };
    const [a, b] = [instance(db, 'a'), instance(second, 'b')];
    expect(await Promise.all([a.tick(), b.tick()])).toEqual([true, false]);
    expect(await Promise.all([b.tick(), a.tick()])).toEqual([false, true]);

    const store = new SqliteWebhookStore(second);
    await store.dispatchEvents(10);
    const events = (await store.dueDeliveries(clock.now(), 10)).map((d) => d.event);
    expect(events.filter((e) => e.payload.version === '1.1.0').map((e) => [e.type, e.payload.to])).toEqual([['rollout.verdict_changed', 'halt']]);
    await a.stop();
    expect(await b.tick()).toBe(true);
  } finally {
    second.close();
    await cleanup();
  }
});
