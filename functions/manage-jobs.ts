import { app } from '@azure/functions';
import { z } from 'zod';
import { authenticate } from '../shared/auth/authenticate';
import { readJson } from '../shared/http/body';
import { badRequest, describeZodError } from '../shared/http/errors';
import { json } from '../shared/http/respond';
import { route } from '../shared/http/route';
import { startJob } from '../shared/jobs/start';
import { jobView, readJob, readStreams } from '../shared/jobs/read';
import { stopJob } from '../shared/jobs/stop';
import { followStream, parseLastEventId, SSE_HEADERS } from '../shared/jobs/follow';
import { Job, JobStatus, StreamRecord } from '../shared/model/job';
import { mayUseRunbook } from '../shared/model/apiKey';
import { jobStore, InvalidContinuationToken } from '../shared/store/jobStore';
import { parseStreamTypes, StreamTypesQuery } from './realmjoin';
import { JobIdParam } from '../shared/openapi/params';
import { RunOn } from '../shared/model/runOn';
import { NotifyList } from '../shared/model/notification';

/** Management API: jobs (start, list newest first with paging, get, streams, stop). */

// Live output (`/streams?follow=true`) is a Server-Sent Events body written as it comes. In Azure
// the worker hands HTTP bodies over RPC in one piece unless streaming is on, so turn it on (host
// v4.28+; every HTTP function then gets its request and response through the worker's HTTP proxy,
// which the handlers here do not notice). The local host calls handlers directly and streams
// ReadableStream bodies either way. See docs/deploy.md.
app.setup({ enableHttpStream: true });
const StartJobBody = z
  .object({
    runbook: z.string().min(1).max(128),
    parameters: z.record(z.string(), z.unknown()).optional(),
    /** Overrides the runbook's runOn: 'cloud' or a hybrid worker group (docs/hybrid-workers.md). */
    runOn: RunOn.optional(),
    /** Notification targets told about this job, besides its runbook's (docs/notifications.md). */
    notify: NotifyList.optional(),
  })
  .strict();

const ListQuery = z.object({
  runbook: z.string().min(1).max(128).optional(),
  status: JobStatus.optional(),
  startedBy: z.string().max(256).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  top: z.coerce.number().int().min(1).max(500).default(50),
  continuationToken: z.string().max(2048).optional(),
});

route('jobsStart', {
  methods: ['POST'],
  route: 'api/v1/jobs',
  audit: { door: 'management', record: 'denials' }, // a job records who started it (docs/audit.md)
  handler: async (req) => {
    const principal = await authenticate(req, { need: 'operator' });
    const body = await readJson(req, StartJobBody);
    const started = await startJob({
      runbook: body.runbook,
      parameters: body.parameters,
      startedBy: principal.id,
      principal,
      runOn: body.runOn,
      notify: body.notify,
    });
    return json(
      202,
      { jobId: started.jobId, status: started.status, ...(started.statusDetails ? { statusDetails: started.statusDetails } : {}) },
      { Location: `/api/v1/jobs/${started.jobId}` },
    );
  },
  doc: {
    path: '/api/v1/jobs',
    summary: 'Start a job',
    tag: 'jobs',
    role: 'operator',
    body: StartJobBody,
    responses: {
      202: {
        description: 'queued (statusDetails says why when no live hybrid worker can run it yet)',
        schema: z.object({ jobId: z.string(), status: JobStatus, statusDetails: z.string().optional() }),
        headers: { Location: 'the job' },
      },
      404: { description: 'no such runbook (or one this key may not use)' },
      409: { description: 'the runbook has no published version' },
    },
  },
});

