import pino from 'pino';
import { createServiceLogger } from './adapters/pino/pino-logger';
import { CannotStartError, start } from './composition/start';
import type { Command } from './cli/command';
import { parseArgs, UsageError, type ParsedArgs } from './cli/parse-args';
import { reportCommands } from './cli/report-commands';
import { rolloutCommands } from './cli/rollout-commands';
import { verdictCommands } from './cli/verdict-commands';
import { accountCommands, type AccountCommand } from './cli/account-commands';
import { ValidationError } from './domain/errors';

// Admin commands: `npm run -s cli -- <command> [options]`. Each prints one JSON value on stdout;
// failures print {error, code} on stderr and exit 2 for a bad invocation, 1 otherwise.
const commands: Record<string, Command> = {
  ...reportCommands,
  ...rolloutCommands,
  ...verdictCommands,
  'admins create': account('admins create --username <name> --password <password>', ['username', 'password']),
  'users create': account(
    'users create --owner <admin id or username> --username <name> --password <password> [--allowed-apps a,b] [--permissions download,edit,create,delete]',
    ['owner', 'username', 'password', 'allowed-apps', 'permissions'],
  ),
  token: account('token --username <name> [--ttl <seconds>]', ['username', 'ttl']),
};

function account(usage: string, options: string[]): Command {
  const name = usage.split(' --')[0]!;
  const run: AccountCommand = accountCommands[name]!;
  return { usage, options, run: (ctx, args) => run(Object.fromEntries(args.options), ctx.composition) };
}

function resolve(args: ParsedArgs): { name: string; command: Command } {
  for (const name of [args.words.slice(0, 2).join(' '), args.words[0] ?? '']) {
    const command = commands[name];
    if (command && name.split(' ').length === args.words.length) return { name, command };
  }
  const usage = Object.values(commands).map((c) => c.usage);
  throw new UsageError(`unknown command "${args.words.join(' ')}"; commands: ${usage.join(' | ')}`);
}

async function main(argv: readonly string[]): Promise<unknown> {
  const args = parseArgs(argv);
  const { name, command } = resolve(args);
  for (const option of args.options.keys()) {
    if (!command.options.includes(option)) throw new UsageError(`${name} does not take --${option}; usage: ${command.usage}`);
  }
  // stdout carries the command's JSON only, so the service log goes to stderr, errors only.
  const logger = createServiceLogger('error', pino.destination({ dest: 2, sync: true }));
  const { config, composition } = await start({ logger });
  try {
    return await command.run({ config, composition }, args);
  } finally {
    await composition.close();
  }
}

main(process.argv.slice(2)).then(
  (result) => {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  },
  (thrown: Error) => {
    const error: Error & { code?: unknown } = thrown instanceof CannotStartError ? thrown.cause : thrown;
    const usage = error instanceof UsageError || error instanceof ValidationError;
    const code = typeof error.code === 'string' ? error.code : error.name === 'ConfigError' ? 'config' : 'internal';
    process.stderr.write(`${JSON.stringify({ error: error.message, code })}\n`);
    process.exitCode = usage ? 2 : 1;
  },
);
