/** A command line as words and `--name value` / `--name=value` / `--flag` options. */
export interface ParsedArgs {
  words: string[];
  options: Map<string, string | true>;
}

/** The invocation itself is wrong: unknown command or option, missing or malformed value. */
export class UsageError extends Error {
  readonly code = 'usage';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const words: string[] = [];
  const options = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--') || arg === '--') {
      if (arg !== '--') words.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    if (name === '') throw new UsageError(`malformed option "${arg}"`);
    if (options.has(name)) throw new UsageError(`--${name} given twice`);
    const next = argv[i + 1];
    if (eq !== -1) options.set(name, arg.slice(eq + 1));
    else if (next !== undefined && !next.startsWith('--')) options.set(name, argv[++i]!);
    else options.set(name, true);
  }
  return { words, options };
}

export function stringOption(args: ParsedArgs, name: string): string | undefined {
  const value = args.options.get(name);
  if (value === true) throw new UsageError(`--${name} needs a value`);
  return value;
}

export function requiredOption(args: ParsedArgs, name: string): string {
  const value = stringOption(args, name);
  if (value === undefined || value.trim() === '') throw new UsageError(`--${name} is required`);
  return value;
}

export function flag(args: ParsedArgs, name: string): boolean {
  const value = args.options.get(name);
  if (value !== undefined && value !== true) throw new UsageError(`--${name} takes no value`);
  return value === true;
}

export function intOption(args: ParsedArgs, name: string, fallback: number, min: number, max: number): number {
  const raw = stringOption(args, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max}`);
  return value;
}
