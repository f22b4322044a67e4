/** How the CLI writes: colours, tables, stream records, durations, and --json. */
import type { Job, StreamRecord } from '../client';
import type { Values } from './args';

export interface Io {
  out: NodeJS.WritableStream & { isTTY?: boolean };
  err: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
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

/** Writes `value` as JSON with --json, else the text. */
export const printer =
  (v: Values, io: Io) =>
  (value: unknown, text: () => string): void => {
    io.out.write(v.json ? `${JSON.stringify(value, null, 2)}\n` : text());
  };
