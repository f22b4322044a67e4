import { app, type InvocationContext, type Timer } from '@azure/functions';
import { z } from 'zod';
import { authenticate } from '../shared/auth/authenticate';
import { readBytes, readJson } from '../shared/http/body';
import { badRequest, notFound } from '../shared/http/errors';
import { json } from '../shared/http/respond';
import { route } from '../shared/http/route';
import { settings } from '../shared/config';
import {
  CreatedSourceControl,
  CreateSourceControlBody,
  Proposal,
  ProposeBody,
  SourceControl,
  SourceControlName,
  SyncMessage,
  SyncRun,
  UpdateSourceControlBody,
} from '../shared/model/sourceControl';
import { RunbookName } from '../shared/model/runbook';
import { RunbookNameParam } from '../shared/openapi/params';
import {
  createSourceControl,
  deleteSourceControl,
  getSourceControl,
  listSourceControls,
  pushUrlOf,
  updateSourceControl,
} from '../shared/sourceControl/manage';
import { getSyncRun, requestSync, runQueuedSync, syncAllOnSchedule } from '../shared/sourceControl/sync';
import { receivePush } from '../shared/sourceControl/push';
import { proposeDraft } from '../shared/sourceControl/propose';
import { SOURCE_SYNC_QUEUE, sourceControlStore } from '../shared/store/sourceControlStore';

/**
 * Source controls (docs/source-control.md): runbooks synced from a folder of a git repository.
 * Management under /api/v1/source-controls (admin; reader to look), push events from the git host
 * (signed with the push secret), the sync queue and the scheduled sync.
 */
const tag = 'source-controls';
const SourceParam = SourceControlName.describe('a source control name');
const sourceName = (raw: string | undefined): string => {
  const parsed = SourceControlName.safeParse(raw);
  if (!parsed.success) throw notFound(`No source control named '${raw}'.`);
  return parsed.data;
};

route('sourceControlsCreate', {
  methods: ['POST'],
  route: 'api/v1/source-controls',
  handler: async (req) => {
    await authenticate(req, { need: 'admin' });
    const body = await readJson(req, CreateSourceControlBody);
    const { source, pushSecret } = await createSourceControl(body);
    return json(201, { ...source, pushSecret, pushUrl: pushUrlOf(source.name) }, { Location: `/api/v1/source-controls/${source.name}` });
  },
  doc: {
    path: '/api/v1/source-controls',
    summary: 'Add a source control (a folder of a git repository whose runbooks are synced)',
    tag,
    role: 'admin',
    body: CreateSourceControlBody,
    responses: {
      201: {
        description: 'created; the push secret is shown this once',
        schema: CreatedSourceControl,
        headers: { Location: 'the source control' },
      },
      409: { description: 'the name is taken' },
    },
  },
});

route('sourceControlsList', {
  methods: ['GET'],
  route: 'api/v1/source-controls',
  handler: async (req) => {
    await authenticate(req, { need: 'reader' });
    return json(200, { value: await listSourceControls() });
  },
  doc: {
    path: '/api/v1/source-controls',
    summary: 'List source controls',
    tag,
    role: 'reader',
    responses: { 200: { description: 'the source controls', schema: z.object({ value: z.array(SourceControl) }) } },
  },
});

route('sourceControlsGet', {
  methods: ['GET'],
  route: 'api/v1/source-controls/{name}',
  handler: async (req) => {
    await authenticate(req, { need: 'reader' });
    return json(200, await getSourceControl(sourceName(req.params.name)));
  },
  doc: {
    params: { name: SourceParam },
    path: '/api/v1/source-controls/{name}',
    summary: 'Get a source control (with its last sync)',
    tag,
    role: 'reader',
    responses: { 200: { description: 'the source control', schema: SourceControl } },
  },
});

route('sourceControlsUpdate', {
  methods: ['PATCH'],
  route: 'api/v1/source-controls/{name}',
  handler: async (req) => {
    await authenticate(req, { need: 'admin' });
    return json(200, await updateSourceControl(sourceName(req.params.name), await readJson(req, UpdateSourceControlBody)));
  },
  doc: {
    params: { name: SourceParam },
    path: '/api/v1/source-controls/{name}',
    summary: 'Change a source control (the next sync uses it; `credential: null` removes the credential)',
    tag,
    role: 'admin',
    body: UpdateSourceControlBody,
    responses: { 200: { description: 'the source control', schema: SourceControl } },
  },
});

route('sourceControlsDelete', {
  methods: ['DELETE'],
  route: 'api/v1/source-controls/{name}',
  handler: async (req) => {
    await authenticate(req, { need: 'admin' });
    return json(200, await deleteSourceControl(sourceName(req.params.name)));
  },
  doc: {
    params: { name: SourceParam },
    path: '/api/v1/source-controls/{name}',
    summary: 'Delete a source control; its runbooks stay, as API runbooks (their last version keeps running)',
    tag,
    role: 'admin',
    responses: { 200: { description: 'the runbooks it leaves behind', schema: z.object({ detached: z.array(z.string()) }) } },
  },
});

route('sourceControlsSync', {
  methods: ['POST'],
  route: 'api/v1/source-controls/{name}/sync',
  handler: async (req) => {
    const p = await authenticate(req, { need: 'admin' });
    const dry = req.query.get('dryRun');
    if (dry !== null && dry !== 'true' && dry !== 'false') throw badRequest("Query 'dryRun' must be true or false.");
    const run = await requestSync(sourceName(req.params.name), 'manual', p.id, dry === 'true');
    return json(202, run, { Location: `/api/v1/source-controls/${run.sourceControl}/syncs/${run.runId}` });
  },
  doc: {
    params: { name: SourceParam },
    path: '/api/v1/source-controls/{name}/sync',
    summary: 'Sync now (queued; `?dryRun=true` records what a sync would change, and changes nothing)',
    tag,
    role: 'admin',
    query: { dryRun: { schema: z.enum(['true', 'false']).default('false') } },
    responses: { 202: { description: 'the sync run, Queued', schema: SyncRun, headers: { Location: 'the sync run' } } },
  },
});

