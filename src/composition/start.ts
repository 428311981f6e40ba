import { compose, type ComposeOverrides, type Composition } from './compose';
import { loadConfig, type Config } from './config';

/**
 * The start-up both entry points share: the config read once from the environment, then every
 * adapter composed from it. A bad value throws ConfigError; a dependency that can't be reached
 * throws with the variable to fix named first.
 */
export async function start(overrides: ComposeOverrides = {}, env: NodeJS.ProcessEnv = process.env): Promise<{ config: Readonly<Config>; composition: Composition }> {
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
