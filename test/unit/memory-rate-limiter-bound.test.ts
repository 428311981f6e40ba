import { MemoryRateLimiter } from '../../src/adapters/memory/memory-rate-limiter';
import { ManualClock } from '../fixtures/clock';

describe('MemoryRateLimiter under a flood of unique keys', () => {
  it('when more keys arrive than maxWindows, then it keeps at most maxWindows and forgets the oldest first', async () => {
    const limiter = new MemoryRateLimiter(new ManualClock(), 1000);
    const rule = (key: string) => ({ scope: 'device', key, limit: 1, windowSeconds: 3600 });
    for (let i = 0; i < 5000; i++) expect((await limiter.consume([rule(`d${i}`)])).allowed).toBe(true);
    const windows = (limiter as unknown as { windows: Map<string, unknown> }).windows;
    expect(windows.size).toBeLessThanOrEqual(1000);
    // The newest keys are still limited; the oldest were forgotten and pass again.
    expect((await limiter.consume([rule('d4999')])).allowed).toBe(false);
    expect((await limiter.consume([rule('d0')])).allowed).toBe(true);
  });
});
