import type { z } from 'zod';
import { settings } from '../config';
import {
  defaultPathFor, RunbookDefinition, RunbookName, type CreateRunbookBody, type Runbook, type RunbookVersion, type UpdateDraftBody,
} from '../model/runbook';
import { badRequest, conflict, notFound } from '../errors';
import { runbookStore } from '../store/runbookStore';
import { webhookStore } from '../store/webhookStore';
import { scheduleStore } from '../store/scheduleStore';
import { scanRepository, type RepositoryRunbook } from './repository';
import { checkDefinitions, keepSecretDefaults } from './parameters';
import { PwshSourceError, withPwshParameters } from './pwshParams';
import { checkRunOn } from '../workers/groups';
import { checkSyntax } from './syntax';

/** pwsh runbooks: parameters from param(), workflows refused with the construct and its line (400). */
function pwshChecked<T extends RunbookDefinition>(definition: T, content: string): T {
  try {
    return withPwshParameters(definition, content);
  } catch (error) {
    if (error instanceof PwshSourceError) throw badRequest(`content: ${error.message}.`);
    throw error;
  }
}

/** A script its own parser refuses is refused here, with the line and the parser's message (400). */
async function syntaxChecked(type: RunbookDefinition['type'], content: string): Promise<void> {
  const problem = await checkSyntax(type, content);
  if (problem) throw badRequest(`content: ${type} syntax error${problem.line ? ` at line ${problem.line}` : ''}: ${problem.message}`);
}

/**
 * The runbook catalog: repository runbooks (read from disk once per process) and runbooks created
 * through the management API (Table Storage). One name space, one path space.
 */
let repo: Map<string, RepositoryRunbook> | undefined;

function repository(): Map<string, RepositoryRunbook> {
  if (!repo) {
    const s = settings();
    const scan = scanRepository(s.runbooksDir, s.runbookPrefix);
    for (const p of scan.problems) console.warn(`[hookbook] runbook skipped: ${p}`);
    repo = new Map(scan.runbooks.map((r) => [r.runbook.name.toLowerCase(), r]));
  }
  return repo;
}

const now = () => new Date().toISOString();

/** A runbook from git changes only through its repository (docs/source-control.md). */
const fromGit = (r: Runbook, what: string) =>
  conflict(
    `Runbook '${r.name}' comes from source control '${r.sourceControl}' (${r.sourceFile ?? 'its repository'}); ${what} in git` +
      ` (a draft can be proposed back with POST /api/v1/runbooks/${r.name}/propose).`,
  );

/** Forget what this instance cached of runbook `name` (a source-control sync changed it). */
export function forgetRunbook(name: string): void {
  forget(name);
  for (const key of [...versionCache.keys()]) if (key.startsWith(`${name.toLowerCase()}@`)) versionCache.delete(key);
}

/**
 * Published versions never change, so they are cached for good (bounded). An API runbook's
 * current state is cached for a few seconds: a publish on another instance reaches this one within
 * META_TTL_MS; writes on this instance invalidate at once. This keeps the job path at its minimum
 * of storage transactions.
 */
const META_TTL_MS = 5000;
const MAX_CACHED_VERSIONS = 200;
const metaCache = new Map<string, { runbook: Runbook | undefined; until: number }>();
const versionCache = new Map<string, RunbookVersion>();
const forget = (name: string) => metaCache.delete(name.toLowerCase());

async function storedRunbook(name: string): Promise<Runbook | undefined> {
  const key = name.toLowerCase();
  const hit = metaCache.get(key);
  if (hit && hit.until > Date.now()) return hit.runbook;
  const runbook = (await runbookStore.get(name))?.runbook;
  metaCache.set(key, { runbook, until: Date.now() + META_TTL_MS });
  return runbook;
}

