import type { StreamType } from '../model/job';
import { streamStore, MAX_BATCH, type StreamRow } from '../store/streamStore';
import { PROPERTY_CHARS, cutString } from '../store/chunks';
import { emitStreams } from './events';

/**
 * Buffers a job's stream records and writes them in batches (one partition per job): at most 100
 * records or ~3.5 MB per transaction, at least every `flushMs` while records are pending. Past the
 * cap (1 MiB of text by default) one marker record says so and later records are dropped. A line
 * longer than a Table property is split into several records, never an error.
 */
const SUMMARY_CHARS = 256;
const MAX_BATCH_BYTES = 3_500_000;

export interface StreamWriterOptions {
  jobId: string;
  attempt: number;
  capBytes: number;
  flushMs?: number;
  onError?: (error: unknown) => void;
  /** Where batches go (default: table "streams"); a hybrid worker sends them to the service. */
  sink?: (jobId: string, rows: StreamRow[]) => Promise<void>;
}

export class StreamWriter {
  private seq = 0;
  private bytes = 0;
  private capped = false;
  private pending: StreamRow[] = [];
  private pendingBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  dropped = 0;

  constructor(private readonly opts: StreamWriterOptions) {}

  get count(): number {
    return this.seq;
  }

  write(streamType: StreamType, text: string, value?: unknown): void {
    if (this.capped) {
      this.dropped++;
      return;
    }
    const size = Buffer.byteLength(text, 'utf8');
    if (this.bytes + size > this.opts.capBytes) {
      this.capped = true;
      this.dropped++;
      const mib = (this.opts.capBytes / 1024 / 1024).toFixed(2).replace(/\.?0+$/, '');
      this.push('Warning', `Stream output reached this job's limit of ${mib} MiB; further records are not kept.`);
      return;
    }
    this.bytes += size;
    let valueJson: string | undefined;
    if (value !== undefined) {
      try {
        valueJson = JSON.stringify(value);
      } catch {
        valueJson = undefined;
      }
      if (valueJson !== undefined && valueJson.length > PROPERTY_CHARS) valueJson = undefined;
    }
    if (text.length <= PROPERTY_CHARS) {
      this.push(streamType, text, valueJson);
      return;
    }
    for (let i = 0; i < text.length; ) {
      const part = cutString(text.slice(i), PROPERTY_CHARS);
      this.push(streamType, part, i === 0 ? valueJson : undefined, i + part.length < text.length);
      i += part.length;
    }
  }

  private push(streamType: StreamType, text: string, value?: string, continued = false): void {
    const row: StreamRow = {
      seq: this.seq++,
      attempt: this.opts.attempt,
      time: new Date().toISOString(),
      streamType,
      summary: cutString(text, SUMMARY_CHARS),
      streamText: text,
      value,
      ...(continued ? { continued } : {}),
    };
    this.pending.push(row);
    this.pendingBytes += 2 * (text.length + row.summary.length + (value?.length ?? 0)) + 200;
    if (this.pending.length >= MAX_BATCH || this.pendingBytes >= MAX_BATCH_BYTES) void this.flush();
    else if (!this.timer) this.timer = setTimeout(() => void this.flush(), this.opts.flushMs ?? 1000);
  }

  /** Write what is pending; flushes run one after another so records land in order. */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const rows = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    if (rows.length === 0) return this.flushing;
    this.flushing = this.flushing.then(async () => {
      try {
        await (this.opts.sink ?? streamStore.append)(this.opts.jobId, rows);
        emitStreams(this.opts.jobId);
      } catch (error) {
        this.opts.onError?.(error);
      }
    });
    return this.flushing;
  }

  async close(): Promise<void> {
    await this.flush();
    await this.flushing;
  }
}
