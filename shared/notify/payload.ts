import type { Job } from '../model/job';
import type { NotificationEvent } from '../model/notification';

/** Lines of Output a notification carries (and characters in all): enough to see what happened. */
export const OUTPUT_LINES = 20;
export const OUTPUT_CHARS = 4000;

/**
 * The body of a signed notification (standard-webhooks and github formats), in Standard Webhooks'
 * `{type, timestamp, data}` shape. `data.job` is the job exactly as `GET /api/v1/jobs/{id}` shows it
 * (secret parameters masked); Output was masked when it was written; no asset value is read.
 */
export interface JobNotice {
  type: NotificationEvent;
  timestamp: string;
  deliveryId: string;
  data: {
    job: Job;
    /** The first lines of the Output stream (at most OUTPUT_LINES, OUTPUT_CHARS in all). */
    output: string[];
    outputTruncated: boolean;
    links: { api: string; streams: string; dashboard: string };
  };
}

export function jobNotice(event: NotificationEvent, deliveryId: string, job: Job, outputLines: string[], publicUrl: string): JobNotice {
  const output: string[] = [];
  let chars = 0;
  for (const line of outputLines) {
    if (output.length >= OUTPUT_LINES || chars + line.length > OUTPUT_CHARS) break;
    output.push(line);
    chars += line.length;
  }
  return {
    type: event,
    timestamp: new Date().toISOString(),
    deliveryId,
    data: {
      job,
      output,
      outputTruncated: output.length < outputLines.length,
      links: {
        api: `${publicUrl}/api/v1/jobs/${job.jobId}`,
        streams: `${publicUrl}/api/v1/jobs/${job.jobId}/streams`,
        dashboard: `${publicUrl}/ui/#/jobs/${job.jobId}`,
      },
    },
  };
}

/** One line a person reads: `Runbook 'x' failed (job …)`. */
export function headline(n: JobNotice): string {
  const what: Record<NotificationEvent, string> = {
    'job.started': 'started',
    'job.completed': 'completed',
    'job.failed': 'failed',
    'job.stopped': 'was stopped',
  };
  return `Runbook '${n.data.job.runbook}' ${what[n.type]}`;
}

/** The facts a chat card shows, as label and value. */
export function facts(n: JobNotice): Array<[string, string]> {
  const j = n.data.job;
  const out: Array<[string, string]> = [
    ['Status', j.status],
    ['Job', j.jobId],
    ['Started by', j.startedBy],
  ];
  if (j.startTime) out.push(['Started', j.startTime]);
  if (j.endTime) out.push(['Ended', j.endTime]);
  if (j.attempt > 1) out.push(['Attempt', String(j.attempt)]);
  return out;
}
