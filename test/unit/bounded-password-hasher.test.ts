import { BoundedPasswordHasher } from '../../src/app/bounded-password-hasher';
import { UnavailableError } from '../../src/domain/errors';
import type { PasswordHash, PasswordHasher } from '../../src/ports/password-hasher';

/** Every hash or verify waits until the test releases it. */
class GatedHasher implements PasswordHasher {
  readonly pending: Array<() => void> = [];
  private gate<T>(value: T): Promise<T> {
    return new Promise((resolve) => this.pending.push(() => resolve(value)));
  }
  hash(password: string): Promise<PasswordHash> {
    return this.gate({ hash: `plain:${password}`, salt: 's' });
  }
  verify(password: string, hash: string): Promise<boolean> {
    return this.gate(hash === `plain:${password}`);
  }
  releaseAll() {
    for (const release of this.pending.splice(0)) release();
  }
}

const tick = () => new Promise((resolve) => setImmediate(resolve));
const refusal = (promise: Promise<unknown>) => promise.then(() => 'resolved', (e: unknown) => e);

describe('BoundedPasswordHasher', () => {
  it('when every slot is busy and the queue is full, then a further verify is refused at once with UnavailableError and Retry-After 1 s', async () => {
    const inner = new GatedHasher();
    const hasher = new BoundedPasswordHasher(inner, { maxConcurrent: 2, maxWaiting: 1, maxWaitMs: 10_000 });
    const first = hasher.verify('a', 'plain:a', 's');
    const second = hasher.verify('b', 'plain:x', 's');
    const queued = hasher.verify('q', 'plain:q', 's');
    const refused = await refusal(hasher.verify('c', 'plain:c', 's'));
    expect(refused).toBeInstanceOf(UnavailableError);
    expect((refused as UnavailableError).retryAfterSeconds).toBe(1);
    expect(inner.pending).toHaveLength(2);
    inner.releaseAll();
    await expect(first).resolves.toBe(true);
    await expect(second).resolves.toBe(false);
    await tick();
    expect(hasher.inFlight).toBe(1);
    inner.releaseAll();
    await expect(queued).resolves.toBe(true);
    expect(hasher.inFlight).toBe(0);
  });

  it('when a queued verify waits longer than maxWaitMs behind another waiter, then it is refused and leaves the queue; the one next in line keeps waiting', async () => {
    const inner = new GatedHasher();
    const hasher = new BoundedPasswordHasher(inner, { maxConcurrent: 1, maxWaiting: 4, maxWaitMs: 20 });
    const busy = hasher.verify('a', 'plain:a', 's');
    const next = hasher.verify('b', 'plain:b', 's');
    await expect(hasher.verify('c', 'plain:c', 's')).rejects.toBeInstanceOf(UnavailableError);
    await new Promise((resolve) => setTimeout(resolve, 50));
    inner.releaseAll();
    await expect(busy).resolves.toBe(true);
    await tick();
    inner.releaseAll();
    await expect(next).resolves.toBe(true);
    expect(hasher.inFlight).toBe(0);
  });

  it('when the one next in line has waited past maxWaitMs and a sign-in of a lower rank arrives, then the newcomer goes first and the expired one is refused', async () => {
    const inner = new GatedHasher();
    const hasher = new BoundedPasswordHasher(inner, { maxConcurrent: 1, maxWaiting: 4, maxWaitMs: 20 });
    const busy = hasher.verify('a', 'plain:a', 's', 1);
    const expired = refusal(hasher.verify('b', 'plain:b', 's', 9));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const polite = hasher.verify('c', 'plain:c', 's', 1);
    expect(await expired).toBeInstanceOf(UnavailableError);
    inner.releaseAll();
    await expect(busy).resolves.toBe(true);
    await tick();
    inner.releaseAll();
    await expect(polite).resolves.toBe(true);
  });

  it('when every slot is busy, then hash (a new password) waits for a slot however full the queue is', async () => {
    const inner = new GatedHasher();
    const hasher = new BoundedPasswordHasher(inner, { maxConcurrent: 1, maxWaiting: 0, maxWaitMs: 1 });
    const busy = hasher.verify('a', 'plain:a', 's');
    const waiting = hasher.hash('new-password');
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(inner.pending).toHaveLength(1);
    inner.releaseAll();
    await expect(busy).resolves.toBe(true);
    await tick();
    expect(hasher.inFlight).toBe(1);
    inner.releaseAll();
    await expect(waiting).resolves.toEqual({ hash: 'plain:new-password', salt: 's' });
    expect(hasher.inFlight).toBe(0);
  });

  it('when the inner hasher rejects, then the slot is freed', async () => {
    const failing: PasswordHasher = { hash: () => Promise.reject(new Error('boom')), verify: () => Promise.reject(new Error('boom')) };
    const hasher = new BoundedPasswordHasher(failing, { maxConcurrent: 1, maxWaiting: 0, maxWaitMs: 1 });
    await expect(hasher.verify('a', 'b', 'c')).rejects.toThrow('boom');
    await expect(hasher.verify('a', 'b', 'c')).rejects.toThrow('boom');
    expect(hasher.inFlight).toBe(0);
  });
  it('when the queue is full and a sign-in of a lower rank arrives, then the highest-ranked waiter is refused and the newcomer is served next', async () => {
    const inner = new GatedHasher();
    const hasher = new BoundedPasswordHasher(inner, { maxConcurrent: 1, maxWaiting: 2, maxWaitMs: 10_000 });
    const running = hasher.verify('a', 'plain:a', 's', 5);
    const early = hasher.verify('b', 'plain:b', 's', 40);
    const late = refusal(hasher.verify('c', 'plain:c', 's', 50));
    const polite = hasher.verify('d', 'plain:d', 's', 1);
    expect(await late).toBeInstanceOf(UnavailableError);
    inner.releaseAll();
    await expect(running).resolves.toBe(true);
    await tick();
    // The polite one went ahead of the one that was waiting already.
    expect(inner.pending).toHaveLength(1);
    inner.releaseAll();
    await expect(polite).resolves.toBe(true);
    await tick();
    inner.releaseAll();
    await expect(early).resolves.toBe(true);
    expect(hasher.inFlight).toBe(0);
  });

  it('when the queue is full and a sign-in of an equal or higher rank arrives, then the newcomer is refused and the waiters keep their places', async () => {
    const inner = new GatedHasher();
    const hasher = new BoundedPasswordHasher(inner, { maxConcurrent: 1, maxWaiting: 1, maxWaitMs: 10_000 });
    const running = hasher.verify('a', 'plain:a', 's', 1);
    const waiting = hasher.verify('b', 'plain:b', 's', 3);
    await expect(hasher.verify('c', 'plain:c', 's', 3)).rejects.toBeInstanceOf(UnavailableError);
    await expect(hasher.verify('d', 'plain:d', 's', 7)).rejects.toBeInstanceOf(UnavailableError);
    inner.releaseAll();
    await expect(running).resolves.toBe(true);
    await tick();
    inner.releaseAll();
    await expect(waiting).resolves.toBe(true);
  });
});
