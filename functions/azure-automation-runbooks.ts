import { z } from 'zod';
import { armDoc, ArmPage, ArmResource, OperationStatus } from '../shared/arm/doc';
import { armErrors } from '../shared/arm/errors';
import { accepted, succeeded } from '../shared/arm/lro';
import { ACCOUNT_ROUTE, armLink, armRequest, type ArmContext } from '../shared/arm/request';
import { page } from '../shared/arm/resource';
import { draftView, hookbookType, runbookResource, RunbookPatchBody, RunbookPutBody } from '../shared/arm/runbooks';
import { readBytes, readJson } from '../shared/http/body';
import { badRequest, conflict, notFound, tooLarge } from '../shared/http/errors';
import { json } from '../shared/http/respond';
import { route } from '../shared/http/route';
import { MAX_CONTENT_CHARS, RunbookName, type Runbook } from '../shared/model/runbook';
import { catalog } from '../shared/runbooks/catalog';
import { inferAssets } from '../shared/runbooks/inferAssets';
import { RunbookNameParam } from '../shared/openapi/params';

/**
 * Azure Automation API (Azure Resource Manager shape): runbooks. Every change goes through the
 * runbook catalog, the same functions the management API calls (docs/azure-automation-api.md).
 */
const RUNBOOK = `${ACCOUNT_ROUTE}/runbooks/{runbookName}`;
const params = { runbookName: RunbookNameParam };
const PAGE_SIZE = 100;

const scriptType = (r: Runbook) => (r.type === 'pwsh' ? 'text/powershell' : 'text/plain');
const script = (r: Runbook, content: string) => ({
  status: 200,
  headers: { 'Content-Type': `${scriptType(r)}; charset=utf-8` },
  body: content,
});

/** The runbook's current script: the draft when one is in edit, else the published one ('' for a new runbook). */
async function currentContent(name: string): Promise<string> {
  const c = await catalog.content(name);
  return c.draft ?? c.published ?? '';
}

/** A change of an existing runbook's settings: a new draft with the same script (Azure's PUT/PATCH of an existing runbook). */
async function changeSettings(existing: Runbook, changes: { description?: string; logVerbose?: boolean }): Promise<Runbook> {
  const defined = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined));
  if (!Object.keys(defined).length) return existing;
  return catalog.updateDraft(existing.name, { ...defined, content: await currentContent(existing.name) });
}

route('armRunbooksList', {
  methods: ['GET'],
  route: `${ACCOUNT_ROUTE}/runbooks`,
  errors: armErrors,
  handler: async (req) => {
    const ctx = await armRequest(req, 'reader');
    const skip = Number(req.query.get('$skiptoken') ?? '0');
    const top = Number(req.query.get('$top') ?? PAGE_SIZE);
    if (!Number.isInteger(skip) || skip < 0) throw badRequest("Query '$skiptoken' is not one this service gave out.");
    if (!Number.isInteger(top) || top < 1 || top > PAGE_SIZE)
      throw badRequest(`Query '$top' must be a whole number from 1 to ${PAGE_SIZE}.`);
    const all = await catalog.list();
    const next = skip + top < all.length ? armLink(ctx, '/runbooks', { $skiptoken: String(skip + top), $top: String(top) }) : undefined;
    return json(
      200,
      page(
        all.slice(skip, skip + top).map((r) => runbookResource(ctx, r)),
        next,
      ),
    );
  },
  doc: armDoc('/runbooks', {
    summary: 'List runbooks (Runbook_ListByAutomationAccount), a page at a time with nextLink',
    role: 'reader',
    query: {
      $top: { schema: z.string().regex(/^\d+$/).optional(), description: 'page size, 1 to 100 (default 100)' },
      $skiptoken: { schema: z.string().optional(), description: 'from nextLink' },
    },
    responses: { 200: { description: 'a page of runbooks', schema: ArmPage } },
  }),
});

route('armRunbookGet', {
  methods: ['GET'],
  route: RUNBOOK,
  errors: armErrors,
  handler: async (req) => {
    const ctx = await armRequest(req, 'reader');
    return json(200, runbookResource(ctx, await catalog.require(req.params.runbookName!)));
  },
  doc: armDoc('/runbooks/{runbookName}', {
    summary: 'Get a runbook (Runbook_Get); properties.parameters are those of the published version',
    role: 'reader',
    params,
    responses: { 200: { description: 'the runbook', schema: ArmResource } },
  }),
});

