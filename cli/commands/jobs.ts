/** hookbook jobs start|run|list|get|stop|logs */
import { need, type Group } from '../context';
import { EXIT, exitFor } from '../errors';
import { duration, formatRecord, paint, printer, table, useColor } from '../output';
import { buildParameters } from '../parameters';
import { follow, runAndFollow } from './follow';

export const jobs: Group = {
  async start({ pos, v, api, io }) {
    const runbook = need(pos, 0, 'runbook name');
    const parameters = await buildParameters(api, runbook, v);
    const r = await api.jobs.start(runbook, parameters, { runOn: v['run-on'] });
    printer(v, io)(r, () => `${r.jobId}\n`);
    return EXIT.ok;
  },

  async run(c) {
    const runbook = need(c.pos, 0, 'runbook name');
    const parameters = await buildParameters(c.api, runbook, c.v);
    const started = await c.api.jobs.start(runbook, parameters, { runOn: c.v['run-on'] });
    return runAndFollow(started.jobId, c);
  },

  async list({ v, api, io }) {
    const query = { runbook: v.runbook, status: v.status, startedBy: v['started-by'], from: v.from, to: v.to, top: v.top };
    const page = await api.call<Awaited<ReturnType<typeof api.jobs.list>>>(
      'GET',
      `/api/v1/jobs?${new URLSearchParams(Object.entries(query).filter((e): e is [string, string] => !!e[1]))}`,
    );
    printer(v, io)(
      page,
      () =>
        table([
          ['JOB ID', 'RUNBOOK', 'STATUS', 'CREATED', 'DURATION', 'STARTED BY'],
          ...page.value.map((j) => [j.jobId, j.runbook, paint(false, j.status, j.status), j.createdTime, duration(j), j.startedBy]),
        ]) + (page.continuationToken ? `(more: --top to see more)\n` : ''),
    );
    return EXIT.ok;
  },

  async get({ pos, v, api, io }) {
    const color = useColor(v, io);
    const job = await api.jobs.get(need(pos, 0, 'job id'));
    printer(v, io)(
      job,
      () =>
        [
          `${job.jobId}  ${paint(color, job.status, job.status)}`,
          `runbook: ${job.runbook} (version ${job.runbookVersion})`,
          `started by: ${job.startedBy}, attempt ${job.attempt}`,
          `created: ${job.createdTime}${job.startTime ? `, started: ${job.startTime}` : ''}${job.endTime ? `, ended: ${job.endTime}` : ''}${duration(job) ? ` (${duration(job)})` : ''}`,
          `parameters: ${JSON.stringify(job.parameters)}`,
          ...(job.statusDetails ? [`details: ${job.statusDetails}`] : []),
          ...(job.exception ? [`exception: ${job.exception}`] : []),
          ...(job.result !== undefined ? [`result: ${JSON.stringify(job.result)}`] : []),
        ].join('\n') + '\n',
    );
    return EXIT.ok;
  },

  async stop({ pos, v, api, io }) {
    const r = await api.jobs.stop(need(pos, 0, 'job id'));
    printer(v, io)(r, () => `Job ${r.jobId}: ${r.status}.\n`);
    return EXIT.ok;
  },

  async logs({ pos, v, api, io }) {
    const color = useColor(v, io);
    const id = need(pos, 0, 'job id');
    if (!v.follow) {
      const { value } = await api.jobs.streams(id, v.types);
      printer(v, io)(value, () => value.map((r) => `${formatRecord(r, color)}\n`).join(''));
      return EXIT.ok;
    }
    const end = await follow(api, id, v.types, (r) => io.out.write(v.json ? `${JSON.stringify(r)}\n` : `${formatRecord(r, color)}\n`));
    if (v.json) io.out.write(`${JSON.stringify({ end })}\n`);
    else {
      io.err.write(`${paint(color, end.status, `Job ${id} ${end.status}.`)}\n`);
      if (end.exception) io.err.write(`${paint(color, 'Error', end.exception)}\n`);
    }
    return exitFor(end.status);
  },
};
