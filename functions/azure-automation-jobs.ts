import { z } from 'zod';
import { armDoc, ArmPage, ArmResource } from '../shared/arm/doc';
import { armErrors } from '../shared/arm/errors';
import { filterTime, parseFilter } from '../shared/arm/filter';
import { armStreamId, decodeParameters, hookbookStatus, jobItem, jobResource, streamItem } from '../shared/arm/jobs';
import { ACCOUNT_ROUTE, armLink, armRequest } from '../shared/arm/request';
import { page } from '../shared/arm/resource';
import { readJson } from '../shared/http/body';
import { badRequest, conflict, notFound } from '../shared/http/errors';
import { json, text } from '../shared/http/respond';
import { route } from '../shared/http/route';
import { readJob, readOutputText, readStreams } from '../shared/jobs/read';
import { startJob } from '../shared/jobs/start';
import { stopJob } from '../shared/jobs/stop';
import { claimJobName, jobIdForName } from '../shared/arm/jobIds';
import { mayUseRunbook } from '../shared/model/apiKey';
import { StreamType } from '../shared/model/job';
import { catalog } from '../shared/runbooks/catalog';
import { InvalidContinuationToken, jobStore } from '../shared/store/jobStore';
import { JobIdParam } from '../shared/openapi/params';

/**
 * Azure Automation API (Azure Resource Manager shape): jobs. Starting, reading and stopping go
 * through the one job core (startJob, readJob, stopJob), as every other door does.
 */
const JOB = `${ACCOUNT_ROUTE}/jobs/{jobName}`;
const params = { jobName: JobIdParam };
const PAGE_SIZE = 100;

const JobPutBody = z.looseObject({
  properties: z.looseObject({
    runbook: z.looseObject({ name: z.string().min(1).max(128) }),
    parameters: z.record(z.string().max(128), z.unknown()).nullish(),
    runOn: z.string().max(128).nullish(),
  }),
});

route('armJobPut', {
  methods: ['PUT'],
  route: JOB,
  errors: armErrors,
  handler: async (req) => {
    const ctx = await armRequest(req, 'operator');
    const body = await readJson(req, JobPutBody);
    const p = body.properties;
    const { jobId, release } = await claimJobName(req.params.jobName!);
    const started = await startJob({
      runbook: p.runbook.name,
      parameters: decodeParameters(p.parameters ?? undefined) ?? {},
      // Azure takes text for every parameter and converts it to the declared type.
      coerceStrings: true,
      startedBy: ctx.principal.id,
      principal: ctx.principal,
      jobId,
      runOn: p.runOn || undefined,
    }).catch(async (error: unknown) => {
      await release();
      throw error;
    });
    const job = await readJob(started.jobId, ctx.principal);
    if (!started.created && job.runbook.toLowerCase() !== p.runbook.name.toLowerCase()) {
      throw conflict(`Job '${req.params.jobName}' already exists for runbook '${job.runbook}'; choose a new GUID.`);
    }
    return json(201, jobResource(ctx, job));
  },
  doc: armDoc('/jobs/{jobName}', {
    summary: 'Start a job of a published runbook (Job_Create); the client names it with a GUID',
    description:
      "Parameter values are JSON-encoded text, as Az sends them (a value that is not JSON is taken as text). The job's id is Hookbook's own (time-ordered) unless the name is a version 7 GUID; the chosen GUID reads the same job.",
    role: 'operator',
    params,
    body: JobPutBody,
    responses: {
      201: { description: 'the job (status New until a worker takes it)', schema: ArmResource },
      404: { description: 'no such runbook (or one this key may not use)' },
      409: { description: 'the runbook has no published version, or the id is taken by a job of another runbook' },
    },
  }),
});

route('armJobGet', {
  methods: ['GET'],
  route: JOB,
  errors: armErrors,
  handler: async (req) => {
    const ctx = await armRequest(req, 'reader');
    return json(200, jobResource(ctx, await readJob(await jobIdForName(req.params.jobName!), ctx.principal)));
  },
  doc: armDoc('/jobs/{jobName}', {
    summary: 'Get a job (Job_Get): Azure statuses (New, Running, Completed, Failed, Stopping, Stopped), exception',
    role: 'reader',
    params,
    responses: { 200: { description: 'the job', schema: ArmResource } },
  }),
});

