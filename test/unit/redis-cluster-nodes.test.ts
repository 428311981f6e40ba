import { parseClusterNodes } from '../../src/adapters/redis/redis-client';

describe('parseClusterNodes', () => {
  it('when given host:port pairs, then each becomes a node, spaces and empty entries ignored', () => {
    expect(parseClusterNodes('127.0.0.1:7001, redis-b.internal:7002,,redis-c:7003 ')).toEqual([
      { host: '127.0.0.1', port: 7001 },
      { host: 'redis-b.internal', port: 7002 },
      { host: 'redis-c', port: 7003 },
    ]);
  });

  it('when a node is an IPv6 address in brackets, then the brackets are dropped', () => {
    expect(parseClusterNodes('[::1]:7001,[fd00::2]:7002')).toEqual([
      { host: '::1', port: 7001 },
      { host: 'fd00::2', port: 7002 },
    ]);
  });

  it.each([
    ['', 'empty value'],
    [' , ', 'empty value'],
    ['127.0.0.1', '"127.0.0.1" is not host:port'],
    ['127.0.0.1:0', '"127.0.0.1:0" is not host:port'],
    ['127.0.0.1:65536', '"127.0.0.1:65536" is not host:port'],
    ['redis://127.0.0.1:7001', '"redis://127.0.0.1:7001" is not host:port'],
    ['::1:7001', '"::1:7001" is not host:port'],
    ['a:7001,b:x', '"b:x" is not host:port'],
  ])('when the value is %j, then it throws naming REDIS_CLUSTER_NODES (%s)', (value, message) => {
    expect(() => parseClusterNodes(value)).toThrow(new RegExp(`^REDIS_CLUSTER_NODES: .*${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  });
});
