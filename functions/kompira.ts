import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { z } from 'zod';
import { settings } from '../shared/config';
import { readBytes } from '../shared/http/body';
import { badRequest, HttpError, notFound } from '../shared/http/errors';
import { route } from '../shared/http/route';
import { jobView, readJob, readStreams } from '../shared/jobs/read';
import { startJob } from '../shared/jobs/start';
import { mayUseRunbook, type Principal } from '../shared/model/apiKey';
import type { Runbook } from '../shared/model/runbook';
import { describe } from '../shared/openapi/registry';
import { catalog } from '../shared/runbooks/catalog';
import { bodyKind, formFields, fromForm, fromJson, type ExecuteBody } from '../shared/kompira/body';
import { folderPage, jobflowPage, processPage, startedPage } from '../shared/kompira/html';
import { authenticateKompira, htmlResponse, jsonResponse, kompiraErrors, requestedFormat, type Format } from '../shared/kompira/http';
import { HtmlPage, KompiraObjectSchema, KompiraPage, KompiraProcessSchema, PageQuery, ProcessPath } from '../shared/kompira/schemas';
import { directoryObject, jobflowObject, MAX_PAGE_SIZE, pageOf, processObject, type KompiraObject } from '../shared/kompira/objects';
import {
  checkEncodedPathname,
  childrenOf,
  configuredBase,
  describePath,
  isFolder,
  parseTarget,
  routeTemplate,
} from '../shared/kompira/path';
import { processViewSig, verifyProcessViewSig } from '../shared/kompira/viewLink';

/**
 * Dialect 3: the Kompira Enterprise REST API (SPEC §5, seed 003), mounted under
 * HOOKBOOK_KOMPIRA_BASE (default /kompira). Runbooks are jobflows addressed by their path:
 *   GET  <base><path>[.execute]   the jobflow object, or a folder's children (DRF page)
 *   POST <base><path>.execute     start it → "/process/<jobId>"
 *   GET  <base>/process/<jobId>   the process (status, times, console, returned value)
 * JSON for API calls (Accept: application/json or ?format=json), small HTML pages for browsers.
 */
const BASE = configuredBase();

route('kompira', {
  methods: ['GET', 'POST'],
  route: routeTemplate(BASE),
  errors: kompiraErrors,
  handler: async (req) => {
    const url = new URL(req.url);
    checkEncodedPathname(url.pathname);
    const target = parseTarget(req.params.path);
    if (target.kind === 'process') {
      if (req.method !== 'GET') throw methodNotAllowed('A process is read with GET.', 'GET');
      return getProcess(req, target.jobId);
    }
    if (req.method === 'POST') {
      if (!target.execute)
        throw methodNotAllowed(`To start the jobflow, POST ${BASE}${target.path === '/' ? '' : target.path}.execute.`, 'GET');
      return execute(req, target.path);
    }
    return getObject(req, target.path);
  },
});

function methodNotAllowed(message: string, allow: string): HttpError {
  return new HttpError(405, message, { Allow: allow });
}

const processPath = (jobId: string) => `/process/${jobId}`;
const publicHref = (path: string, query: Record<string, string> = {}) => {
  const q = new URLSearchParams(query).toString();
  return `${settings().publicUrl}${BASE}${path === '/' ? '/' : path}${q ? `?${q}` : ''}`;
};

/** Only the runbooks this key may use are visible at all (others are 404, as jobs are). */
async function visibleRunbooks(principal: Principal): Promise<Runbook[]> {
  return (await catalog.list()).filter((r) => mayUseRunbook(principal, r.name));
}

async function findJobflow(path: string, principal: Principal): Promise<Runbook | undefined> {
  const runbook = await catalog.byPath(path);
  return runbook && mayUseRunbook(principal, runbook.name) ? runbook : undefined;
}

async function jobflowSource(runbook: Runbook): Promise<string> {
  const content = await catalog.content(runbook.name).catch(() => ({ published: undefined }));
  return content.published ?? '';
}

async function getObject(req: HttpRequest, path: string): Promise<HttpResponseInit> {
  const format = requestedFormat(req.query, req.headers.get('accept'));
  const principal = await authenticateKompira(req, 'reader');
  const runbook = await findJobflow(path, principal);
  if (runbook) {
    const object = jobflowObject(runbook, await jobflowSource(runbook));
    return format === 'json' ? jsonResponse(200, object) : htmlResponse(200, jobflowPage(object, { execute: `${BASE}${path}.execute` }));
  }
  const runbooks = await visibleRunbooks(principal);
  const paths = runbooks.map((r) => r.path);
  if (!isFolder(path, paths)) throw notFound(`No jobflow or folder at '${describePath(path)}'.`);
  return listFolder(req, path, runbooks, format);
}

