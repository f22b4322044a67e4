/** How the CLI writes: colours, tables, stream records, durations, and --json. */
import type { Job, StreamRecord } from '../client';
import type { Values } from './args';
import { CliError } from './errors';

export interface Io {
  out: NodeJS.WritableStream & { isTTY?: boolean };
  err: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  /** Where secrets are read from (a prompt on a terminal, else the piped text): cli/prompt.ts. */
  in?: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?(raw: boolean): unknown };
}

const COLORS: Record<string, string> = {
  Output: '',
  Error: '\x1b[31m',
  Warning: '\x1b[33m',
  Verbose: '\x1b[36m',
  Debug: '\x1b[90m',
  Progress: '\x1b[35m',
  Completed: '\x1b[32m',
  Failed: '\x1b[31m',
  Stopped: '\x1b[33m',
};

export function useColor(v: Values, io: Io): boolean {
  if (v['no-color'] || io.env.NO_COLOR) return false;
  if (v.color || (io.env.FORCE_COLOR && io.env.FORCE_COLOR !== '0')) return true;
  return Boolean(io.out.isTTY);
}

export function paint(color: boolean, key: string, s: string): string {
  const c = COLORS[key];
  return color && c ? `${c}${s}\x1b[0m` : s;
}

/** A record as a line: Output as it is, the others with their PowerShell prefix (VERBOSE: ...). */
export function formatRecord(r: Pick<StreamRecord, 'streamType' | 'streamText' | 'summary'>, color: boolean): string {
  const text = String(r.streamText ?? r.summary ?? '');
  const line = r.streamType === 'Output' ? text : `${String(r.streamType).toUpperCase()}: ${text}`;
  return paint(color, r.streamType, line);
}

export function table(rows: string[][]): string {
  if (rows.length === 0) return '';
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n') + '\n';
}

export function duration(job: Pick<Job, 'startTime' | 'endTime'>): string {
  if (!job.startTime) return '';
  const end = job.endTime ? Date.parse(job.endTime) : Date.now();
  return `${((end - Date.parse(job.startTime)) / 1000).toFixed(1)} s`;
}

export type OutputFormat = 'json' | 'table' | 'yaml';

/** `--output json|table|yaml` (`--json` is `--output json`); table, the text for people, by default. */
export function outputFormat(v: Values): OutputFormat {
  if (v.json) return 'json';
  const o = (v.output ?? 'table').toLowerCase();
  if (o === 'json' || o === 'table' || o === 'yaml') return o;
  throw new CliError(`--output must be json, table or yaml, not '${v.output}'.`);
}

/** Writes `value` as JSON or YAML when asked, else the text. */
export const printer =
  (v: Values, io: Io) =>
  (value: unknown, text: () => string): void => {
    const format = outputFormat(v);
    if (format === 'json') io.out.write(`${JSON.stringify(value, null, 2)}\n`);
    // Loaded only when asked for: the yaml package alone takes longer to load than the rest of the CLI.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    else if (format === 'yaml') io.out.write((require('yaml') as typeof import('yaml')).stringify(value ?? null));
    else io.out.write(text());
  };