export const catalog = {
  /** undefined also for a name no runbook can have (every dialect's door asks here first). */
  async get(name: string): Promise<Runbook | undefined> {
    if (!RunbookName.safeParse(name).success) return undefined;
    const r = repository().get(name.toLowerCase());
    if (r) return r.runbook;
    return storedRunbook(name);
  },

  async require(name: string): Promise<Runbook> {
    const r = await catalog.get(name);
    if (!r) {
      const invalid = RunbookName.safeParse(name);
      throw notFound(`Runbook '${name}' not found${invalid.success ? '' : `: a runbook name ${invalid.error.issues[0]?.message}`}.`);
    }
    return r;
  },

  async list(): Promise<Runbook[]> {
    const all = [...repository().values()].map((r) => r.runbook).concat(await runbookStore.list());
    return all.sort((a, b) => a.name.localeCompare(b.name));
  },

  async byPath(path: string): Promise<Runbook | undefined> {
    const lower = path.toLowerCase();
    for (const r of repository().values()) if (r.runbook.path.toLowerCase() === lower) return r.runbook;
    return (await runbookStore.list()).find((r) => r.path.toLowerCase() === lower);
  },

  /** The frozen content of a published version: what a job runs. */
  async version(name: string, version: number): Promise<RunbookVersion | undefined> {
    const r = repository().get(name.toLowerCase());
    if (r) return r.version;
    const key = `${name.toLowerCase()}@${version}`;
    const hit = versionCache.get(key);
    if (hit) return hit;
    const v = await runbookStore.getVersion(name, version);
    if (v) {
      if (versionCache.size >= MAX_CACHED_VERSIONS) versionCache.delete(versionCache.keys().next().value!);
      versionCache.set(key, v);
    }
    return v;
  },

  /** The runbook's draft content (API runbooks) or file content (repository runbooks). */
  async content(name: string): Promise<{ draft?: string; published?: string }> {
    const r = repository().get(name.toLowerCase());
    if (r) return { published: r.version.content };
    const stored = await runbookStore.get(name);
    if (!stored) throw notFound(`Runbook '${name}' not found.`);
    const published = stored.runbook.version ? (await runbookStore.getVersion(name, stored.runbook.version))?.content : undefined;
    return { draft: stored.draftContent, published };
  },

  async create(body: z.infer<typeof CreateRunbookBody>): Promise<Runbook> {
    const { name, content, path, ...def } = body;
    const definition = pwshChecked(RunbookDefinition.parse(def), content);
    checkDefinitions(definition.parameters);
    await checkRunOn(definition.runOn);
    await syntaxChecked(definition.type, content);
    if (repository().has(name.toLowerCase())) throw conflict(`Runbook '${name}' exists in the repository; choose another name.`);
    const taken = await storedRunbook(name);
    if (taken?.source === 'git') throw fromGit(taken, 'add runbooks');
    const finalPath = path ?? defaultPathFor(name);
    if (await catalog.byPath(finalPath)) throw conflict(`Another runbook already has the path '${finalPath}'.`);
    const t = now();
    const runbook: Runbook = {
      ...definition,
      name,
      path: finalPath,
      state: 'Edit',
      source: 'api',
      version: 0,
      createdTime: t,
      lastModifiedTime: t,
      draft: definition,
    };
    forget(name);
    if (!(await runbookStore.create(runbook, content))) {
      const other = (await runbookStore.get(name))?.runbook;
      if (other?.source === 'git') throw fromGit(other, 'add runbooks');
      throw conflict(`Runbook '${name}' already exists.`);
    }
    forget(name);
    return runbook;
  },

  async updateDraft(name: string, body: z.infer<typeof UpdateDraftBody>): Promise<Runbook> {
    if (repository().has(name.toLowerCase())) throw conflict(`Runbook '${name}' comes from the repository; change its file instead.`);
    const stored = await runbookStore.get(name);
    if (!stored) throw notFound(`Runbook '${name}' not found.`);
    const { content, ...changes } = body;
    const base = stored.runbook.draft ?? RunbookDefinition.parse(stored.runbook);
    let draft = RunbookDefinition.parse({ ...base, ...changes });
    // A client that sends back what it was shown sends `***` for a secret parameter's default: keep the stored one.
    draft = { ...draft, parameters: keepSecretDefaults(draft.parameters, base.parameters) };
    // A pwsh draft re-reads its param() block unless this request declares the parameters.
    if (draft.type === 'pwsh' && changes.parameters === undefined) draft = { ...draft, parameters: [] };
    draft = pwshChecked(draft, content);
    checkDefinitions(draft.parameters);
    if (changes.runOn !== undefined) await checkRunOn(changes.runOn);
    await syntaxChecked(draft.type, content);
    const runbook: Runbook = { ...stored.runbook, state: 'Edit', draft, lastModifiedTime: now() };
    await runbookStore.replace(runbook, content, stored.etag);
    forget(name);
    return runbook;
  },

  /** Replace the runbook's Azure tags (not part of a version: nothing a job does depends on them). */
  async setTags(name: string, tags: Record<string, string>): Promise<Runbook> {
    if (repository().has(name.toLowerCase())) throw conflict(`Runbook '${name}' comes from the repository; change its file instead.`);
    const stored = await runbookStore.get(name);
    if (!stored) throw notFound(`Runbook '${name}' not found.`);
    const { tags: _old, ...rest } = stored.runbook;
    const runbook: Runbook = { ...rest, ...(Object.keys(tags).length ? { tags } : {}), lastModifiedTime: now() };
    await runbookStore.replace(runbook, stored.draftContent, stored.etag);
    forget(name);
    return runbook;
  },

  async publish(name: string): Promise<Runbook> {
    if (repository().has(name.toLowerCase())) return repository().get(name.toLowerCase())!.runbook;
    const stored = await runbookStore.get(name);
    if (!stored) throw notFound(`Runbook '${name}' not found.`);
    if (stored.runbook.source === 'git') throw fromGit(stored.runbook, 'publish by changing its file');
    if (!stored.runbook.draft || stored.draftContent === undefined) {
      if (stored.runbook.state === 'Published') return stored.runbook;
      throw badRequest(`Runbook '${name}' has no draft to publish.`);
    }
    const version = stored.runbook.version + 1;
    const definition = pwshChecked(stored.runbook.draft, stored.draftContent);
    await syntaxChecked(definition.type, stored.draftContent);
    await runbookStore.putVersion({ name, version, definition, content: stored.draftContent });
    const t = now();
    const { draft: _published, ...rest } = stored.runbook;
    const runbook: Runbook = { ...rest, ...definition, state: 'Published', version, publishedTime: t, lastModifiedTime: t };
    await runbookStore.replace(runbook, undefined, stored.etag);
    forget(name);
    return runbook;
  },

  async delete(name: string): Promise<void> {
    if (repository().has(name.toLowerCase())) throw conflict(`Runbook '${name}' comes from the repository; remove its file instead.`);
    const stored = await runbookStore.get(name);
    if (!stored) throw notFound(`Runbook '${name}' not found.`);
    if (stored.runbook.source === 'git') throw fromGit(stored.runbook, 'remove its file');
    await removeRunbook(name);
  },
};

/** Delete a stored runbook with its versions, webhooks and schedules (the API's DELETE, and a sync's unpublish). */
export async function removeRunbook(name: string): Promise<void> {
  await runbookStore.delete(name);
  forgetRunbook(name);
  // As in Azure Automation, a runbook's webhooks and schedules go with it.
  for (const w of await webhookStore.list(name)) await webhookStore.delete(w, `it was deleted with its runbook '${name}'`);
  for (const sch of await scheduleStore.list({ runbook: name })) await scheduleStore.delete(sch.definition.name);
}