async function listFolder(req: HttpRequest, path: string, runbooks: Runbook[], format: Format): Promise<HttpResponseInit> {
  const parsed = PageQuery.safeParse({ page: req.query.get('page') ?? undefined, page_size: req.query.get('page_size') ?? undefined });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw badRequest(`Query '${issue.path.join('.')}': ${issue.message}.`);
  }
  const { page, page_size } = parsed.data;
  const { folders, jobflows } = childrenOf(
    path,
    runbooks.map((r) => r.path),
  );
  const byPath = new Map(runbooks.map((r) => [r.path, r]));
  const entries: Array<{ folder: string } | { runbook: Runbook }> = [
    ...folders.map((folder) => ({ folder })),
    ...jobflows.map((p) => ({ runbook: byPath.get(p)! })),
  ];
  // Links keep the paging and format, never the token (responses never carry keys).
  const link = (n: number) =>
    publicHref(path, { ...(format === 'json' ? { format: 'json' } : {}), page: String(n), page_size: String(page_size) });
  const slice = pageOf(entries, page, page_size, link);
  const results: KompiraObject[] = await Promise.all(
    slice.results.map(async (e) => ('folder' in e ? directoryObject(e.folder) : jobflowObject(e.runbook, await jobflowSource(e.runbook)))),
  );
  const list = { ...slice, results };
  return format === 'json'
    ? jsonResponse(200, list)
    : htmlResponse(
        200,
        folderPage(path, list, (abspath) => `${BASE}${abspath}`),
      );
}

async function readExecuteBody(req: HttpRequest, declared: string[]): Promise<ExecuteBody> {
  const bytes = await readBytes(req);
  const contentType = req.headers.get('content-type');
  switch (bodyKind(contentType, bytes)) {
    case 'empty':
      return { parameters: {}, coerceStrings: false };
    case 'json':
      return fromJson(bytes.toString('utf8'), declared);
    case 'form':
      return fromForm(formFields(new URLSearchParams(bytes.toString('utf8'))), declared);
    case 'multipart': {
      let form: FormData;
      try {
        form = await new Response(bytes, { headers: { 'content-type': contentType! } }).formData();
      } catch {
        throw badRequest('The multipart/form-data body could not be read.');
      }
      return fromForm(formFields(form.entries()), declared);
    }
  }
}

const POST_QUERY = new Set(['token', 'format']);

async function execute(req: HttpRequest, path: string): Promise<HttpResponseInit> {
  for (const name of req.query.keys()) {
    if (!POST_QUERY.has(name.toLowerCase())) {
      throw badRequest(
        `Unknown query parameter '${name.slice(0, 64)}'; send runbook parameters in the body (JSON or form), the query takes only token and format.`,
      );
    }
  }
  // Looked up before authentication only to know which form fields are the runbook's own;
  // whether it exists is told only to an authenticated caller.
  const candidate = await catalog.byPath(path);
  const body = await readExecuteBody(req, candidate?.parameters.map((p) => p.name) ?? []);
  const format = requestedFormat(req.query, req.headers.get('accept'), body.format);
  const principal = await authenticateKompira(req, 'operator', body.token);
  const runbook = candidate && mayUseRunbook(principal, candidate.name) ? candidate : undefined;
  if (!runbook) {
    const folder = isFolder(
      path,
      (await visibleRunbooks(principal)).map((r) => r.path),
    );
    throw notFound(
      folder ? `'${describePath(path)}' is a folder; only jobflows can be executed.` : `No jobflow at '${describePath(path)}'.`,
    );
  }
  const started = await startJob({
    runbook: runbook.name,
    parameters: body.parameters,
    startedBy: principal.id,
    principal,
    coerceStrings: body.coerceStrings,
  });
  const processAt = processPath(started.jobId);
  if (format === 'json') return jsonResponse(200, processAt);
  const sig = processViewSig(started.jobId);
  return htmlResponse(200, startedPage(runbook.path, processAt, sig ? `${BASE}${processAt}?sig=${sig}` : undefined));
}

