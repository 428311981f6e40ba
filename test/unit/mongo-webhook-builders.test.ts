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
  LEGACY_RELEASE_FILTER,
  LEGACY_SETTINGS_FILTER,
  legacyCellsFilter,
  legacyHistoryDocuments,
  legacyReleaseUpdate,
  historyFilter,
} from '../../src/adapters/mongo/mongo-webhook-builders';
import { currentSettings, foldLegacyCells } from '../../src/domain/rollout-legacy';
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

  describe('migration 2: a 0.1.0 release and its cells become one state with a history', () => {
    const legacy = () => [
      { _id: '["app-1","1.1.0"]', app_id: 'app-1', version: '1.1.0', verdict: 'halt', baselineVersion: '1.0.0', evaluatedAt: at(2 * MINUTE), resumedAt: null, resumedBy: null, resumeNote: null, superseded: false },
      { _id: '["app-1","1.0.0"]', app_id: 'app-1', version: '1.0.0', verdict: 'watch', baselineVersion: null, evaluatedAt: at(MINUTE), resumedAt: at(30_000), resumedBy: 'alice', resumeNote: 'ok', superseded: false },
    ];
    const cells = [
      { app_id: 'app-1', version: '1.1.0', verdict: 'halt', reasons: ['crash_rate_above_vitals_overall'], consecutiveHealthy: 0, haltedAt: at(2 * MINUTE) },
      { app_id: 'app-1', version: '1.1.0', verdict: 'watch', reasons: ['evidence_building'], consecutiveHealthy: 1, haltedAt: null },
      { app_id: 'app-2', version: '1.1.0', verdict: 'halt', reasons: ['no_baseline'], consecutiveHealthy: 0, haltedAt: T0 },
    ];

    it('when a release is migrated, then it takes its halted cells\' reasons (renamed) and halt time, and no longer matches the legacy filter', () => {
      const docs: Document[] = legacy();
      const [halted] = find(docs, { ...LEGACY_RELEASE_FILTER, version: '1.1.0' }).all() as Array<{ _id: string; verdict: string }>;
      const own = find(cells, legacyCellsFilter('app-1', '1.1.0')).all().map((c) => ({ ...(c as (typeof cells)[number]), haltedAt: (c as { haltedAt: Date | null }).haltedAt?.getTime() ?? null }));
      expect(own).toHaveLength(2);
      const folded = foldLegacyCells(halted!.verdict, own);
      expect(folded).toEqual({ reasons: ['crash_rate_limit'], haltedAt: at(2 * MINUTE).getTime(), consecutiveHealthy: 0 });
      updateOne(docs, { _id: halted!._id }, legacyReleaseUpdate(folded));
      expect(docs[0]).toMatchObject({ role: 'rollout', verdict: 'halt', reasons: ['crash_rate_limit'], haltedAt: at(2 * MINUTE), evidence: null, supersededBy: null });
      expect(docs[0]).not.toHaveProperty('superseded');
      expect(ids(find(docs, LEGACY_RELEASE_FILTER).all())).toEqual(['["app-1","1.0.0"]']);
    });

    it('when its history is written twice, then the ids are the same: a resume then the verdict, the resume with who and why', () => {
      const [, resumed] = legacy();
      const once = legacyHistoryDocuments(resumed!, ['evidence_building']);
      expect(legacyHistoryDocuments(resumed!, ['evidence_building']).map((d) => d._id)).toEqual(once.map((d) => d._id));
      expect(once.map((d) => [d.kind, d.by, d.note, d.to])).toEqual([
        ['resume', 'alice', 'ok', null],
        ['verdict', null, null, 'watch'],
      ]);
      expect(find(once, historyFilter('app-1', '1.0.0')).all()).toHaveLength(2);
    });

    it('when settings carry the 0.1.0 limit names, then the legacy filter finds them and they are renamed', () => {
      const settings = [
        { _id: 'app-1', settings: { androidVitalsOverall: 0.02, baseline: '1.0.0' } },
        { _id: 'app-2', settings: { alpha: 0.05 } },
      ];
      expect(ids(find(settings, LEGACY_SETTINGS_FILTER).all())).toEqual(['app-1']);
      expect(currentSettings(settings[0]!.settings)).toEqual({ crashRateLimit: 0.02, baseline: '1.0.0' });
    });
  });
});