route('jobsList', {
  methods: ['GET'],
  route: 'api/v1/jobs',
  handler: async (req) => {
    const principal = await authenticate(req, { need: 'reader' });
    const parsed = ListQuery.safeParse(Object.fromEntries(req.query.entries()));
    if (!parsed.success) throw badRequest(describeZodError(parsed.error, 'query'));
    const q = parsed.data;
    const token = q.continuationToken;
    if (token && !/^[A-Za-z0-9+/=_-]+$/.test(token)) throw badRequest("Query 'continuationToken' is not one this service gave out.");
    const page = await jobStore
      .list({
        runbook: q.runbook,
        status: q.status,
        startedBy: q.startedBy,
        from: q.from ? new Date(q.from) : undefined,
        to: q.to ? new Date(q.to) : undefined,
        top: q.top,
        continuationToken: token,
      })
      .catch((error) => {
        if (error instanceof InvalidContinuationToken) throw badRequest("Query 'continuationToken' is not one this service gave out.");
        throw error;
      });
    const value = page.value.filter((j) => mayUseRunbook(principal, j.runbook)).map(jobView);
    return json(200, { value, ...(page.continuationToken ? { continuationToken: page.continuationToken } : {}) });
  },
  doc: {
    path: '/api/v1/jobs',
    summary: 'List jobs, newest first, with filters and paging',
    tag: 'jobs',
    role: 'reader',
    query: Object.fromEntries(Object.entries(ListQuery.shape).map(([k, v]) => [k, { schema: v as z.ZodType }])),
    responses: {
      200: { description: 'a page of jobs', schema: z.object({ value: z.array(Job), continuationToken: z.string().optional() }) },
    },
  },
});

route('jobsGet', {
  methods: ['GET'],
  route: 'api/v1/jobs/{jobId}',
  handler: async (req) => {
    const principal = await authenticate(req, { need: 'reader' });
    return json(200, jobView(await readJob(req.params.jobId!, principal)));
  },
  doc: {
    path: '/api/v1/jobs/{jobId}',
    params: { jobId: JobIdParam },
    summary: 'Get a job',
    tag: 'jobs',
    role: 'reader',
    responses: { 200: { description: 'the job', schema: Job } },
  },
});

route('jobsStreams', {
  methods: ['GET'],
  route: 'api/v1/jobs/{jobId}/streams',
  handler: async (req) => {
    const principal = await authenticate(req, { need: 'reader' });
    const job = await readJob(req.params.jobId!, principal);
    const types = parseStreamTypes(req.query.getAll('streamTypes'));
    const follow = (req.query.get('follow') ?? '').toLowerCase();
    if (follow && !['true', 'false', '1', '0'].includes(follow)) throw badRequest("Query 'follow' must be true or false.");
    if (follow === 'true' || follow === '1') {
      const after = parseLastEventId(req.headers.get('last-event-id') ?? req.query.get('lastEventId'), job.jobId);
      return { status: 200, headers: SSE_HEADERS, body: followStream({ jobId: job.jobId, types, after }) };
    }
    return json(200, { value: await readStreams(job.jobId, types) });
  },
  doc: {
    path: '/api/v1/jobs/{jobId}/streams',
    params: { jobId: JobIdParam },
    summary: "A job's stream records in write order; with follow=true, live as Server-Sent Events until the job ends",
    tag: 'jobs',
    role: 'reader',
    query: {
      streamTypes: {
        schema: StreamTypesQuery,
        description: 'only these stream types (repeated, or comma-separated in one value; any case)',
      },
      follow: {
        schema: z.enum(['true', 'false']).optional(),
        description:
          'true: answer text/event-stream; one event per record (id = row key, event = stream type, data = the record as JSON) as they are written, then an `end` event with the job status. Resume with the Last-Event-ID header or lastEventId.',
      },
      lastEventId: {
        schema: z.string().optional(),
        description: 'with follow=true: resume after this record id (same as the Last-Event-ID header)',
      },
    },
    responses: {
      200: {
        description: 'the records as JSON; with follow=true, a Server-Sent Events stream',
        content: {
          'application/json': z.object({ value: z.array(StreamRecord) }),
          'text/event-stream': z
            .string()
            .describe(
              '`id: <jobStreamId>`, `event: <streamType>`, `data: <the record as JSON>` per record, then `event: end` with `data: {"status": ...}`',
            ),
        },
      },
    },
  },
});

route('jobsStop', {
  methods: ['POST'],
  route: 'api/v1/jobs/{jobId}/stop',
  handler: async (req) => {
    const principal = await authenticate(req, { need: 'operator' });
    const r = await stopJob(req.params.jobId!, principal.id, principal);
    return json(202, { jobId: req.params.jobId, status: r.status });
  },
  doc: {
    path: '/api/v1/jobs/{jobId}/stop',
    params: { jobId: JobIdParam },
    summary: 'Stop a job (Stopping, then Stopped)',
    tag: 'jobs',
    role: 'operator',
    responses: {
      202: { description: 'stopping', schema: z.object({ jobId: z.string(), status: JobStatus }) },
      409: { description: 'the job has already ended' },
    },
  },
});
