import { flag, intOption, parseArgs, requiredOption, stringOption, UsageError } from '../../src/cli/parse-args';

describe('CLI argument parsing', () => {
  it('when words, valued options and flags are mixed, then each lands in its place', () => {
    const args = parseArgs(['apps', 'reports', '--app', 'a1', '--enable', '--name=My App', 'extra']);
    expect(args.words).toEqual(['apps', 'reports', 'extra']);
    expect(Object.fromEntries(args.options)).toEqual({ app: 'a1', enable: true, name: 'My App' });
    expect(requiredOption(args, 'app')).toBe('a1');
    expect(flag(args, 'enable')).toBe(true);
    expect(flag(args, 'disable')).toBe(false);
    expect(stringOption(args, 'missing')).toBeUndefined();
  });

  it('when an option is repeated, malformed, missing its value or given one it takes not, then UsageError', () => {
    expect(() => parseArgs(['--app', 'a', '--app', 'b'])).toThrow(UsageError);
    expect(() => parseArgs(['--=x'])).toThrow(UsageError);
    expect(() => requiredOption(parseArgs(['--app']), 'app')).toThrow('--app needs a value');
    expect(() => requiredOption(parseArgs([]), 'app')).toThrow('--app is required');
    expect(() => flag(parseArgs(['--enable', 'yes']), 'enable')).toThrow('--enable takes no value');
  });

  it('when an integer option is out of range or not an integer, then UsageError; absent gives the fallback', () => {
    expect(intOption(parseArgs(['--limit', '50']), 'limit', 100, 1, 1000)).toBe(50);
    expect(intOption(parseArgs([]), 'limit', 100, 1, 1000)).toBe(100);
    expect(() => intOption(parseArgs(['--limit', '0']), 'limit', 100, 1, 1000)).toThrow(UsageError);
    expect(() => intOption(parseArgs(['--limit', '2.5']), 'limit', 100, 1, 1000)).toThrow(UsageError);
  });
});
