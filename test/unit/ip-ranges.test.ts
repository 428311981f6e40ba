import { addressKey, classifyAddress, isForbiddenDestination, parseIp } from '../../src/domain/ip-ranges';

describe('classifyAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['fd12:3456::1', 'private'],
    ['fc00::1', 'private'],
    ['169.254.1.1', 'link_local'],
    ['fe80::1', 'link_local'],
    ['FE80::1%eth0', 'link_local'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.255', 'cgnat'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['::ffff:127.0.0.1', 'ipv4_mapped'],
    ['::ffff:8.8.8.8', 'ipv4_mapped'],
    ['::ffff:7f00:1', 'ipv4_mapped'],
    ['169.254.169.254', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['64:ff9b::7f00:1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['8.8.8.8', 'public'],
    ['172.32.0.1', 'public'],
    ['100.128.0.1', 'public'],
    ['2606:4700:4700::1111', 'public'],
    ['[2606:4700:4700::1111]', 'public'],
    ['not-an-ip', 'invalid'],
    ['1.2.3', 'invalid'],
    ['01.2.3.4', 'invalid'],
    ['1:2:3:4:5:6:7:8:9', 'invalid'],
    ['1::2::3', 'invalid'],
  ])('when the address is %s, then it is %s', (address, kind) => {
    expect(classifyAddress(address)).toBe(kind);
  });

  it('when IPv6 is written with an embedded IPv4 tail, then it parses to the same 16 bytes', () => {
    expect(parseIp('::ffff:1.2.3.4')).toEqual(parseIp('::ffff:102:304'));
    expect(parseIp('1:2:3:4:5:6:7:8')).toHaveLength(16);
  });
});

describe('isForbiddenDestination', () => {
  it('when private destinations are allowed, then loopback passes but an invalid address never does', () => {
    expect(isForbiddenDestination('127.0.0.1', false)).toBe('loopback');
    expect(isForbiddenDestination('127.0.0.1', true)).toBeNull();
    expect(isForbiddenDestination('bogus', true)).toBe('invalid');
    expect(isForbiddenDestination('93.184.216.34', false)).toBeNull();
  });
});

describe('addressKey', () => {
  it('when the address is IPv4, then it is its own key, also written IPv4-mapped', () => {
    expect(addressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
  });

  it('when two IPv6 addresses share their first 64 bits, then they share a key; another /64 has another', () => {
    const a = addressKey('2001:db8:1:2:aaaa::1');
    expect(a).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:0db8:0001:0002:ffff:ffff:ffff:ffff')).toBe(a);
    expect(addressKey('[2001:db8:1:2::9]')).toBe(a);
    expect(addressKey('2001:db8:1:3::1')).not.toBe(a);
  });

  it('when the text is no address, then it is its own key', () => {
    expect(addressKey('unknown')).toBe('unknown');
    expect(addressKey('')).toBe('');
  });
});
