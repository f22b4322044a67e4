/** 4c. Stream lines recorded per second: one job printing many lines as fast as it can. */
import type { BenchHost } from '../host';

export interface StreamLines {
  lines: number;
  recorded: number;
  seconds: number;
  perSecond: number;
}

export async function linesPerSecond(c: BenchHost, lines: number): Promise<StreamLines> {
  await c.runbook('flood', 'bash', `seq 1 ${lines} | sed 's/^/line /'`);
  const jobId = await c.start('flood');
  const status = await c.waitEnd(jobId);
  if (status !== 'Completed') throw new Error(`flood job ended ${status}`);
  const job = await c.api.jobs.get(jobId);
  const recorded = (await c.api.jobs.streams(jobId, 'Output')).value.length;
  const seconds = (Date.parse(job.endTime!) - Date.parse(job.startTime!)) / 1000;
  return { lines, recorded, seconds, perSecond: recorded / seconds };
}