route('armRunbookPut', {
  methods: ['PUT'],
  route: RUNBOOK,
  errors: armErrors,
  handler: async (req) => {
    const ctx = await armRequest(req, 'admin');
    return putRunbook(ctx, req.params.runbookName!, await readJson(req, RunbookPutBody));
  },
  doc: armDoc('/runbooks/{runbookName}', {
    summary: 'Create or update a runbook (Runbook_CreateOrUpdate)',
    description:
      'Creates an empty runbook (state New) whose script comes with PUT draft/content; on an existing runbook, changes its description and logVerbose in a new draft.',
    role: 'admin',
    params,
    body: RunbookPutBody,
    responses: {
      200: { description: 'updated', schema: ArmResource },
      201: { description: 'created', schema: ArmResource },
      409: { description: 'a repository runbook (change its file instead), or a runbookType that differs from the existing one' },
    },
  }),
});

route('armRunbookPatch', {
  methods: ['PATCH'],
  route: RUNBOOK,
  errors: armErrors,
  handler: async (req) => {
    const ctx = await armRequest(req, 'admin');
    const body = await readJson(req, RunbookPatchBody);
    const existing = await catalog.require(req.params.runbookName!);
    const changed = await changeSettings(existing, body.properties ?? {});
    // PATCH: tags given replace the set; left out, they stay.
    return json(200, runbookResource(ctx, body.tags === undefined ? changed : await catalog.setTags(changed.name, body.tags)));
  },
  doc: armDoc('/runbooks/{runbookName}', {
    summary: "Change a runbook's tags, description or logVerbose (Runbook_Update; the last two in a new draft)",
    role: 'admin',
    params,
    body: RunbookPatchBody,
    responses: {
      200: { description: 'the runbook', schema: ArmResource },
      409: { description: 'a repository runbook (change its file instead)' },
    },
  }),
});

route('armRunbookDelete', {
  methods: ['DELETE'],
  route: RUNBOOK,
  errors: armErrors,
  handler: async (req) => {
    await armRequest(req, 'admin');
    await catalog.delete(req.params.runbookName!);
    return { status: 200 };
  },
  doc: armDoc('/runbooks/{runbookName}', {
    summary: 'Delete a runbook with its webhooks and schedules (Runbook_Delete)',
    role: 'admin',
    params,
    responses: {
      200: { description: 'deleted' },
      409: { description: 'a repository runbook (remove its file instead)' },
    },
  }),
});

async function putRunbook(ctx: ArmContext, name: string, body: z.infer<typeof RunbookPutBody>) {
  const p = body.properties;
  const type = hookbookType(p.runbookType);
  if (p.publishContentLink?.uri) {
    throw badRequest(
      'properties.publishContentLink is not supported: Hookbook does not fetch scripts from URLs; send the script with PUT draft/content.',
    );
  }
  if (body.name !== undefined && body.name.toLowerCase() !== name.toLowerCase()) {
    throw badRequest(`name '${body.name.slice(0, 128)}' differs from the runbook name in the path ('${name}').`);
  }
  const existing = await catalog.get(name);
  if (existing) {
    if (existing.type !== type)
      throw conflict(`Runbook '${name}' is of type ${existing.type}; its runbookType cannot change. Delete it first.`);
    const changed = await changeSettings(existing, p);
    // PUT replaces the resource: its tags are the body's (none when it sends none), as in Azure.
    return json(200, runbookResource(ctx, await tagged(changed, body.tags ?? {})));
  }
  if (!RunbookName.safeParse(name).success)
    throw badRequest(
      `Runbook name '${name.slice(0, 128)}' must start with a letter and hold only letters, digits, "_" and "-" (at most 128).`,
    );
  const created = await catalog.create({
    name,
    type,
    content: '',
    parameters: [],
    description: p.description ?? '',
    ...(p.logVerbose !== undefined ? { logVerbose: p.logVerbose } : {}),
  });
  return json(201, runbookResource(ctx, await tagged(created, body.tags ?? {})));
}

/** The runbook with these tags, written only when they differ from its own. */
async function tagged(r: Runbook, tags: Record<string, string>): Promise<Runbook> {
  const same = JSON.stringify(Object.entries(r.tags ?? {}).sort()) === JSON.stringify(Object.entries(tags).sort());
  return same ? r : catalog.setTags(r.name, tags);
}

route('armRunbookContent', {
  methods: ['GET'],
  route: `${RUNBOOK}/content`,
  errors: armErrors,
  handler: async (req) => {
    await armRequest(req, 'reader');
    const r = await catalog.require(req.params.runbookName!);
    const { published } = await catalog.content(r.name);
    if (published === undefined) throw notFound(`Runbook '${r.name}' has no published content; publish it first.`);
    return script(r, published);
  },
  doc: armDoc('/runbooks/{runbookName}/content', {
    summary: "The published runbook's script",
    role: 'reader',
    params,
    responses: {
      200: { description: 'the script', content: { 'text/powershell': z.string(), 'text/plain': z.string() } },
    },
  }),
});