const JOB_FILTER = { status: ['eq'], 'runbook/name': ['eq'], startTime: ['ge', 'gt'], endTime: ['le', 'lt'] } as const;

route('armJobsList', {
  methods: ['GET'],
  route: `${ACCOUNT_ROUTE}/jobs`,
  errors: armErrors,
  handler: async (req) => {
    const ctx = await armRequest(req, 'reader');
    const filter = parseFilter(req.query.get('$filter'), JOB_FILTER);
    const token = req.query.get('$skiptoken') ?? undefined;
    if (token !== undefined && !/^[A-Za-z0-9+/=_-]{1,2048}$/.test(token))
      throw badRequest("Query '$skiptoken' is not one this service gave out.");
    const status = filter.find((c) => c.field === 'status');
    const hbStatus = status ? hookbookStatus(status.value) : undefined;
    const runbook = filter.find((c) => c.field === 'runbook/name')?.value;
    const started = filter.find((c) => c.field === 'startTime');
    const ended = filter.find((c) => c.field === 'endTime');
    const startedAfter = started ? filterTime(started) : undefined;
    const endedBefore = ended ? filterTime(ended) : undefined;
    // A status no Hookbook job has (Suspended, Blocked, ...): nothing to list.
    if (status && !hbStatus) return json(200, page([]));
    const found = await jobStore
      .list({
        runbook,
        status: hbStatus,
        // A job starts after it is created and ends before now: these bounds only narrow the scan.
        from: startedAfter,
        to: endedBefore,
        top: PAGE_SIZE,
        continuationToken: token,
      })
      .catch((error) => {
        if (error instanceof InvalidContinuationToken) throw badRequest("Query '$skiptoken' is not one this service gave out.");
        throw error;
      });
    const value = found.value
      .filter((j) => mayUseRunbook(ctx.principal, j.runbook))
      .filter(
        (j) =>
          !startedAfter ||
          (j.startTime !== undefined &&
            (started!.op === 'ge' ? Date.parse(j.startTime) >= +startedAfter : Date.parse(j.startTime) > +startedAfter)),
      )
      .filter(
        (j) =>
          !endedBefore ||
          (j.endTime !== undefined && (ended!.op === 'le' ? Date.parse(j.endTime) <= +endedBefore : Date.parse(j.endTime) < +endedBefore)),
      )
      .map((j) => jobItem(ctx, j));
    const query: Record<string, string> = {};
    const rawFilter = req.query.get('$filter');
    if (rawFilter) query.$filter = rawFilter;
    const next = found.continuationToken ? armLink(ctx, '/jobs', { ...query, $skiptoken: found.continuationToken }) : undefined;
    return json(200, page(value, next));
  },
  doc: armDoc('/jobs', {
    summary: 'List jobs, newest first (Job_ListByAutomationAccount), with $filter and nextLink',
    role: 'reader',
    query: {
      $filter: {
        schema: z.string().optional(),
        description:
          "clauses joined by `and`: `properties/status eq 'Completed'`, `properties/runbook/name eq 'X'`, `properties/startTime ge <date-time>`, `properties/endTime le <date-time>`",
      },
      $skiptoken: { schema: z.string().optional(), description: 'from nextLink' },
    },
    responses: { 200: { description: 'a page of jobs', schema: ArmPage } },
  }),
});

route('armJobOutput', {
  methods: ['GET'],
  route: `${JOB}/output`,
  errors: armErrors,
  handler: async (req) => {
    const ctx = await armRequest(req, 'reader');
    const job = await readJob(await jobIdForName(req.params.jobName!), ctx.principal);
    return text(200, await readOutputText(job.jobId));
  },
  doc: armDoc('/jobs/{jobName}/output', {
    summary: "The job's Output stream as text (Job_GetOutput)",
    role: 'reader',
    params,
    responses: { 200: { description: 'the output, one record a line', schema: z.string(), contentType: 'text/plain' } },
  }),
});

