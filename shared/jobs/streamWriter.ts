import type { StreamType } from '../model/job';
import { streamStore, SUMMARY_CHARS, type StreamRow } from '../store/streamStore';
import { PROPERTY_CHARS, cutString } from '../store/chunks';
import { isStorageUnavailable, storageErrorCode } from '../store/errors';
import { emitStreams } from './events';

/**
 * Buffers a job's stream records and writes them in batches (one partition per job, packed many
 * records to a row by streamStore): at most 1,000 records (100 to a hybrid worker's service) or
 * ~3.5 MB per write, at least every `flushMs` while records are pending. Past the
 * cap (1 MiB of text by default) one marker record says so and later records are dropped. A line
 * longer than a Table property is split into several records, never an error.
 *
 * A batch that fails is tried again, then its records one by one; records that still cannot be
 * saved are counted (`lost`), and close() adds a Warning record saying so. The finish path puts
 * the count and a sentence on the job (withStreamLoss), so a job never looks complete when it is not.
 */
const MAX_BATCH_BYTES = 3_500_000;
/** Records per write: packed rows hold many (table path); a hybrid worker's request takes at most 100. */
const TABLE_BATCH = 1000;
const SINK_BATCH = 100;

export interface StreamWriterOptions {
  jobId: string;
  attempt: number;
  capBytes: number;
  flushMs?: number;
  /** Called once per batch that failed even record by record, with the number lost. */
  onError?: (error: unknown, lost: number) => void;
  /** Called when a batch failed and is about to be tried again. */
  onRetry?: (error: unknown) => void;
  /** Pause before a failed batch is tried again (default 500 ms). */
  retryDelayMs?: number;
  /** Also keep every row written here (a `run` answered from what its instance holds). */
  copyTo?: StreamRow[];
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
  /** Records that could not be saved, after retrying their batch and then each on its own. */
  lost = 0;
  /** Why the first lost record could not be saved. */
  lostReason: string | undefined;
  private warned = false;

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
    for (let i = 0; i < text.length;) {
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
    this.opts.copyTo?.push(row);
    this.pendingBytes += 2 * (text.length + row.summary.length + (value?.length ?? 0)) + 200;
    if (this.pending.length >= (this.opts.sink ? SINK_BATCH : TABLE_BATCH) || this.pendingBytes >= MAX_BATCH_BYTES) void this.flush();
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
    this.flushing = this.flushing.then(() => this.save(rows));
    return this.flushing;
  }

  /** The batch; on failure the batch once more; then each record on its own. Never throws. */
  private async save(rows: StreamRow[]): Promise<void> {
    const jobId = this.opts.jobId;
    if (this.opts.sink) {
      // A hybrid worker's sink retries by itself (cli/worker/job.ts): what it gives up on is lost.
      try {
        await this.opts.sink(jobId, rows);
      } catch (error) {
        this.lost += rows.length;
        this.lostReason ??= reasonOf(error);
        this.opts.onError?.(error, rows.length);
      }
      return;
    }
    try {
      await streamStore.append(jobId, rows);
      emitStreams(jobId);
      return;
    } catch (error) {
      this.opts.onRetry?.(error);
      await new Promise((r) => setTimeout(r, this.opts.retryDelayMs ?? 500));
    }
    try {
      await streamStore.append(jobId, rows);
      emitStreams(jobId);
      return;
    } catch {
      // one by one below: a single record the batch chokes on must not take the others with it
    }
    let lost = 0;
    let firstError: unknown;
    for (let i = 0; i < rows.length; i++) {
      try {
        await streamStore.appendOne(jobId, rows[i]!);
      } catch (error) {
        lost++;
        firstError ??= error;
        // Storage is down, not refusing this record: the others would only wait out the same retries.
        if (isStorageUnavailable(error)) {
          lost += rows.length - i - 1;
          break;
        }
      }
    }
    emitStreams(jobId);
    if (lost === 0) return;
    this.lost += lost;
    this.lostReason ??= reasonOf(firstError);
    this.opts.onError?.(firstError, lost);
  }

  /**
   * Flush everything; if records were lost, add a Warning record that says how many and why (it
   * is kept if storage takes it; the job's statusDetails says so in any case).
   */
  async close(): Promise<void> {
    await this.flush();
    await this.flushing;
    if (this.lost > 0 && !this.warned) {
      this.warned = true;
      const lost = this.lost;
      this.push(
        'Warning',
        `${lost} stream record${lost === 1 ? '' : 's'} of this job could not be saved (${this.lostReason}); its output is incomplete.`,
      );
      await this.flush();
      await this.flushing;
    }
  }
}

/** A short reason for people: `storage answered 404 TableNotFound`, or the error's first line. */
function reasonOf(error: unknown): string {
  const status = (error as { statusCode?: number } | undefined)?.statusCode;
  const code = storageErrorCode(error);
  if (status || code) return `storage answered ${[status, code].filter(Boolean).join(' ')}`;
  return String((error as Error | undefined)?.message ?? error)
    .split('\n')[0]!
    .slice(0, 200);
}

/**
 * The final status with the writer's loss, if any, on it: `streamsLost` and a sentence in
 * statusDetails. The status itself is kept (the runbook did what it did), but it no longer looks
 * complete. The finish path calls this once, after close().
 */
export function withStreamLoss<T extends { statusDetails?: string; streamsLost?: number }>(final: T, writer: StreamWriter): T {
  if (writer.lost === 0) return final;
  const sentence = `${writer.lost} stream record${writer.lost === 1 ? ' was' : 's were'} not saved (${writer.lostReason}); the output is incomplete.`;
  return { ...final, streamsLost: writer.lost, statusDetails: final.statusDetails ? `${final.statusDetails} ${sentence}` : sentence };
}
