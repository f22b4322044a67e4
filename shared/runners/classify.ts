import type { StreamType } from '../model/job';

/**
 * The PowerShell host convention for scripts that only have stdout and stderr: stdout lines that
 * begin with `VERBOSE: `, `WARNING: `, `DEBUG: ` (or Hookbook's `PROGRESS: `) go to that stream
 * with the prefix removed; other stdout lines are Output; stderr lines are Error.
 */
const PREFIXES: [string, StreamType][] = [
  ['VERBOSE: ', 'Verbose'],
  ['WARNING: ', 'Warning'],
  ['DEBUG: ', 'Debug'],
  ['PROGRESS: ', 'Progress'],
];

export function classifyLine(line: string, source: 'stdout' | 'stderr'): { streamType: StreamType; text: string } {
  if (source === 'stderr') return { streamType: 'Error', text: line };
  for (const [prefix, streamType] of PREFIXES) {
    if (line.startsWith(prefix)) return { streamType, text: line.slice(prefix.length) };
  }
  return { streamType: 'Output', text: line };
}

/**
 * Splits a byte stream into lines (LF or CRLF), keeping a partial last line until more arrives.
 * Decodes UTF-8 across chunk boundaries.
 */
export class LineSplitter {
  private pending = '';
  private readonly decoder = new TextDecoder('utf-8');

  push(chunk: Buffer): string[] {
    this.pending += this.decoder.decode(chunk, { stream: true });
    const parts = this.pending.split('\n');
    this.pending = parts.pop() ?? '';
    return parts.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  }

  /** The last line if the stream ended without a newline. */
  end(): string[] {
    const rest = this.pending + this.decoder.decode();
    this.pending = '';
    return rest === '' ? [] : [rest.endsWith('\r') ? rest.slice(0, -1) : rest];
  }
}