async function getProcess(req: HttpRequest, jobId: string): Promise<HttpResponseInit> {
  const format = requestedFormat(req.query, req.headers.get('accept'));
  const sig = req.query.get('sig');
  // A signed link reads this one process without a key; otherwise a reader key is needed.
  const principal = sig && verifyProcessViewSig(jobId, sig) ? undefined : await authenticateKompira(req, 'reader');
  const job = await readJob(jobId, principal);
  const [streams, runbook] = await Promise.all([readStreams(job.jobId), catalog.get(job.runbook)]);
  const view = jobView(job);
  const process = processObject({
    jobId: job.jobId,
    jobflowPath: runbook?.path ?? null,
    runbook: job.runbook,
    status: job.status,
    statusDetails: job.statusDetails,
    startedBy: job.startedBy,
    createdTime: job.createdTime,
    startTime: job.startTime,
    endTime: job.endTime,
    parameters: view.parameters,
    result: view.result,
    exception: job.exception,
    streams,
  });
  return format === 'json' ? jsonResponse(200, process) : htmlResponse(200, processPage(process));
}

const security = ['token', 'query', 'basic', 'bearer'];
const errors = kompiraErrors.doc;
const FORMAT_NOTE =
  'JSON for API calls (`Accept: application/json` or `?format=json`); otherwise an HTML page for a person with a browser. Errors come the same way: `{"detail": ...}` as application/json (as Kompira, a Django REST framework service, sends them) or an HTML page.';
const format = {
  schema: z.enum(['json', 'html']).optional(),
  description: 'json (or Accept: application/json) for the API; otherwise an HTML page',
};
describe({
  method: 'get',
  operationId: 'kompiraGet',
  path: `${BASE}/{path}`,
  summary: "Kompira: a jobflow object (also at {path}.execute), or a folder's children as a DRF page",
  description: `{path} is the object's slash path below the base, e.g. \`root/restart_process\`; the root folder is \`${BASE}/\`. ${FORMAT_NOTE}`,
  tag: 'kompira',
  role: 'reader',
  security,
  errors,
  params: { path: z.string().min(1).describe('slash path, e.g. root/restart_process') },
  query: {
    format,
    page: { schema: PageQuery.shape.page, description: 'folder listings: page number (from 1)' },
    page_size: { schema: PageQuery.shape.page_size, description: `folder listings: entries a page, at most ${MAX_PAGE_SIZE}` },
  },
  responses: {
    200: {
      description: 'the jobflow object, or the folder page',
      content: { 'application/json': z.union([KompiraObjectSchema, KompiraPage]), 'text/html': HtmlPage },
    },
    404: { description: 'no jobflow or folder at that path (or none this key may see)' },
  },
});
describe({
  method: 'get',
  operationId: 'kompiraProcess',
  path: `${BASE}/process/{jobId}`,
  summary: 'Kompira: a process (a job): status, times, console, returned value',
  description: `A signed link (\`?sig=\`, from an e-mail button's page) reads this one process without a key. ${FORMAT_NOTE}`,
  tag: 'kompira',
  role: 'reader',
  security: [...security, 'signedLink'],
  errors,
  params: { jobId: z.uuid() },
  query: { format },
  responses: {
    200: { description: 'the process', content: { 'application/json': KompiraProcessSchema, 'text/html': HtmlPage } },
    404: { description: 'no such process (or one this key may not see)' },
  },
});
describe({
  method: 'post',
  operationId: 'kompiraExecute',
  path: `${BASE}/{path}.execute`,
  summary: 'Kompira: start the jobflow at {path}; answers the process path "/process/<jobId>"',
  description: `Parameters as a JSON object (typed values; Kompira's \`{"parameters": {...}}\` is unwrapped) or a form (strings, converted to the declared types; a \`token\` field may carry the key, \`format\` the answer's format). An empty body starts it with no parameters. ${FORMAT_NOTE}`,
  tag: 'kompira',
  role: 'operator',
  security,
  errors,
  params: { path: z.string().min(1).describe('slash path, e.g. root/restart_process') },
  bodyContent: {
    'application/json': z.record(z.string(), z.unknown()).describe('runbook parameters: name → value'),
    'application/x-www-form-urlencoded': z.record(z.string(), z.string()).describe('runbook parameters, plus optional token and format'),
    'multipart/form-data': z.record(z.string(), z.string()).describe('runbook parameters, plus optional token and format'),
  },
  bodyOptional: true,
  query: { format },
  responses: {
    200: {
      description: 'the process path (JSON), or a page linking to it',
      content: { 'application/json': ProcessPath, 'text/html': HtmlPage },
    },
    404: { description: 'no jobflow at that path (or one this key may not use), or it is a folder' },
    409: { description: 'the runbook is not published' },
    415: { description: 'the body is neither JSON nor a form' },
  },
});
