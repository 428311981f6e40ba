// Which addresses a webhook may be sent to. Parsed here without node:net so the rule is pure and
// testable; the http-client adapter applies it to every address DNS returns, on every attempt.

export type AddressClass =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link_local'
  | 'cgnat'
  | 'multicast'
  | 'unspecified'
  | 'ipv4_mapped'
  | 'metadata'
  | 'reserved'
  | 'invalid';

/** 4 bytes for IPv4, 16 for IPv6, null when `text` is neither. */
export function parseIp(text: string): number[] | null {
  const v4 = parseIpv4(text);
  if (v4) return v4;
  return parseIpv6(text.replace(/^\[|\]$/g, '').replace(/%.*$/, ''));
}

function parseIpv4(text: string): number[] | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const bytes = parts.map((p) => (/^(0|[1-9]\d{0,2})$/.test(p) ? Number(p) : NaN));
  return bytes.every((b) => b >= 0 && b <= 255) ? bytes : null;
}

function parseIpv6(text: string): number[] | null {
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return null;
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const groups = (half: string): number[] | null => {
    if (half === '') return [];
    const out: number[] = [];
    const parts = half.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (i === parts.length - 1 && p.includes('.')) {
        const v4 = parseIpv4(p);
        if (!v4) return null;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(p)) {
        out.push(parseInt(p, 16));
      } else {
        return null;
      }
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !tail) return null;
  let all: number[];
  if (halves.length === 2) {
    const missing = 8 - head.length - tail.length;
    if (missing < 1) return null;
    all = [...head, ...new Array<number>(missing).fill(0), ...tail];
  } else {
    all = head;
  }
  if (all.length !== 8) return null;
  return all.flatMap((g) => [g >> 8, g & 0xff]);
}

const inPrefix = (bytes: readonly number[], prefix: readonly number[], bits: number): boolean => {
  for (let i = 0; i < bits; i++) {
    const byte = i >> 3;
    const mask = 0x80 >> (i & 7);
    if ((bytes[byte]! & mask) !== ((prefix[byte] ?? 0) & mask)) return false;
  }
  return true;
};

const V4_RANGES: Array<[number[], number, AddressClass]> = [
  [[169, 254, 169, 254], 32, 'metadata'],
  [[0, 0, 0, 0], 8, 'unspecified'],
  [[10, 0, 0, 0], 8, 'private'],
  [[100, 64, 0, 0], 10, 'cgnat'],
  [[127, 0, 0, 0], 8, 'loopback'],
  [[169, 254, 0, 0], 16, 'link_local'],
  [[172, 16, 0, 0], 12, 'private'],
  [[192, 0, 0, 0], 24, 'reserved'],
  [[192, 0, 2, 0], 24, 'reserved'],
  [[192, 168, 0, 0], 16, 'private'],
  [[198, 18, 0, 0], 15, 'reserved'],
  [[198, 51, 100, 0], 24, 'reserved'],
  [[203, 0, 113, 0], 24, 'reserved'],
  [[224, 0, 0, 0], 4, 'multicast'],
  [[240, 0, 0, 0], 4, 'reserved'],
];

const v6 = (text: string) => parseIpv6(text)!;
const V6_RANGES: Array<[number[], number, AddressClass]> = [
  [v6('fd00:ec2::254'), 128, 'metadata'],
  [v6('::'), 128, 'unspecified'],
  [v6('::1'), 128, 'loopback'],
  [v6('::ffff:0:0'), 96, 'ipv4_mapped'],
  // IPv4-compatible (deprecated) and NAT64 addresses both reach an IPv4 host the check never saw.
  [v6('::'), 96, 'reserved'],
  [v6('64:ff9b::'), 96, 'reserved'],
  [v6('64:ff9b:1::'), 48, 'reserved'],
  [v6('100::'), 64, 'reserved'],
  [v6('2001:db8::'), 32, 'reserved'],
  [v6('2002::'), 16, 'reserved'],
  [v6('fc00::'), 7, 'private'],
  [v6('fe80::'), 10, 'link_local'],
  [v6('fec0::'), 10, 'reserved'],
  [v6('ff00::'), 8, 'multicast'],
];

/** The first matching range wins, so the metadata addresses are named before their wider ranges. */
export function classifyAddress(text: string): AddressClass {
  const bytes = parseIp(text);
  if (!bytes) return 'invalid';
  const ranges = bytes.length === 4 ? V4_RANGES : V6_RANGES;
  for (const [prefix, bits, kind] of ranges) if (inPrefix(bytes, prefix, bits)) return kind;
  return 'public';
}

/** A webhook may connect only to public addresses, unless private destinations are allowed (tests, on-prem). */
export function isForbiddenDestination(address: string, allowPrivate: boolean): AddressClass | null {
  const kind = classifyAddress(address);
  if (kind === 'public') return null;
  if (kind === 'invalid') return kind;
  return allowPrivate ? null : kind;
}

/**
 * What a per-address limit counts by: an IPv4 address as it is (also when written IPv4-mapped,
 * ::ffff:a.b.c.d), and an IPv6 address by its /64, since one subscriber is usually given a whole
 * /64 and could otherwise rotate addresses without end. Text that is no address is its own key.
 */
export function addressKey(text: string): string {
  const bytes = parseIp(text);
  if (!bytes) return text;
  if (bytes.length === 4) return bytes.join('.');
  if (inPrefix(bytes, MAPPED_V4, 96)) return bytes.slice(12).join('.');
  const groups: string[] = [];
  for (let i = 0; i < 8; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return `${groups.join(':')}::/64`;
}

const MAPPED_V4 = v6('::ffff:0:0');
