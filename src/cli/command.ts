import type { Composition } from '../composition/compose';
import type { Config } from '../composition/config';
import type { ParsedArgs } from './parse-args';

export interface CliContext {
  config: Readonly<Config>;
  composition: Composition;
}

/** One entry of the command table in src/cli.ts; `run` returns what is printed as JSON. */
export interface Command {
  usage: string;
  /** Every option the command accepts; anything else is a usage error. */
  options: readonly string[];
  run(ctx: CliContext, args: ParsedArgs): Promise<unknown>;
}