route('armRunbookDraft', {
  methods: ['GET'],
  route: `${RUNBOOK}/draft`,
  errors: armErrors,
  handler: async (req) => {
    await armRequest(req, 'reader');
    return json(200, draftView(await catalog.require(req.params.runbookName!)));
  },
  doc: armDoc('/runbooks/{runbookName}/draft', {
    summary: "The runbook's draft: whether one is in edit, and its parameters",
    role: 'reader',
    params,
    responses: { 200: { description: 'the draft', schema: z.looseObject({ inEdit: z.boolean(), parameters: z.looseObject({}) }) } },
  }),
});

route('armRunbookDraftContentGet', {
  methods: ['GET'],
  route: `${RUNBOOK}/draft/content`,
  errors: armErrors,
  handler: async (req) => {
    await armRequest(req, 'reader');
    const r = await catalog.require(req.params.runbookName!);
    const c = await catalog.content(r.name);
    const content = c.draft ?? c.published;
    if (content === undefined) throw notFound(`Runbook '${r.name}' has no draft content.`);
    return script(r, content);
  },
  doc: armDoc('/runbooks/{runbookName}/draft/content', {
    summary: "The runbook's draft script (the published one when no draft is in edit)",
    role: 'reader',
    params,
    responses: { 200: { description: 'the script', content: { 'text/powershell': z.string(), 'text/plain': z.string() } } },
  }),
});

route('armRunbookDraftContentPut', {
  methods: ['PUT'],
  route: `${RUNBOOK}/draft/content`,
  errors: armErrors,
  handler: async (req) => {
    const ctx = await armRequest(req, 'admin');
    const content = (await readBytes(req, MAX_CONTENT_CHARS * 4)).toString('utf8');
    if (content.length > MAX_CONTENT_CHARS)
      throw tooLarge(`The script is ${content.length} characters; the limit is ${MAX_CONTENT_CHARS}.`);
    if (content.trim() === '') throw badRequest('The body is empty; send the runbook script (Content-Type: text/powershell).');
    const r = await catalog.require(req.params.runbookName!);
    // An imported runbook has no manifest: it may read the assets its script names literally.
    const assets = { ...inferAssets(r.type, content), env: r.draft?.assets?.env ?? r.assets?.env ?? {} };
    await catalog.updateDraft(r.name, { content, assets });
    return accepted(ctx, r.name);
  },
  doc: armDoc('/runbooks/{runbookName}/draft/content', {
    summary: "Replace the runbook's draft script (RunbookDraft_ReplaceContent, a long-running operation)",
    description:
      'Takes the raw script (Content-Type: text/powershell) and answers 202 with Location and Retry-After once the draft is stored. The assets the runbook may read are inferred from the literal names its script passes to Get-AutomationVariable, Get-AutomationPSCredential, Get-AutomationConnection and Set-AutomationVariable (docs/azure-automation-api.md).',
    role: 'admin',
    params,
    bodyContent: { 'text/powershell': z.string(), 'text/plain': z.string() },
    responses: {
      202: { description: 'stored; poll Location', headers: { Location: 'the operation result', 'Retry-After': 'seconds' } },
      409: { description: 'a repository runbook (change its file instead)' },
    },
  }),
});

route('armRunbookPublish', {
  methods: ['POST'],
  route: `${RUNBOOK}/publish`,
  errors: armErrors,
  handler: async (req) => {
    const ctx = await armRequest(req, 'admin');
    const r = await catalog.publish((await catalog.require(req.params.runbookName!)).name);
    return accepted(ctx, r.name);
  },
  doc: armDoc('/runbooks/{runbookName}/publish', {
    summary: 'Publish the draft (a long-running operation: 202, then poll Location)',
    role: 'admin',
    params,
    responses: {
      202: { description: 'published; poll Location', headers: { Location: 'the operation result', 'Retry-After': 'seconds' } },
    },
  }),
});

route('armRunbookOperationResult', {
  methods: ['GET'],
  route: `${RUNBOOK}/operationResults/{operationId}`,
  errors: armErrors,
  handler: async (req) => {
    await armRequest(req, 'reader');
    await catalog.require(req.params.runbookName!);
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(req.params.operationId!)) {
      throw notFound(`Operation '${req.params.operationId!.slice(0, 64)}' not found.`);
    }
    return succeeded();
  },
  doc: armDoc('/runbooks/{runbookName}/operationResults/{operationId}', {
    summary: 'The result of a draft/content or publish operation (the Location they answer with)',
    role: 'reader',
    params: { ...params, operationId: z.uuid() },
    responses: { 200: { description: 'done', schema: OperationStatus } },
  }),
});