route('armJobRunbookContent', {
  methods: ['GET'],
  route: `${JOB}/runbookContent`,
  errors: armErrors,
  handler: async (req) => {
    const ctx = await armRequest(req, 'reader');
    const job = await readJob(await jobIdForName(req.params.jobName!), ctx.principal);
    const version = await catalog.version(job.runbook, job.runbookVersion);
    if (!version) throw notFound(`The runbook version job '${job.jobId}' ran (${job.runbook} v${job.runbookVersion}) is gone.`);
    return {
      status: 200,
      headers: { 'Content-Type': `${version.definition.type === 'pwsh' ? 'text/powershell' : 'text/plain'}; charset=utf-8` },
      body: version.content,
    };
  },
  doc: armDoc('/jobs/{jobName}/runbookContent', {
    summary: 'The script the job ran (Job_GetRunbookContent)',
    role: 'reader',
    params,
    responses: { 200: { description: 'the script', content: { 'text/powershell': z.string(), 'text/plain': z.string() } } },
  }),
});

route('armJobStop', {
  methods: ['POST'],
  route: `${JOB}/stop`,
  errors: armErrors,
  handler: async (req) => {
    const ctx = await armRequest(req, 'operator');
    await stopJob(await jobIdForName(req.params.jobName!), ctx.principal.id, ctx.principal);
    return { status: 200 };
  },
  doc: armDoc('/jobs/{jobName}/stop', {
    summary: 'Stop a job (Job_Stop): Stopping, then Stopped',
    role: 'operator',
    params,
    responses: { 200: { description: 'stopping' }, 409: { description: 'the job has already ended' } },
  }),
});

const STREAM_FILTER = { streamType: ['eq'], time: ['ge', 'gt'] } as const;

route('armJobStreamsList', {
  methods: ['GET'],
  route: `${JOB}/streams`,
  errors: armErrors,
  handler: async (req) => {
    const ctx = await armRequest(req, 'reader');
    const filter = parseFilter(req.query.get('$filter'), STREAM_FILTER);
    const job = await readJob(await jobIdForName(req.params.jobName!), ctx.principal);
    const typeClause = filter.find((c) => c.field === 'streamType');
    let types: StreamType[] | undefined;
    if (typeClause && typeClause.value.toLowerCase() !== 'any') {
      const t = StreamType.options.find((o) => o.toLowerCase() === typeClause.value.toLowerCase());
      if (!t) throw badRequest(`$filter: properties/streamType must be Any or one of ${StreamType.options.join(', ')}.`);
      types = [t];
    }
    const timeClause = filter.find((c) => c.field === 'time');
    const since = timeClause ? +filterTime(timeClause) : undefined;
    const records = (await readStreams(job.jobId, types)).filter(
      (s) => since === undefined || (timeClause!.op === 'ge' ? Date.parse(s.time) >= since : Date.parse(s.time) > since),
    );
    return json(200, page(records.map((s) => streamItem(ctx, job.jobId, s, false))));
  },
  doc: armDoc('/jobs/{jobName}/streams', {
    summary: "A job's stream records (JobStream_ListByJob) with $filter",
    role: 'reader',
    params,
    query: {
      $filter: {
        schema: z.string().optional(),
        description: "`properties/streamType eq 'Output'` ('Any': every type) and/or `properties/time ge <date-time>`, joined by `and`",
      },
    },
    responses: {
      200: {
        description: 'the records (without streamText and value: read each one for them)',
        schema: z.object({ value: z.array(z.looseObject({ id: z.string(), properties: z.looseObject({}) })) }),
      },
    },
  }),
});

route('armJobStreamGet', {
  methods: ['GET'],
  route: `${JOB}/streams/{jobStreamId}`,
  errors: armErrors,
  handler: async (req) => {
    const ctx = await armRequest(req, 'reader');
    const job = await readJob(await jobIdForName(req.params.jobName!), ctx.principal);
    const wanted = req.params.jobStreamId!;
    const record = (await readStreams(job.jobId)).find((s) => armStreamId(s).toLowerCase() === wanted.toLowerCase());
    if (!record) throw notFound(`Job stream '${wanted.slice(0, 80)}' not found in job '${job.jobId}'.`);
    return json(200, streamItem(ctx, job.jobId, record, true));
  },
  doc: armDoc('/jobs/{jobName}/streams/{jobStreamId}', {
    summary: 'One stream record with its streamText and value (JobStream_Get)',
    role: 'reader',
    params: { ...params, jobStreamId: z.string().min(1) },
    responses: { 200: { description: 'the record', schema: z.looseObject({ id: z.string(), properties: z.looseObject({}) }) } },
  }),
});
