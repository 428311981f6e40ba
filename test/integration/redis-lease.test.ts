import { connectRedis } from '../../src/adapters/redis/redis-client';
import { RedisLease } from '../../src/adapters/redis/redis-lease';
import { leaseContract } from '../contract/lease.contract';
import { advanceRedisTtls } from '../fixtures/redis-ttl';
import { describeWhenReachable, unreachableReason } from './service-probe';

const REDIS_URL = process.env.REDIS_URL;
const describeRedis = describeWhenReachable('Redis lease integration', unreachableReason('REDIS_URL', REDIS_URL, 6379));

describeRedis('RedisLease against real Redis', () => {
  // Redis expires keys by its own clock: time moves by shortening the run's keys' TTLs.
  leaseContract('redis', async (_clock, run) => {
    const clients = await Promise.all([connectRedis(REDIS_URL!), connectRedis(REDIS_URL!), connectRedis(REDIS_URL!)]);
    const leases = clients.map((client) => new RedisLease(client));
    return {
      contender: (i) => leases[i % leases.length]!,
      cleanup: async () => void (await Promise.all(clients.map((c) => c.quit()))),
      advance: (ms) => advanceRedisTtls([clients[0]!], `*${run}*`, ms),
    };
  });
});
