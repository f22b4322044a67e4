import type { HttpRequest } from '@azure/functions';
import { z } from 'zod';
import { authenticateWorker } from '../shared/auth/workerKeys';
import { settings } from '../shared/config';
import { readJson } from '../shared/http/body';
import { notFound } from '../shared/http/errors';
import { json } from '../shared/http/respond';
import { route } from '../shared/http/route';
import { isJobId } from '../shared/jobs/ids';
import { GroupName, HelloBody, LeaseBody, OutcomeBody, PollBody, ReleaseBody, StreamsBody, WorkerJob } from '../shared/model/workerGroup';
import { hello } from '../shared/workers/groups';
import { pollForJob } from '../shared/workers/claim';
import { finishAttempt, releaseAttempt, renewLease, writeStreams } from '../shared/workers/attempt';

/**
 * The worker routes: what `hookbook worker` calls (docs/hybrid-workers.md). Authenticated only by
 * a registration key of the group in the path; they reach only that group's queue and the jobs a
 * worker of it holds, each write fenced by the attempt it claimed (409 once the lease was lost).
 * Described in /api/openapi.json under the tag `worker-routes`, with the registration key as the
 * credential (Bearer, or Basic with keyId:secret).
 */
const BASE = 'api/worker/v1/groups/{group}';
const PATH = '/api/worker/v1/groups/{group}';

/** What every worker route shares in the OpenAPI document. */
const common = {
  tag: 'worker-routes',
  security: ['bearer', 'basic'],
  description: 'Authenticated by a registration key of the group in the path (`Authorization: Bearer <keyId>:<secret>`).',
};
const jobParams = { group: GroupName.describe('the worker group'), jobId: z.string().uuid().describe('a job the worker holds') };
const forbidden = { description: "an API key, or another group's registration key" };
const lost = { description: 'the job carries another attempt now (the lease was taken over) or has ended: nothing was written' };
const notHeld = { description: 'no such job in this worker group' };

async function groupOf(req: HttpRequest): Promise<string> {
  const parsed = GroupName.safeParse(req.params.group);
  if (!parsed.success) throw notFound(`Worker group '${req.params.group}' not found.`);
  await authenticateWorker(req, parsed.data);
  return parsed.data;
}

function jobIdOf(req: HttpRequest): string {
  const id = req.params.jobId ?? '';
  if (!isJobId(id)) throw notFound(`Job '${id.slice(0, 40)}' not found.`);
  return id;
}

const workerIdOf = (group: string, req: HttpRequest) => `${group}/${(req.headers.get('x-hookbook-worker') ?? 'worker').slice(0, 63)}`;

route('workerHello', {
  methods: ['POST'],
  route: `${BASE}/hello`,
  handler: async (req) => {
    const group = await groupOf(req);
    const body = await readJson(req, HelloBody);
    await hello(group, body);
    const s = settings();
    return json(200, {
      leaseSeconds: s.leaseSeconds,
      pollSeconds: s.workerPollSeconds,
      helloSeconds: Math.max(5, Math.floor(s.workerStaleSeconds / 4)),
    });
  },
  doc: {
    ...common,
    params: { group: GroupName.describe('the worker group') },
    path: `${PATH}/hello`,
    summary: "A worker's hello: who it is, what it runs and holds, whether it drains; answers the timings",
    body: HelloBody,
    responses: {
      200: {
        description: 'the timings the worker keeps to',
        schema: z.object({ leaseSeconds: z.number().int(), pollSeconds: z.number().int(), helloSeconds: z.number().int() }),
      },
      403: forbidden,
    },
  },
});

route('workerPoll', {
  methods: ['POST'],
  route: `${BASE}/poll`,
  handler: async (req) => {
    const group = await groupOf(req);
    const body = await readJson(req, PollBody);
    const job = await pollForJob(
      { group, name: body.name, workerId: `${group}/${body.name}`, capabilities: body.capabilities },
      body.waitSeconds,
    );
    return job ? json(200, job) : { status: 204 };
  },
  doc: {
    ...common,
    params: { group: GroupName.describe('the worker group') },
    path: `${PATH}/poll`,
    summary: 'Wait (long-poll) for a job of the group this worker can run, and claim it',
    body: PollBody,
    responses: {
      200: { description: 'a claimed job: everything the worker needs to run it; `attempt` is its fencing token', schema: WorkerJob },
      204: { description: 'no job within the wait (or the worker drains, or its group is gone)' },
      403: forbidden,
    },
  },
});

route('workerStreams', {
  methods: ['POST'],
  route: `${BASE}/jobs/{jobId}/streams`,
  handler: async (req) => {
    const group = await groupOf(req);
    await writeStreams(jobIdOf(req), group, await readJson(req, StreamsBody, { limit: 4 * 1024 * 1024 }));
    return { status: 204 };
  },
  doc: {
    ...common,
    params: jobParams,
    path: `${PATH}/jobs/{jobId}/streams`,
    summary: 'Append a batch of stream records of the attempt the worker holds (idempotent on retry)',
    body: StreamsBody,
    responses: { 204: { description: 'stored' }, 403: forbidden, 404: notHeld, 409: lost },
  },
});

route('workerLease', {
  methods: ['POST'],
  route: `${BASE}/jobs/{jobId}/lease`,
  handler: async (req) => {
    const group = await groupOf(req);
    const body = await readJson(req, LeaseBody);
    return json(200, await renewLease(jobIdOf(req), group, body.attempt));
  },
  doc: {
    ...common,
    params: jobParams,
    path: `${PATH}/jobs/{jobId}/lease`,
    summary: "Renew the attempt's lease (heartbeat); says whether a stop was asked for",
    body: LeaseBody,
    responses: { 200: { description: 'renewed', schema: z.object({ stop: z.boolean() }) }, 403: forbidden, 404: notHeld, 409: lost },
  },
});

route('workerFinish', {
  methods: ['POST'],
  route: `${BASE}/jobs/{jobId}/finish`,
  handler: async (req) => {
    const group = await groupOf(req);
    return json(200, await finishAttempt(jobIdOf(req), group, await readJson(req, OutcomeBody, { limit: 1024 * 1024 })));
  },
  doc: {
    ...common,
    params: jobParams,
    path: `${PATH}/jobs/{jobId}/finish`,
    summary: 'Record how the attempt ended (mapped as for the cloud worker)',
    body: OutcomeBody,
    responses: {
      200: { description: 'the status the job ended with', schema: z.object({ status: z.string() }) },
      403: forbidden,
      404: notHeld,
      409: lost,
    },
  },
});

route('workerRelease', {
  methods: ['POST'],
  route: `${BASE}/jobs/{jobId}/release`,
  handler: async (req) => {
    const group = await groupOf(req);
    const body = await readJson(req, ReleaseBody);
    await releaseAttempt(jobIdOf(req), group, body.attempt, workerIdOf(group, req), body.reason);
    return { status: 204 };
  },
  doc: {
    ...common,
    params: jobParams,
    path: `${PATH}/jobs/{jobId}/release`,
    summary: 'Hand the attempt back (the worker shuts down): the job is Queued again; not counted as a lost attempt',
    body: ReleaseBody,
    responses: { 204: { description: 'handed back' }, 403: forbidden, 404: notHeld, 409: lost },
  },
});