route('sourceControlsSyncs', {
  methods: ['GET'],
  route: 'api/v1/source-controls/{name}/syncs',
  handler: async (req) => {
    await authenticate(req, { need: 'reader' });
    const name = sourceName(req.params.name);
    const top = Number(req.query.get('top') ?? '20');
    if (!Number.isInteger(top) || top < 1 || top > 100) throw badRequest("Query 'top' must be an integer from 1 to 100.");
    await getSourceControl(name);
    return json(200, { value: await sourceControlStore.listRuns(name, top) });
  },
  doc: {
    params: { name: SourceParam },
    path: '/api/v1/source-controls/{name}/syncs',
    summary: 'Sync runs of a source control, newest first',
    tag,
    role: 'reader',
    query: { top: { schema: z.coerce.number().int().min(1).max(100).default(20) } },
    responses: { 200: { description: 'the runs', schema: z.object({ value: z.array(SyncRun) }) } },
  },
});

route('sourceControlsSyncRun', {
  methods: ['GET'],
  route: 'api/v1/source-controls/{name}/syncs/{runId}',
  handler: async (req) => {
    await authenticate(req, { need: 'reader' });
    return json(200, await getSyncRun(sourceName(req.params.name), req.params.runId ?? ''));
  },
  doc: {
    params: {
      name: SourceParam,
      runId: z
        .string()
        .regex(/^\d{13}-[0-9a-f]{8}$/)
        .describe('a sync run id'),
    },
    path: '/api/v1/source-controls/{name}/syncs/{runId}',
    summary: 'One sync run: status, commit, runbooks added, updated, unpublished, files skipped and why',
    tag,
    role: 'reader',
    responses: { 200: { description: 'the run', schema: SyncRun } },
  },
});

route('sourceControlsPush', {
  methods: ['POST'],
  route: 'api/v1/source-controls/{name}/push',
  // The git host's call, authenticated by the push secret, not a management key: the sync it queues
  // is recorded as a sync run (docs/source-control.md), not in the audit trail.
  audit: false,
  handler: async (req) => {
    const body = await readBytes(req);
    const outcome = await receivePush(sourceName(req.params.name), (h) => req.headers.get(h), body);
    return 'run' in outcome ? json(202, outcome.run) : json(200, outcome);
  },
  doc: {
    params: { name: SourceParam },
    path: '/api/v1/source-controls/{name}/push',
    summary: "The git host's push event (GitHub, GitLab, Azure DevOps): a push to the source's branch queues a sync",
    description:
      'Authenticated by the push secret: GitHub `X-Hub-Signature-256`, GitLab `X-Gitlab-Token`, Azure DevOps basic auth (the secret as password).',
    tag,
    security: [],
    body: z.record(z.string(), z.unknown()).describe('the push event as the git host sends it'),
    responses: {
      202: { description: 'a sync was queued', schema: SyncRun },
      200: { description: 'not a push to the synced branch: ignored', schema: z.object({ ignored: z.string() }) },
      400: { description: 'the body is not a JSON object' },
      401: { description: 'signature, token or password missing or wrong' },
      404: { description: 'no such source control' },
    },
  },
});

route('runbooksPropose', {
  methods: ['POST'],
  route: 'api/v1/runbooks/{name}/propose',
  handler: async (req) => {
    const p = await authenticate(req, { need: 'admin' });
    const parsed = RunbookName.safeParse(req.params.name);
    if (!parsed.success) throw notFound(`Runbook '${req.params.name}' not found.`);
    const body = await readJson(req, ProposeBody, { empty: {} });
    return json(201, await proposeDraft(parsed.data, body, p.id));
  },
  doc: {
    params: { name: RunbookNameParam },
    path: '/api/v1/runbooks/{name}/propose',
    summary: "Propose a git runbook's draft back to its repository: a commit on a new branch, pushed with the source's credential",
    tag: 'runbooks',
    role: 'admin',
    body: ProposeBody,
    bodyOptional: true,
    responses: {
      201: { description: 'the branch and commit pushed', schema: Proposal },
      409: { description: 'not a git runbook, no draft, or the git server refused the push' },
    },
  },
});

/** The sync queue: one message, one sync (a restart leaves the message for the next instance). */
export async function sourceSync(message: unknown, context: InvocationContext): Promise<void> {
  const parsed = SyncMessage.safeParse(typeof message === 'string' ? JSON.parse(message) : message);
  if (!parsed.success) {
    context.warn('Source sync message dropped: not a sync message.');
    return;
  }
  await runQueuedSync(parsed.data, (line) => context.log(line));
}
app.storageQueue('sourceSync', { queueName: SOURCE_SYNC_QUEUE, connection: 'AzureWebJobsStorage', handler: sourceSync });

/** HOOKBOOK_SOURCE_SYNC_CRON: queue a sync of every source with syncOnSchedule. */
export async function sourceSyncSchedule(_timer: Timer, context: InvocationContext): Promise<void> {
  const n = await syncAllOnSchedule();
  if (n) context.log(`Scheduled sync of ${n} source control(s) queued.`);
}
app.timer('sourceSyncSchedule', { schedule: settings().sourceSyncCron, runOnStartup: false, handler: sourceSyncSchedule });
