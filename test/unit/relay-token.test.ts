import { relayToken, relayTokenDigest, relayTokenHint, relayTokenId, relayTokenMatches, relayTokenName } from '../../src/domain/relay-token';

const ID = '0123456789abcdef01234567';
const SECRET = 'f'.repeat(60) + '9f3a';
const TOKEN = relayToken(ID, SECRET);

describe('relay tokens', () => {
  it('when a token is made, then it is rlt_, its id, _ and its secret, and its id reads back', () => {
    expect(TOKEN).toBe(`rlt_${ID}_${SECRET}`);
    expect(relayTokenId(TOKEN)).toBe(ID);
  });

  it('when a token is malformed (a report key, wrong lengths, upper case, spaces around), then it names no id', () => {
    for (const bad of [`rpk_${'a'.repeat(64)}`, `rlt_${ID}_${SECRET}0`, `rlt_${ID.slice(1)}_${SECRET}`, TOKEN.toUpperCase(), ` ${TOKEN}`, `rlt_${ID}${SECRET}`, '']) {
      expect({ bad, id: relayTokenId(bad) }).toEqual({ bad, id: null });
    }
  });

  it('when the stored digest is compared, then only the very token matches (hex SHA-256 of the whole token)', () => {
    const digest = relayTokenDigest(TOKEN);
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    expect(relayTokenMatches(TOKEN, digest)).toBe(true);
    expect(relayTokenMatches(relayToken(ID, '0'.repeat(64)), digest)).toBe(false);
    expect(relayTokenMatches(TOKEN, 'not hex')).toBe(false);
    expect(relayTokenMatches(TOKEN, digest.slice(0, 62))).toBe(false);
  });

  it('when a token is listed, then its hint shows the id and the last four characters only', () => {
    expect(relayTokenHint(ID, '9f3a')).toBe(`rlt_${ID}_…9f3a`);
  });

  it('when a name is given, then it is trimmed; blank, over 100 characters or with control characters, it is refused', () => {
    expect(relayTokenName('  eu-relay-1 ')).toBe('eu-relay-1');
    expect(relayTokenName('x'.repeat(100))).toBe('x'.repeat(100));
    for (const bad of ['', '   ', 'x'.repeat(101), 'a\nb', 'tab\there']) expect(relayTokenName(bad)).toBeNull();
  });
});
