import { COMMANDS, COMMON_OPTIONS, matchCommand, OPTION_SHAPES } from '../../src/cli/commands';
import { flag, intOption, parseArgs, requiredOption, stringOption, UsageError } from '../../src/cli/parse-args';

const SHAPES = [{ name: 'app', value: '<app>' }, { name: 'name', value: '<name>' }, { name: 'limit', value: '<n>' }, { name: 'enable' }, { name: 'json' }];
const parse = (argv: string[]) => parseArgs(argv, SHAPES);

describe('CLI argument parsing (node:util parseArgs)', () => {
  it('when words, valued options and flags are mixed, then each lands in its place', () => {
    const args = parse(['apps', 'reports', '--app', 'a1', '--enable', '--name=My App', 'extra']);
    expect(args.words).toEqual(['apps', 'reports', 'extra']);
    expect(Object.fromEntries(args.options)).toEqual({ app: 'a1', enable: true, name: 'My App' });
    expect(requiredOption(args, 'app')).toBe('a1');
    expect(flag(args, 'enable')).toBe(true);
    expect(flag(args, 'disable')).toBe(false);
    expect(stringOption(args, 'missing')).toBeUndefined();
  });

  it('when an option comes before the command words, then it is still an option with its value', () => {
    const args = parse(['--json', '--app', 'desktop', 'rollouts', 'rates']);
    expect(args.words).toEqual(['rollouts', 'rates']);
    expect(Object.fromEntries(args.options)).toEqual({ json: true, app: 'desktop' });
  });

  it('when an option is repeated, malformed, missing its value or given one it takes not, then UsageError', () => {
    expect(() => parse(['--app', 'a', '--app', 'b'])).toThrow('--app given twice');
    expect(() => parse(['--=x'])).toThrow(UsageError);
    expect(() => parse(['-a'])).toThrow('malformed option "-a": options are written --name');
    expect(() => requiredOption(parse(['--app']), 'app')).toThrow('--app needs a value');
    expect(() => parse(['--app', '--json'])).toThrow('--app needs a value');
    expect(() => requiredOption(parse([]), 'app')).toThrow('--app is required');
    expect(() => flag(parse(['--enable=yes']), 'enable')).toThrow('--enable takes no value');
    expect(parse(['--enable', 'yes']).words).toEqual(['yes']);
  });

  it('when a value starts with a single dash, or follows =, then it is the value', () => {
    expect(stringOption(parse(['--name', '-x']), 'name')).toBe('-x');
    expect(stringOption(parse(['--name=--x']), 'name')).toBe('--x');
  });

  it('when an integer option is out of range or not an integer, then UsageError; absent gives the fallback', () => {
    expect(intOption(parse(['--limit', '50']), 'limit', 100, 1, 1000)).toBe(50);
    expect(intOption(parse([]), 'limit', 100, 1, 1000)).toBe(100);
    expect(() => intOption(parse(['--limit', '0']), 'limit', 100, 1, 1000)).toThrow(UsageError);
    expect(() => intOption(parse(['--limit', '2.5']), 'limit', 100, 1, 1000)).toThrow(UsageError);
  });
});

describe('the command table and the parser', () => {
  it('when an option name is used by several commands, then it takes a value in all of them or in none', () => {
    const all = [...COMMON_OPTIONS, ...COMMANDS.flatMap((c) => c.options)];
    const mixed = OPTION_SHAPES.filter((shape) => all.some((o) => o.name === shape.name && (o.value === undefined) !== (shape.value === undefined)));
    expect(mixed).toEqual([]);
  });

  it('when words follow a command, then they are left over for a usage error; unknown words match nothing', () => {
    expect(matchCommand(['groups', 'resolve'])).toMatchObject({ command: { name: 'groups resolve' }, extra: [] });
    expect(matchCommand(['apps', 'reports', 'yes'])).toMatchObject({ command: { name: 'apps reports' }, extra: ['yes'] });
    expect(matchCommand(['token', 'x'])).toMatchObject({ command: { name: 'token' }, extra: ['x'] });
    expect(matchCommand(['frobnicate'])).toBeNull();
    expect(matchCommand([])).toBeNull();
  });
});
