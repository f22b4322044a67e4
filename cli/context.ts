import type { HookbookClient } from '../client';
import type { Values } from './args';
import { CliError } from './errors';
import type { Io } from './output';

/** What every command gets: its arguments after `<group> <command>`, the options, the client, the streams. */
export interface Command {
  pos: string[];
  v: Values;
  api: HookbookClient;
  io: Io;
}

/** A group's commands by name; each returns the exit code. */
export type Group = Record<string, (c: Command) => Promise<number>>;

export function need(positionals: string[], i: number, what: string): string {
  const v = positionals[i];
  if (!v) throw new CliError(`Missing ${what}. See hookbook --help.`);
  return v;
}
