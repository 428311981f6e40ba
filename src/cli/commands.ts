import { accountCommands } from './account-commands';
import { beaconCommands } from './beacon-commands';
import type { Command, OptionSpec } from './command';
import { UsageError, type OptionShape, type ParsedArgs } from './parse-args';
import { relayCommands } from './relay-commands';
import { reportCommands } from './report-commands';
import { rolloutCommands } from './rollout-commands';
import { verdictCommands } from './verdict-commands';

/**
 * The command table. A new command is one entry: a `command({...})` in a family file (or a new
 * family array spread in here). Help, option checking, --json and exit codes come from the table.
 */
export const COMMANDS: readonly Command[] = [...accountCommands, ...reportCommands, ...rolloutCommands, ...beaconCommands, ...relayCommands, ...verdictCommands];

/** Options every command takes. */
export const COMMON_OPTIONS: readonly OptionSpec[] = [
  { name: 'json', help: 'print the result as one JSON document (the API\'s snake_case)' },
  { name: 'help', help: 'print this help' },
];

/** Every option any command takes, once: the parser needs to know which take a value. */
export const OPTION_SHAPES: readonly OptionShape[] = [...new Map([...COMMON_OPTIONS, ...COMMANDS.flatMap((c) => c.options)].map((o) => [o.name, o])).values()];

export function findCommand(words: readonly string[], commands: readonly Command[] = COMMANDS): Command | null {
  return commands.find((c) => c.name === words.join(' ')) ?? null;
}

/** The command the leading words name (`groups resolve`, `token`), and the words left after it. */
export function matchCommand(words: readonly string[], commands: readonly Command[] = COMMANDS): { command: Command; extra: string[] } | null {
  for (const n of [2, 1]) {
    const command = words.length >= n ? findCommand(words.slice(0, n), commands) : null;
    if (command) return { command, extra: words.slice(n) };
  }
  return null;
}

/** The commands a help request is about: one command, a family (`apps`), or all. */
export function commandsFor(words: readonly string[], commands: readonly Command[] = COMMANDS): Command[] {
  if (words.length === 0) return [...commands];
  const exact = findCommand(words, commands);
  if (exact) return [exact];
  return commands.filter((c) => c.name.split(' ')[0] === words[0] && words.length === 1);
}

const optionUsage = (o: OptionSpec) => {
  const text = o.value ? `--${o.name} ${o.value}` : `--${o.name}`;
  return o.required ? text : `[${text}]`;
};

export const usageLine = (c: Command) => `telltale ${c.name} ${c.options.map(optionUsage).join(' ')}`.trimEnd();

export function commandHelp(c: Command): string {
  const width = Math.max(...[...c.options, ...COMMON_OPTIONS].map((o) => optionUsage(o).replace(/^\[|\]$/g, '').length));
  const lines = [`Usage: ${usageLine(c)} [--json]`, '', c.summary, '', 'Options:'];
  for (const o of [...c.options, ...COMMON_OPTIONS]) lines.push(`  ${optionUsage(o).replace(/^\[|\]$/g, '').padEnd(width)}  ${o.help}${o.required ? ' (required)' : ''}`);
  if (c.details) lines.push('', c.details);
  return lines.join('\n');
}

export function overviewHelp(commands: readonly Command[] = COMMANDS): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'Usage: telltale <command> [options] [--json]',
    '',
    'Admin commands on the service\'s own configuration (the same environment and .env as the server).',
    'Output is human-readable; --json prints one JSON document in the API\'s snake_case.',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'telltale <command> --help shows a command\'s options. Exit codes: 0 done, 1 failed, 2 bad invocation.',
  ].join('\n');
}

/** Refuses options the command does not take and missing required ones, before anything starts. */
export function checkOptions(c: Command, args: ParsedArgs): void {
  const known = new Set([...c.options, ...COMMON_OPTIONS].map((o) => o.name));
  for (const option of args.options.keys()) {
    if (!known.has(option)) throw new UsageError(`${c.name} does not take --${option}; usage: ${usageLine(c)}`);
  }
  for (const o of c.options) {
    if (o.required && !args.options.has(o.name)) throw new UsageError(`--${o.name} is required; usage: ${usageLine(c)}`);
  }
}
