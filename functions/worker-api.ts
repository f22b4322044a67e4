import type { HttpRequest } from '@azure/functions';
import { authenticateWorker } from '../shared/auth/workerKeys';
import { settings } from '../shared/config';
import { readJson } from '../shared/http/body';
import { notFound } from '../shared/http/errors';
import { json } from '../shared/http/respond';
import { route } from '../shared/http/route';
import { isJobId } from '../shared/jobs/ids';
import { GroupName, HelloBody, LeaseBody, OutcomeBody, PollBody, ReleaseBody, StreamsBody } from '../shared/model/workerGroup';
import { hello } from '../shared/workers/groups';
import { pollForJob } from '../shared/workers/claim';
import { finishAttempt, releaseAttempt, renewLease, writeStreams } from '../shared/workers/attempt';

/**
 * The worker routes: what `hookbook worker` calls (docs/hybrid-workers.md). Authenticated only by
 * a registration key of the group in the path; they reach only that group's queue and the jobs a
 * worker of it holds, each write fenced by the attempt it claimed (409 once the lease was lost).
 * Not part of the management API's OpenAPI document: their only client is the worker.
 */
const BASE = 'api/worker/v1/groups/{group}';

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
});

route('workerStreams', {
  methods: ['POST'],
  route: `${BASE}/jobs/{jobId}/streams`,
  handler: async (req) => {
    const group = await groupOf(req);
    await writeStreams(jobIdOf(req), group, await readJson(req, StreamsBody, { limit: 4 * 1024 * 1024 }));
    return { status: 204 };
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
});

route('workerFinish', {
  methods: ['POST'],
  route: `${BASE}/jobs/{jobId}/finish`,
  handler: async (req) => {
    const group = await groupOf(req);
    return json(200, await finishAttempt(jobIdOf(req), group, await readJson(req, OutcomeBody, { limit: 1024 * 1024 })));
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
});
