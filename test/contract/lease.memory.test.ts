import { MemoryLease } from '../../src/adapters/memory/memory-lease';
import { leaseContract } from './lease.contract';

leaseContract('memory', async (clock) => {
  const lease = new MemoryLease(clock);
  return { contender: () => lease, cleanup: async () => undefined, advance: async (ms) => clock.advance(ms) };
});
