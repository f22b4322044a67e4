/** Following a job live: `jobs logs --follow` and `jobs run`. */
import { ApiError, type HookbookClient, type Job, type JobEnd, type StreamRecord } from '../../client';
import type { Command } from '../context';
import { CliError, exitFor } from '../errors';
import { duration, formatRecord, outputFormat, paint, printer, useColor } from '../output';
import { Progress } from '../progress';

/** Follows the job's records until it ends; returns the `end` event's data. */
export async function follow(
  api: HookbookClient,
  jobId: string,
  types: string | undefined,
  onRecord: (r: StreamRecord) => void,
): Promise<JobEnd> {
  try {
    return await api.jobs.follow(jobId, { types, onRecord });
  } catch (error) {
    if (error instanceof ApiError) throw new CliError(`Following job ${jobId} failed: HTTP ${error.status}: ${error.detail}`);
    throw new CliError(`Following job ${jobId} failed: ${(error as Error).message}`);
  }
}

/** Shows the job's output live (a spinner on a TTY) and exits with the job's status. */
export async function runAndFollow(jobId: string, { v, api, io }: Command): Promise<number> {
  const color = useColor(v, io);
  if (outputFormat(v) !== 'table') {
    // --output json|yaml: one document once the job has ended.
    const records: StreamRecord[] = [];
    await follow(api, jobId, undefined, (r) => records.push(r));
    const job = await api.jobs.get(jobId);
    printer(v, io)({ job, streams: records }, () => '');
    return exitFor(job.status);
  }
  const tty = Boolean(io.err.isTTY);
  const progress = new Progress(io, tty);
  progress.start(`Job ${jobId} queued`);
  // On a TTY the spinner says Queued/Running: a light status poll while waiting.
  let ended = false;
  const poll = tty
    ? (async () => {
        while (!ended) {
          await new Promise((r) => setTimeout(r, 1000));
          if (ended) break;
          const job = await api.jobs.get(jobId).catch(() => undefined);
          if (job && !ended) progress.update(`Job ${jobId} ${job.status.toLowerCase()}`);
        }
      })()
    : Promise.resolve();
  let end: JobEnd;
  try {
    end = await follow(api, jobId, undefined, (r) => progress.line(formatRecord(r, color)));
  } finally {
    ended = true;
    progress.stop();
  }
  await poll;
  const job: Pick<Job, 'status' | 'exception' | 'startTime' | 'endTime'> = await api.jobs.get(jobId).catch(() => end);
  const took = duration(job);
  io.err.write(`${paint(color, job.status, `Job ${jobId} ${job.status}${took ? ` in ${took}` : ''}.`)}\n`);
  if (job.exception) io.err.write(`${paint(color, 'Error', `Exception: ${job.exception}`)}\n`);
  return exitFor(job.status);
}
