#!/usr/bin/env node
import pino from 'pino';
import { createServiceLogger } from './adapters/pino/pino-logger';
import { CannotStartError, start } from './composition/start';
import { checkOptions, commandHelp, commandsFor, matchCommand, OPTION_SHAPES, overviewHelp, usageLine } from './cli/commands';
import { listing } from './cli/format';
import { parseArgs, UsageError } from './cli/parse-args';
import { ValidationError } from './domain/errors';

// `telltale <command> [options] [--json]` (from a clone: `npm run --silent cli -- …`). The result
// goes to stdout, human-readable or, with --json, as one JSON document. A failure goes to stderr
// (as {error, code} with --json) and exits 2 for a bad invocation, 1 otherwise.

interface Outcome {
  stdout: string;
  json: boolean;
}

async function main(argv: readonly string[]): Promise<Outcome> {
  const help = argv.length === 0 || argv[0] === 'help' || argv.includes('--help') || argv.includes('-h');
  const args = parseArgs(argv.filter((a) => a !== '-h' && a !== '--help'), OPTION_SHAPES);
  const json = args.options.get('json') === true;
  if (help) {
    const words = args.words[0] === 'help' ? args.words.slice(1) : args.words;
    const about = commandsFor(words);
    if (about.length === 0) throw new UsageError(`unknown command "${words.join(' ')}"; see telltale help`);
    return { stdout: about.length === 1 && words.length > 0 ? commandHelp(about[0]!) : overviewHelp(about), json: false };
  }
  const match = matchCommand(args.words);
  if (match === null) {
    const family = commandsFor(args.words.slice(0, 1));
    const hint = family.length > 0 ? `; ${args.words[0]} commands: ${family.map((c) => c.name).join(', ')}` : '; see telltale help';
    throw new UsageError(`unknown command "${args.words.join(' ')}"${hint}`);
  }
  const { command, extra } = match;
  if (extra.length > 0) throw new UsageError(`${command.name} takes no argument "${extra[0]}"; usage: ${usageLine(command)}`);
  checkOptions(command, args);
  // stdout carries the result only, so the service log goes to stderr, errors only.
  const logger = createServiceLogger('error', pino.destination({ dest: 2, sync: true }));
  const { config, composition } = await start({ logger });
  try {
    const result = await command.run({ config, composition }, args);
    return { stdout: json ? JSON.stringify(result) : command.human ? command.human(result) : listing(result), json };
  } finally {
    await composition.close();
  }
}

// A reader that went away (`telltale … | head -1`) is not an error of the command.
process.stdout.on('error', () => {});

const jsonWanted = process.argv.includes('--json');
main(process.argv.slice(2)).then(
  ({ stdout }) => {
    process.stdout.write(`${stdout}\n`);
  },
  (thrown: Error) => {
    const error: Error & { code?: unknown } = thrown instanceof CannotStartError ? thrown.cause : thrown;
    const usage = error instanceof UsageError || error instanceof ValidationError;
    const code = typeof error.code === 'string' ? error.code : error.name === 'ConfigError' ? 'config' : 'internal';
    process.stderr.write(jsonWanted ? `${JSON.stringify({ error: error.message, code })}\n` : `telltale: ${error.message}\n`);
    process.exitCode = usage ? 2 : 1;
  },
);
