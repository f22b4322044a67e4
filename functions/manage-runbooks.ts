import { z } from 'zod';
import { authenticate } from '../shared/auth/authenticate';
import { readJson } from '../shared/http/body';
import { json, text } from '../shared/http/respond';
import { route } from '../shared/http/route';
import { catalog } from '../shared/runbooks/catalog';
import { withSecretDefaultsMasked } from '../shared/runbooks/parameters';
import { CreateRunbookBody, Runbook, UpdateDraftBody } from '../shared/model/runbook';
import { RunbookName } from '../shared/model/runbook';
import { badRequest, notFound } from '../shared/http/errors';
import { RunbookNameParam } from '../shared/openapi/params';

/** Management API: runbooks (create → draft → publish; repository runbooks are read-only). */
const name = (raw: string | undefined): string => {
  const parsed = RunbookName.safeParse(raw);
  if (!parsed.success) throw notFound(`Runbook '${raw}' not found.`);
  return parsed.data;
};

route('runbooksCreate', {
  methods: ['POST'],
  route: 'api/v1/runbooks',
  handler: async (req) => {
    await authenticate(req, { need: 'admin' });
    const body = await readJson(req, CreateRunbookBody);
    const runbook = await catalog.create(body);
    return json(201, withSecretDefaultsMasked(runbook), { Location: `/api/v1/runbooks/${runbook.name}` });
  },
  doc: {
    path: '/api/v1/runbooks',
    summary: 'Create a runbook (state Edit: a draft until published)',
    tag: 'runbooks',
    role: 'admin',
    body: CreateRunbookBody,
    responses: {
      201: { description: 'created', schema: Runbook, headers: { Location: 'the runbook' } },
      409: { description: 'the name (or path) is taken, or belongs to a repository runbook' },
    },
  },
});

route('runbooksList', {
  methods: ['GET'],
  route: 'api/v1/runbooks',
  handler: async (req) => {
    await authenticate(req, { need: 'reader' });
    return json(200, { value: (await catalog.list()).map(withSecretDefaultsMasked) });
  },
  doc: {
    path: '/api/v1/runbooks',
    summary: 'List runbooks (repository and API)',
    tag: 'runbooks',
    role: 'reader',
    responses: { 200: { description: 'the runbooks', schema: z.object({ value: z.array(Runbook) }) } },
  },
});

route('runbooksGet', {
  methods: ['GET'],
  route: 'api/v1/runbooks/{name}',
  handler: async (req) => {
    await authenticate(req, { need: 'reader' });
    return json(200, withSecretDefaultsMasked(await catalog.require(name(req.params.name))));
  },
  doc: {
    params: { name: RunbookNameParam },
    path: '/api/v1/runbooks/{name}',
    summary: 'Get a runbook',
    tag: 'runbooks',
    role: 'reader',
    responses: { 200: { description: 'the runbook', schema: Runbook } },
  },
});

route('runbooksContent', {
  methods: ['GET'],
  route: 'api/v1/runbooks/{name}/content',
  handler: async (req) => {
    await authenticate(req, { need: 'reader' });
    const which = req.query.get('version') ?? 'published';
    if (which !== 'published' && which !== 'draft') throw badRequest("Query 'version' must be 'published' or 'draft'.");
    const content = await catalog.content(name(req.params.name));
    const value = which === 'draft' ? content.draft : content.published;
    if (value === undefined) throw notFound(`Runbook '${req.params.name}' has no ${which} content.`);
    return text(200, value);
  },
  doc: {
    params: { name: RunbookNameParam },
    path: '/api/v1/runbooks/{name}/content',
    summary: "The runbook's script (published, or ?version=draft)",
    tag: 'runbooks',
    role: 'reader',
    query: { version: { schema: z.enum(['published', 'draft']).default('published') } },
    responses: { 200: { description: 'the script', schema: z.string(), contentType: 'text/plain' } },
  },
});

route('runbooksDraft', {
  methods: ['PUT'],
  route: 'api/v1/runbooks/{name}/draft',
  handler: async (req) => {
    await authenticate(req, { need: 'admin' });
    const body = await readJson(req, UpdateDraftBody);
    return json(200, withSecretDefaultsMasked(await catalog.updateDraft(name(req.params.name), body)));
  },
  doc: {
    params: { name: RunbookNameParam },
    path: '/api/v1/runbooks/{name}/draft',
    summary: "Replace the runbook's draft (jobs keep running the published version)",
    tag: 'runbooks',
    role: 'admin',
    body: UpdateDraftBody,
    responses: {
      200: { description: 'the runbook', schema: Runbook },
      409: { description: 'a repository runbook (change its file instead)' },
    },
  },
});

route('runbooksPublish', {
  methods: ['POST'],
  route: 'api/v1/runbooks/{name}/publish',
  handler: async (req) => {
    await authenticate(req, { need: 'admin' });
    return json(200, withSecretDefaultsMasked(await catalog.publish(name(req.params.name))));
  },
  doc: {
    params: { name: RunbookNameParam },
    path: '/api/v1/runbooks/{name}/publish',
    summary: 'Publish the draft as a new version',
    tag: 'runbooks',
    role: 'admin',
    responses: {
      200: { description: 'the runbook, state Published', schema: Runbook },
      409: { description: 'nothing to publish, or a repository runbook' },
    },
  },
});

route('runbooksDelete', {
  methods: ['DELETE'],
  route: 'api/v1/runbooks/{name}',
  handler: async (req) => {
    await authenticate(req, { need: 'admin' });
    await catalog.delete(name(req.params.name));
    return { status: 204 };
  },
  doc: {
    params: { name: RunbookNameParam },
    path: '/api/v1/runbooks/{name}',
    summary: 'Delete a runbook created through the API',
    tag: 'runbooks',
    role: 'admin',
    responses: { 204: { description: 'deleted' }, 409: { description: 'a repository runbook (remove its file instead)' } },
  },
});
