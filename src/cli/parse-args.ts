import { parseArgs as parseWithNode } from 'node:util';

/** A command line as words and `--name value` / `--name=value` / `--flag` options. */
export interface ParsedArgs {
  words: string[];
  options: Map<string, string | true>;
}

/** An option as the parser needs it: with a `value` placeholder it takes one, without it is a flag. */
export interface OptionShape {
  name: string;
  value?: string;
}

/** The invocation itself is wrong: unknown command or option, missing or malformed value. */
export class UsageError extends Error {
  readonly code = 'usage';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

const OPTION_NAME = /^[a-z][a-z0-9-]*$/;

/**
 * node:util's parseArgs, told which options take a value, so `--app desktop` is an option and its
 * value wherever it stands. Unknown options are kept (as flags, or with their `=value`) for the
 * command table to refuse by name with the command's usage; a repeated option is refused here.
 */
export function parseArgs(argv: readonly string[], shapes: readonly OptionShape[] = []): ParsedArgs {
  const config = Object.fromEntries(shapes.map((s) => [s.name, { type: s.value === undefined ? ('boolean' as const) : ('string' as const) }]));
  const { tokens } = parseWithNode({ args: [...argv], options: config, strict: false, allowPositionals: true, tokens: true });
  const words: string[] = [];
  const options = new Map<string, string | true>();
  for (const token of tokens) {
    if (token.kind === 'positional') words.push(token.value);
    if (token.kind !== 'option') continue;
    if (!token.rawName.startsWith('--') || !OPTION_NAME.test(token.name)) throw new UsageError(`malformed option "${token.rawName}": options are written --name`);
    if (options.has(token.name)) throw new UsageError(`--${token.name} given twice`);
    // node takes the next word as the value even when it is another option: `--app --json`.
    if (token.value !== undefined && !token.inlineValue && token.value.startsWith('--')) throw new UsageError(`--${token.name} needs a value`);
    options.set(token.name, token.value ?? true);
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
