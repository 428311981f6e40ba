import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { compose, type ComposeOverrides, type Composition } from './compose';
import { ConfigError, loadConfig, type Config } from './config';

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
 * The start-up both entry points share: `.env` read when present, the config read once from the environment, then every
 * adapter composed from it. A bad value throws ConfigError; a dependency that can't be reached
 * throws with the variable to fix named first.
 */
export async function start(overrides: ComposeOverrides = {}, env: NodeJS.ProcessEnv = process.env): Promise<{ config: Readonly<Config>; composition: Composition }> {
  loadDotEnv(env);
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
