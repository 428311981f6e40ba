import type { Composition } from '../composition/compose';
import type { Config } from '../composition/config';
import type { ParsedArgs } from './parse-args';

export interface CliContext {
  config: Readonly<Config>;
  composition: Composition;
}

export interface OptionSpec {
  name: string;
  /** Placeholder of the value (`<app_id>`); absent for a flag that takes none. */
  value?: string;
  required?: boolean;
  help: string;
}

/**
 * One entry of the command table (src/cli/commands.ts). `run` returns the command's result in the
 * API's snake_case: `--json` prints it as one JSON document; otherwise `human` formats it.
 */
export interface Command<R = unknown> {
  /** One or two words: `token`, `groups resolve`. */
  name: string;
  /** One line for `telltale help`. */
  summary: string;
  /** Every option it accepts, besides --json and --help; anything else is a usage error. */
  options: readonly OptionSpec[];
  /** Further lines of `telltale <command> --help`: examples, notes. */
  details?: string;
  run(ctx: CliContext, args: ParsedArgs): Promise<R>;
  /** The human-readable output; a plain `key: value` listing when absent. */
  human?(result: R): string;
}

/** Keeps each entry's result type between its run and its human formatter. */
export const command = <R>(spec: Command<R>): Command => spec as Command;
