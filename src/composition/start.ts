import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { compose, type ComposeOverrides, type Composition } from './compose';
import { ConfigError, loadConfig, unknownVariables, type Config } from './config';

/**
 * Reads `.env` from `dir` into `env` when the file exists, with Node's own parser (the one behind
 * process.loadEnvFile) and its rule: a variable already in the environment wins, even when empty.
 * Returns the path read, or null.
 */
export function loadDotEnv(env: NodeJS.ProcessEnv, dir: string = process.cwd()): string | null {
  const path = join(dir, '.env');
  if (!existsSync(path)) return null;
  let parsed: NodeJS.Dict<string>;
  try {
    parsed = parseEnv(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError('.env', `cannot read ${path}: ${(error as Error).message}`);
  }
  for (const [name, value] of Object.entries(parsed)) if (env[name] === undefined && value !== undefined) env[name] = value;
  return path;
}

/**
 * The start-up both entry points share: `.env` read when present, a warning for each variable that
 * looks meant for us but isn't ours, the config read once from the environment, then every adapter
 * composed from it. A bad value throws ConfigError; a dependency that can't be reached throws with
 * the variable to fix named first.
 */
export async function start(
  overrides: ComposeOverrides = {},
  env: NodeJS.ProcessEnv = process.env,
  warn: (line: string) => void = (line) => process.stderr.write(`telltale: warning: ${line}\n`),
): Promise<{ config: Readonly<Config>; composition: Composition }> {
  loadDotEnv(env);
  for (const warning of unknownVariables(env)) warn(warning);
  const config = loadConfig(env);
  const composition = await compose(config, overrides).catch((error: Error) => {
    throw new CannotStartError(error);
  });
  return { config, composition };
}

/** A dependency failed at start-up (unreachable, refused, misconfigured); `cause` says which. */
export class CannotStartError extends Error {
  constructor(override readonly cause: Error) {
    super(cause.message);
    this.name = 'CannotStartError';
  }
}

/**
 * A listen that failed, said as the variable to change: one line, no stack. Anything else is
 * returned as it is.
 */
export function listenError(error: NodeJS.ErrnoException, where: { host: string; port: number }, variables = { host: 'HOST', port: 'PORT' }): Error {
  const { host, port } = where;
  const named = (variable: string, message: string) => new CannotStartError(new ConfigError(variable, message));
  switch (error.code) {
    case 'EADDRINUSE':
      return named(variables.port, `${port} is already in use on ${host}; stop what listens there, or set ${variables.port} to a free port`);
    case 'EACCES':
      return named(variables.port, `this user may not listen on port ${port} of ${host} (ports below 1024 need privileges); set ${variables.port} to 1024 or above`);
    case 'EADDRNOTAVAIL':
      return named(variables.host, `${host} is not an address of this machine; set ${variables.host} to one of its addresses, or 0.0.0.0 for all of them`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return named(variables.host, `cannot resolve ${host}; set ${variables.host} to an address of this machine`);
    default:
      return error;
  }
}
