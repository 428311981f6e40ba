import { MemoryRateLimiter } from '../../src/adapters/memory/memory-rate-limiter';
import { rateLimiterContract } from './rate-limiter.contract';

rateLimiterContract('memory', async (clock) => {
  const limiter = new MemoryRateLimiter(clock);
  return { limiter, cleanup: () => limiter.close(), advance: async (ms) => clock.advance(ms) };
});
