import pino from 'pino';
import { MemoryBlobStore } from '../../src/adapters/memory/memory-blob-store';
import { MemoryLease } from '../../src/adapters/memory/memory-lease';
import { MemoryReportRepository } from '../../src/adapters/memory/memory-report-repository';
import { ManualClock } from '../fixtures/clock';
import { LeasedTask } from '../../src/app/leased-task';
import { RetentionSweeper } from '../../src/app/retention-sweeper';
import type { BlobRecord } from '../../src/domain/report';
import { expiresAt } from '../../src/domain/retention';
import { localUrlSigner } from '../../src/domain/signed-url';
import type { Lease } from '../../src/ports/lease';
import { reportBody } from '../fixtures/reports';

const INTERVAL = 60_000;
const logger = pino({ level: 'silent' });

/** Two service instances on one lease store, each with its own job that records its runs. */
function twoInstances(makeLease: (clock: ManualClock) => Lease = (clock) => new MemoryLease(clock)) {
  const clock = new ManualClock();
  const shared = makeLease(clock);
  const runs: string[] = [];
  const make = (holder: string, job: () => Promise<unknown> = async () => void runs.push(holder)) =>
    new LeasedTask({ lease: shared, name: 'retention-sweep', holder, intervalMs: INTERVAL, job, clock, logger });
  return { clock, runs, a: make('instance-a'), b: make('instance-b'), make };
}

describe('LeasedTask', () => {
  it('when two instances tick at the same time, then exactly one runs the job and only it is the leader', async () => {
    const { runs, a, b } = twoInstances();
    const ran = await Promise.all([a.tick(), b.tick()]);
    expect(ran.filter(Boolean)).toHaveLength(1);
    expect(runs).toHaveLength(1);
    expect([a.isLeader(), b.isLeader()].filter(Boolean)).toHaveLength(1);
  });

  it('when both keep ticking every interval, then the leader runs every time and the other never does', async () => {
    const { clock, runs, a, b } = twoInstances();
    await a.tick();
    for (let i = 0; i < 5; i++) {
      clock.advance(INTERVAL);
      await Promise.all([b.tick(), a.tick()]);
    }
    expect(runs).toEqual(Array(6).fill('instance-a'));
    expect(b.isLeader()).toBe(false);
  });

  it('when the leader stops, then it releases the lease and the other instance takes over at its next tick', async () => {
    const { runs, a, b } = twoInstances();
    await a.tick();
    await a.stop();
    expect(a.isLeader()).toBe(false);
    expect(await b.tick()).toBe(true);
    expect(runs).toEqual(['instance-a', 'instance-b']);
  });

  it('when the leader dies without releasing, then the other takes over once the TTL (3 intervals) has passed', async () => {
    const { clock, runs, a, b } = twoInstances();
    await a.tick();
    clock.advance(2 * INTERVAL);
    expect(await b.tick()).toBe(false);
    clock.advance(INTERVAL + 1);
    expect(a.isLeader()).toBe(false);
    expect(await b.tick()).toBe(true);
    expect(runs).toEqual(['instance-a', 'instance-b']);
  });

  it('when the job outlasts an interval, then the next tick renews the lease without starting it again', async () => {
    const { clock, make } = twoInstances();
    let release: () => void = () => undefined;
    let started = 0;
    const slow = make('slow', () => {
      started++;
      return new Promise<void>((resolve) => (release = resolve));
    });
    const other = make('other');
    const first = slow.tick();
    clock.advance(2 * INTERVAL);
    expect(await slow.tick()).toBe(false);
    clock.advance(2 * INTERVAL);
    expect(slow.isLeader()).toBe(true);
    expect(await other.tick()).toBe(false);
    release();
    expect(await first).toBe(true);
    expect(started).toBe(1);
  });

  it('when the job fails, then health reports it on the leader and the lease is kept', async () => {
    const { a } = twoInstances();
    const failing = new LeasedTask({
      lease: new MemoryLease(new ManualClock()),
      name: 'x',
      holder: 'h',
      intervalMs: INTERVAL,
      job: async () => {
        throw new Error('S3 down');
      },
      clock: new ManualClock(),
      logger,
    });
    expect(await failing.tick()).toBe(true);
    expect(failing.health()).toEqual({ name: 'x', leader: true, lastRunAt: expect.any(Date), lastError: 'S3 down' });
    expect(a.health()).toEqual({ name: 'retention-sweep', leader: false, lastRunAt: null, lastError: null });
  });

  it('when the lease store fails, then no job runs', async () => {
    const broken: Lease = {
      tryAcquire: async () => {
        throw new Error('redis down');
      },
      release: async () => undefined,
      holder: async () => null,
      close: async () => undefined,
    };
    const { a, runs } = twoInstances(() => broken);
    expect(await a.tick()).toBe(false);
    expect(runs).toEqual([]);
    expect(a.isLeader()).toBe(false);
  });

  it('when two instances run RetentionSweepers on shared storage under the lease, then one sweeps and the other does nothing', async () => {
    const clock = new ManualClock(new Date('2026-03-01T00:00:00Z'));
    const repository = new MemoryReportRepository();
    const blobStore = new MemoryBlobStore(localUrlSigner('s', 'http://x', () => 0));
    const createdAt = new Date(clock.now().getTime() - 31 * 24 * 3600 * 1000);
    for (let i = 0; i < 12; i++) {
      const record: BlobRecord = {
        id: `old-${i}`,
        appId: 'app',
        groupHash: 'a'.repeat(64),
        ...reportBody(),
        storage: { driver: 'memory', key: `reports/app/old-${i}.json.gz`, compressedSize: 1, decompressedSize: 1, contentType: 'application/json', encoding: 'gzip+base64' },
        createdAt,
        expiresAt: expiresAt(createdAt, 30),
      };
      await blobStore.put(record.storage.key, Buffer.from('x'));
      await repository.insertBlob(record);
    }
    const lease = new MemoryLease(clock);
    const swept: Record<string, number> = {};
    const instance = (holder: string) => {
      const sweeper = new RetentionSweeper({ repository, blobStore, clock, logger, lookaheadMs: 0 });
      return new LeasedTask({ lease, name: 'retention-sweep', holder, intervalMs: INTERVAL, clock, logger, job: async () => (swept[holder] = await sweeper.sweepOnce()) });
    };
    const [a, b] = [instance('a'), instance('b')];
    expect((await Promise.all([a.tick(), b.tick()])).filter(Boolean)).toHaveLength(1);
    expect(Object.values(swept)).toEqual([12]);
    expect(await blobStore.list('reports/')).toEqual([]);
  });
});
