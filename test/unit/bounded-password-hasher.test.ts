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

describe('BoundedPasswordHasher', () => {
  it('when the bound is reached, then a further verify is refused at once with UnavailableError and Retry-After 1 s', async () => {
    const inner = new GatedHasher();
    const hasher = new BoundedPasswordHasher(inner, 2);
    const first = hasher.verify('a', 'plain:a', 's');
    const second = hasher.verify('b', 'plain:x', 's');
    const refused = await hasher.verify('c', 'plain:c', 's').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(UnavailableError);
    expect((refused as UnavailableError).retryAfterSeconds).toBe(1);
    expect(inner.pending).toHaveLength(2);
    inner.releaseAll();
    await expect(first).resolves.toBe(true);
    await expect(second).resolves.toBe(false);
    expect(hasher.inFlight).toBe(0);
    const third = hasher.verify('c', 'plain:c', 's');
    await tick();
    inner.releaseAll();
    await expect(third).resolves.toBe(true);
  });

  it('when the bound is reached, then hash (a new password) waits for a slot instead of failing', async () => {
    const inner = new GatedHasher();
    const hasher = new BoundedPasswordHasher(inner, 1);
    const busy = hasher.verify('a', 'plain:a', 's');
    const waiting = hasher.hash('new-password');
    await tick();
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
    const hasher = new BoundedPasswordHasher(failing, 1);
    await expect(hasher.verify('a', 'b', 'c')).rejects.toThrow('boom');
    await expect(hasher.verify('a', 'b', 'c')).rejects.toThrow('boom');
    expect(hasher.inFlight).toBe(0);
  });
});
