import { find, updateOne } from 'mingo';
import type { Document } from 'mongodb';
import {
  attemptUpdate,
  dueFilter,
  fanOutUpsert,
  fromReleaseDocument,
  releaseUpsert,
  resumeUpdate,
  subscribedFilter,
  DUE_ORDER,
} from '../../src/adapters/mongo/mongo-webhook-builders';
import { T0, at, releaseState } from '../fixtures/webhooks';

const MINUTE = 60_000;
const ids = (docs: Document[]) => docs.map((d) => d._id);

// mingo has neither upsert nor $setOnInsert; this follows MongoDB's documented rule: with no match,
// insert the filter's equality fields plus $setOnInsert, then apply the rest (mingo evaluates it).
function upsert(docs: Document[], filter: Document, update: Document): void {
  const { $setOnInsert, ...rest } = update as { $setOnInsert?: Document };
  if (find(docs, filter).all().length === 0) {
    const equalities = Object.fromEntries(Object.entries(filter).map(([k, v]) => [k, (v as { $eq?: unknown }).$eq ?? v]));
    docs.push({ ...equalities, ...($setOnInsert ?? {}) });
  }
  if (Object.keys(rest).length > 0) updateOne(docs, filter, rest);
}

describe('Mongo webhook builders, evaluated with mingo', () => {
  it('when webhooks subscribe to different events, then subscribedFilter finds those of the app listing the type', () => {
    const hooks = [
      { _id: 'a', app_id: 'app-1', events: ['group.new', 'rollout.verdict_changed'] },
      { _id: 'b', app_id: 'app-1', events: ['group.regressed'] },
      { _id: 'c', app_id: 'app-2', events: ['group.new'] },
    ];
    expect(ids(find(hooks, subscribedFilter('app-1', 'group.new')).all())).toEqual(['a']);
  });

  it('when deliveries are pending, delivered or not yet due, then dueFilter picks the due pending ones, oldest event first', () => {
    const deliveries = [
      { _id: 'late', state: 'pending', nextAttemptAt: at(2 * MINUTE), eventCreatedAt: T0, event_id: 'e1', webhook_id: 'w' },
      { _id: 'done', state: 'delivered', nextAttemptAt: T0, eventCreatedAt: T0, event_id: 'e2', webhook_id: 'w' },
      { _id: 'due2', state: 'pending', nextAttemptAt: at(MINUTE), eventCreatedAt: at(MINUTE), event_id: 'e3', webhook_id: 'w' },
      { _id: 'due1', state: 'pending', nextAttemptAt: T0, eventCreatedAt: T0, event_id: 'e4', webhook_id: 'w' },
    ];
    expect(ids(find(deliveries, dueFilter(at(MINUTE))).sort(DUE_ORDER).all())).toEqual(['due1', 'due2']);
  });

  it('when an event is fanned out twice, then the upsert leaves the first delivery as it was', () => {
    const { filter, update } = fanOutUpsert({ _id: 'e1', createdAt: T0 }, 'w1');
    const docs: Document[] = [];
    upsert(docs, filter, update);
    expect(docs).toEqual([{ _id: 'e1:w1', event_id: 'e1', webhook_id: 'w1', state: 'pending', attempts: 0, nextAttemptAt: T0, eventCreatedAt: T0 }]);
    docs[0]!.attempts = 3;
    upsert(docs, filter, update);
    expect(docs).toHaveLength(1);
    expect(docs[0]!.attempts).toBe(3);
  });

  it('when attempts are recorded, then the delivery becomes pending at the next time, delivered, or failed', () => {
    const doc = () => [{ _id: 'd', state: 'pending', attempts: 0, nextAttemptAt: T0 }];
    const base = { eventId: 'e', webhookId: 'w', attempt: 1, responseStatus: 500, error: 'HTTP 500', at: T0 };
    let docs = doc();
    updateOne(docs, { _id: 'd' }, attemptUpdate({ ...base, status: 'failed', nextAttemptAt: at(MINUTE) }));
    expect(docs[0]).toEqual({ _id: 'd', state: 'pending', attempts: 1, nextAttemptAt: at(MINUTE) });
    docs = doc();
    updateOne(docs, { _id: 'd' }, attemptUpdate({ ...base, status: 'failed', nextAttemptAt: null }));
    expect(docs[0]).toMatchObject({ state: 'failed', nextAttemptAt: T0 });
    docs = doc();
    updateOne(docs, { _id: 'd' }, attemptUpdate({ ...base, status: 'delivered', nextAttemptAt: null }));
    expect(docs[0]).toMatchObject({ state: 'delivered' });
  });

  it('when a resumed release is evaluated again, then the resume fields survive the upsert', () => {
    const docs: Document[] = [];
    upsert(docs, { _id: 'r' }, releaseUpsert(releaseState({ verdict: 'halt' })));
    updateOne(docs, { _id: 'r' }, resumeUpdate('alice', 'ok', at(MINUTE)));
    upsert(docs, { _id: 'r' }, releaseUpsert(releaseState({ verdict: 'watch', evaluatedAt: at(2 * MINUTE) })));
    expect(fromReleaseDocument(docs[0] as never)).toEqual(releaseState({ verdict: 'watch', evaluatedAt: at(2 * MINUTE), resumedAt: at(MINUTE), resumedBy: 'alice', resumeNote: 'ok' }));
  });
});
