import type { HttpRequest } from '@azure/functions';
import { z } from 'zod';
import { authenticate } from '../shared/auth/authenticate';
import { readBytes } from '../shared/http/body';
import { badRequest } from '../shared/http/errors';
import { json, text } from '../shared/http/respond';
import { route } from '../shared/http/route';
import { settings } from '../shared/config';
import { startJob } from '../shared/jobs/start';
import { startAndWait } from '../shared/jobs/runHere';
import { readJob, readOutputText, readStreams } from '../shared/jobs/read';
import { StreamType, type StreamRecord } from '../shared/model/job';
import { JobIdParam, RunbookNameParam } from '../shared/openapi/params';

/**
 * Dialect 2: the RealmJoin runbook API (SPEC §4), under `/api/external/runbook/...` and
 * RealmJoin's newer `/runbook/...` layout. Basic auth with Hookbook API keys.
 */
const BASES = [
  { prefix: 'api/external/runbook', name: 'realmjoin' },
  { prefix: 'runbook', name: 'realmjoinShort' },
];
const CHALLENGE = 'Basic realm="hookbook"';

const RealmJoinStream = z.object({
  time: z.string(),
  summary: z.string(),
  streamType: StreamType,
  streamText: z.string(),
  value: z.unknown(),
});
const RunResult = z.object({
  jobID: z.string(),
  status: z.string(),
  streams: z.array(RealmJoinStream).optional(),
  exception: z.string().optional(),
});
const Parameters = z
  .record(z.string(), z.unknown())
  .describe('The runbook parameters, e.g. {"UserName":"someone@contoso.com","Revoke":true}');

const toRealmJoin = (r: StreamRecord) => ({
  time: r.time,
  summary: r.summary,
  streamType: r.streamType,
  streamText: r.streamText,
  value: r.value ?? null,
});

async function parameters(req: HttpRequest): Promise<unknown> {
  const raw = (await readBytes(req)).toString('utf8');
  if (raw.trim() === '') return {};
  try {
    return JSON.parse(raw);
  } catch (error) {
    throw badRequest(`Request body is not valid JSON: ${(error as Error).message}`);
  }
}

/** How the document states `?streamTypes=` (repeated; a comma-separated value and any case are accepted too). */
export const StreamTypesQuery = z.array(StreamType).optional();

/** `?streamTypes=Verbose`, `?streamTypes=Verbose,Error` or repeated; names are not case-sensitive. */
export function parseStreamTypes(values: string[]): StreamType[] | undefined {
  const names = values
    .flatMap((v) => v.split(','))
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0) return undefined;
  return names.map((n) => {
    const match = StreamType.options.find((t) => t.toLowerCase() === n.toLowerCase());
    if (!match) throw badRequest(`Unknown stream type '${n}'; use ${StreamType.options.join(', ')}.`);
    return match;
  });
}

for (const { prefix, name } of BASES) {
  const documented = prefix === 'api/external/runbook';
  const statusPath = (jobId: string) => `/${prefix}/jobs/${jobId}/status`;

  route(`${name}Run`, {
    methods: ['POST'],
    route: `${prefix}/{runbookName}/run`,
    handler: async (req) => {
      const principal = await authenticate(req, { need: 'operator', challenge: CHALLENGE });
      const run = { runbook: req.params.runbookName!, parameters: await parameters(req), startedBy: principal.id, principal };
      const job = await startAndWait(run, settings().runWaitSeconds * 1000);
      if (!job.ended) {
        return json(
          202,
          { jobID: job.jobId, status: job.status },
          {
            Location: statusPath(job.jobId),
            'Retry-After': '5',
          },
        );
      }
      const streams = (job.streams ?? (await readStreams(job.jobId))).map(toRealmJoin);
      return json(200, { jobID: job.jobId, status: job.status, streams, ...(job.exception ? { exception: job.exception } : {}) });
    },
    doc: documented
      ? {
          path: `/${prefix}/{runbookName}/run`,
          params: { runbookName: RunbookNameParam },
          summary: 'Start a runbook and wait for its result (202 with Location when it takes longer than the wait limit)',
          tag: 'realmjoin',
          role: 'operator',
          body: Parameters,
          responses: {
            200: { description: 'the job ended', schema: RunResult },
            202: {
              description: 'still running; poll Location',
              schema: RunResult,
              headers: { Location: 'the status URL', 'Retry-After': 'seconds' },
            },
            404: { description: 'no such runbook (or one this key may not use)' },
            409: { description: 'the runbook has no published version' },
          },
        }
      : undefined,
  });

  route(`${name}Start`, {
    methods: ['POST'],
    route: `${prefix}/{runbookName}/start`,
    handler: async (req) => {
      const principal = await authenticate(req, { need: 'operator', challenge: CHALLENGE });
      const started = await startJob({
        runbook: req.params.runbookName!,
        parameters: await parameters(req),
        startedBy: principal.id,
        principal,
      });
      return json(200, { jobID: started.jobId, status: started.status }, { Location: statusPath(started.jobId) });
    },
    doc: documented
      ? {
          path: `/${prefix}/{runbookName}/start`,
          params: { runbookName: RunbookNameParam },
          summary: 'Start a runbook; returns once the job is queued',
          tag: 'realmjoin',
          role: 'operator',
          body: Parameters,
          responses: {
            200: {
              description: 'queued',
              schema: z.object({ jobID: z.string(), status: z.string() }),
              headers: { Location: 'the status URL' },
            },
            404: { description: 'no such runbook (or one this key may not use)' },
            409: { description: 'the runbook has no published version' },
          },
        }
      : undefined,
  });

  const readRoute = (
    suffix: string,
    fn: 'status' | 'outputText' | 'outputStreams' | 'exceptionText',
    summary: string,
    schema?: z.ZodType,
  ) =>
    route(`${name}Job_${fn}`, {
      methods: ['GET'],
      route: `${prefix}/jobs/{jobID}/${suffix}`,
      handler: async (req) => {
        const principal = await authenticate(req, { need: 'reader', challenge: CHALLENGE });
        const job = await readJob(req.params.jobID!, principal);
        switch (fn) {
          case 'status':
            return text(200, job.status);
          case 'outputText':
            return text(200, await readOutputText(job.jobId));
          case 'exceptionText':
            return text(200, job.exception ?? '');
          case 'outputStreams': {
            const types = parseStreamTypes(req.query.getAll('streamTypes').concat(req.query.getAll('streamType')));
            return json(200, (await readStreams(job.jobId, types)).map(toRealmJoin));
          }
        }
      },
      doc: documented
        ? {
            path: `/${prefix}/jobs/{jobID}/${suffix}`,
            params: { jobID: JobIdParam },
            summary,
            tag: 'realmjoin',
            role: 'reader',
            ...(fn === 'outputStreams'
              ? {
                  query: {
                    streamTypes: {
                      schema: StreamTypesQuery,
                      description:
                        'one or more of Output, Error, Warning, Verbose, Debug, Progress (repeated, or comma-separated in one value; any case)',
                    },
                  },
                }
              : {}),
            responses: {
              200: schema ? { description: summary, schema } : { description: summary, schema: z.string(), contentType: 'text/plain' },
            },
          }
        : undefined,
    });

  readRoute('status', 'status', "The job's status as text: Queued, Running, Completed, Failed, ...");
  readRoute('output/text', 'outputText', 'The Output stream as text, one record a line');
  readRoute('output/streams', 'outputStreams', 'Stream records, optionally filtered by type', z.array(RealmJoinStream));
  readRoute('exception/text', 'exceptionText', "The job's exception message (empty if none)");
}
