import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { settings } from '../config';
import { notFound } from '../errors';
import { unseal } from '../assets/manage';
import type { Credential } from '../model/asset';
import type { Runbook, RunbookDefinition } from '../model/runbook';
import type { SourceControl, SyncMessage, SyncRun } from '../model/sourceControl';
import { assetStore } from '../store/assetStore';
import { runbookStore } from '../store/runbookStore';
import { newSyncRunId, sourceControlStore } from '../store/sourceControlStore';
import { catalog, forgetRunbook, removeRunbook } from '../runbooks/catalog';
import { isRunbookFolderFile, scanFiles, type RepositoryRunbook } from '../runbooks/repository';
import { cacheFolder, fetchBranch, GitError, readFolder, type GitAuth } from '../git/transport';
import { checkRepoUrl, getSourceControl } from './manage';

/**
 * A sync (docs/source-control.md): fetch the branch, read the folder, load its runbooks with the
 * same loader as the deployment's `runbooks/`, plan what changes, then apply it. Everything that can
 * fail on the repository's side (fetch, credential, bounds, the folder) fails before anything is
 * written; a file that does not load is skipped and its runbook keeps the version it had.
 */

/** Lists in a run's record are cut here (the rest is counted), so a run stays one Table entity. */
const MAX_LISTED = 500;

export type SyncTrigger = SyncRun['trigger'];

const now = () => new Date().toISOString();

/** Record a sync and queue it; it runs on the `sourceSync` queue function. */
export async function requestSync(name: string, trigger: SyncTrigger, requestedBy: string, dryRun = false): Promise<SyncRun> {
  const source = await getSourceControl(name);
  const run: SyncRun = {
    runId: newSyncRunId(),
    sourceControl: source.name,
    trigger,
    dryRun,
    status: 'Queued',
    added: [],
    updated: [],
    unpublished: [],
    unchanged: 0,
    skipped: [],
    requestedBy,
    createdTime: now(),
  };
  await sourceControlStore.putRun(run);
  await sourceControlStore.enqueue({ sourceControl: source.name, runId: run.runId });
  return run;
}

export async function getSyncRun(name: string, runId: string): Promise<SyncRun> {
  const run = /^\d{13}-[0-9a-f]{8}$/.test(runId) ? await sourceControlStore.getRun(name, runId) : undefined;
  if (!run) throw notFound(`Source control '${name}' has no sync run '${runId}'.`);
  return run;
}

/** The queued sync `m`: run it, or put it back for later while another sync holds the source. */
export async function runQueuedSync(m: SyncMessage, log: (line: string) => void = () => undefined): Promise<void> {
  const run = await sourceControlStore.getRun(m.sourceControl, m.runId);
  if (!run || (run.status !== 'Queued' && run.status !== 'Running')) return;
  const found = await sourceControlStore.get(m.sourceControl);
  if (!found) {
    await sourceControlStore.putRun({
      ...run,
      status: 'Failed',
      error: `Source control '${m.sourceControl}' was deleted.`,
      endTime: now(),
    });
    return;
  }
  const lease = await sourceControlStore.takeLease(m.sourceControl, run.runId, settings().sourceSyncLeaseSeconds);
  if (!lease.taken) {
    const details = `Waiting for sync ${lease.holder ?? '(another)'} of this source to end.`;
    if (run.statusDetails !== details) await sourceControlStore.putRun({ ...run, statusDetails: details });
    await sourceControlStore.enqueue(m, 5);
    return;
  }
  let done: SyncRun = { ...run, status: 'Running', startTime: now() };
  delete done.statusDetails;
  try {
    await sourceControlStore.putRun(done);
    done = await syncSource(found.source, done);
    done.status = 'Succeeded';
  } catch (error) {
    done = { ...done, status: 'Failed', error: (error as Error).message };
    if (!(error instanceof GitError) && !(error instanceof SyncError))
      log(`sync ${run.runId} of '${m.sourceControl}' failed: ${(error as Error).stack}`);
  } finally {
    done.endTime = now();
    await sourceControlStore.putRun(done);
    // Re-read: the source may have been edited while the sync ran.
    const current = await sourceControlStore.get(m.sourceControl);
    if (current) {
      const s = current.source;
      s.lastSync = { runId: done.runId, status: done.status, ...(done.commit ? { commit: done.commit } : {}), time: done.endTime };
      if (done.status === 'Succeeded' && !done.dryRun && done.commit) s.syncedCommit = done.commit;
      await sourceControlStore.update(s);
    }
    await sourceControlStore.releaseLease(m.sourceControl, run.runId);
  }
  log(
    `sync ${done.runId} of '${done.sourceControl}'${done.dryRun ? ' (dry run)' : ''}: ${done.status}` +
      (done.commit ? ` at ${done.commit.slice(0, 12)}` : '') +
      `, ${done.added.length} added, ${done.updated.length} updated, ${done.unpublished.length} unpublished, ${done.skipped.length} skipped` +
      (done.error ? `: ${done.error}` : ''),
  );
}

/** A sync that cannot go on, with the reason for its log. */
export class SyncError extends Error {}

async function credentialOf(source: SourceControl): Promise<GitAuth | undefined> {
  if (!source.credential) return undefined;
  const found = await assetStore.get<Credential>('credential', source.credential);
  if (!found)
    throw new SyncError(`The credential asset '${source.credential}' does not exist: create it with the access token as its password.`);
  const { password } = unseal<{ password?: string }>(found.sealed);
  if (!password) throw new SyncError(`The credential asset '${source.credential}' has no password (the access token).`);
  return { username: found.meta.userName || 'hookbook', password };
}

/** The cache folder of a source: HOOKBOOK_GIT_CACHE_DIR, else the machine's temporary folder. */
export function gitdirOf(source: SourceControl): string {
  return cacheFolder(settings().gitCacheDir ?? path.join(tmpdir(), 'hookbook-git'), source.name, source.repoUrl, source.branch);
}

/** Fetch the source's branch: its head commit, fetched into the cache. */
export async function fetchSource(source: SourceControl): Promise<{ gitdir: string; commit: string; auth?: GitAuth }> {
  try {
    checkRepoUrl(source.repoUrl);
  } catch (error) {
    throw new SyncError((error as Error).message);
  }
  const auth = await credentialOf(source);
  const gitdir = gitdirOf(source);
  const fetch = () =>
    fetchBranch({ gitdir, url: source.repoUrl, branch: source.branch, auth, timeoutMs: settings().gitTimeoutSeconds * 1000 });
  try {
    return { gitdir, commit: await fetch(), auth };
  } catch (error) {
    // A cache left damaged (an instance stopped mid-fetch) is only a cache: fetch afresh, once.
    if (!(error instanceof GitError) || error.kind !== 'other' || !existsSync(gitdir)) throw error;
    rmSync(gitdir, { recursive: true, force: true });
    return { gitdir, commit: await fetch(), auth };
  }
}

const repoPath = (source: SourceControl, rel: string) => (source.folder ? `${source.folder}/${rel}` : rel);

const describeOwner = (r: Runbook) =>
  r.source === 'git'
    ? `runbook '${r.name}' of source control '${r.sourceControl}' (${r.sourceFile})`
    : r.source === 'repository'
      ? `repository runbook '${r.name}' (the deployment's runbooks/ folder)`
      : `runbook '${r.name}' created through the API`;

/** JSON with keys sorted at every level: a stored definition comes back with its keys in another order. */
const canonical = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : 1))) : x,
  );
const sameDefinition = (a: RunbookDefinition, b: RunbookDefinition) => canonical(a) === canonical(b);

interface Planned {
  add: RepositoryRunbook[];
  update: { found: RepositoryRunbook; current: Runbook }[];
  remove: Runbook[];
}

/** The folder's files at the branch head; a cache that fails to read (objects missing) is fetched afresh, once. */
async function fetchAndRead(source: SourceControl) {
  const s = settings();
  const read = async () => {
    const { gitdir, commit } = await fetchSource(source);
    const limits = { maxEntries: s.gitMaxEntries, maxFileBytes: s.gitMaxFileBytes, maxDepth: 2, wanted: isRunbookFolderFile };
    return { commit, folder: await readFolder({ gitdir, commit, folder: source.folder, limits }) };
  };
  try {
    return await read();
  } catch (error) {
    if (error instanceof GitError || error instanceof SyncError) throw error;
    rmSync(gitdirOf(source), { recursive: true, force: true });
    return read();
  }
}

/** Fetch, read, plan and (unless a dry run) apply: the run with what it did. */
async function syncSource(source: SourceControl, run: SyncRun): Promise<SyncRun> {
  const { commit, folder } = await fetchAndRead(source);
  const out: SyncRun = { ...run, commit, ...(source.syncedCommit ? { previousCommit: source.syncedCommit } : {}) };
  const t = now();
  const scan = scanFiles(folder.files, source.runbookPrefix, t);
  const skipped = [...folder.skipped, ...scan.ignored].map((k) => ({ path: repoPath(source, k.path), reason: k.reason }));

  const everyone = await catalog.list();
  const mine = new Map(
    everyone
      .filter((r) => r.source === 'git' && r.sourceControl?.toLowerCase() === source.name.toLowerCase())
      .map((r) => [r.name.toLowerCase(), r]),
  );
  const brokenFiles = new Set<string>();
  for (const p of scan.problems) {
    const i = p.indexOf(': ');
    const file = repoPath(source, p.slice(0, i));
    brokenFiles.add(file);
    const kept = [...mine.values()].find((r) => r.sourceFile === file);
    skipped.push({ path: file, reason: p.slice(i + 2) + (kept ? ` (runbook '${kept.name}' keeps version ${kept.version})` : '') });
  }

  const plan: Planned = { add: [], update: [], remove: [] };
  const taken = new Map<string, string>(); // name or path (lower case) → file, within this scan
  let unchanged = 0;
  for (const found of scan.runbooks) {
    const file = repoPath(source, found.relativePath);
    const { name, path: rbPath } = found.runbook;
    const other = everyone.find(
      (r) =>
        !mine.has(r.name.toLowerCase()) && (r.name.toLowerCase() === name.toLowerCase() || r.path.toLowerCase() === rbPath.toLowerCase()),
    );
    const mineByPath = [...mine.values()].find(
      (r) => r.path.toLowerCase() === rbPath.toLowerCase() && r.name.toLowerCase() !== name.toLowerCase(),
    );
    const twin = taken.get(name.toLowerCase()) ?? taken.get(rbPath.toLowerCase());
    if (other || twin || mineByPath) {
      const by = other ? describeOwner(other) : twin ? `'${twin}' of this sync` : describeOwner(mineByPath!);
      skipped.push({
        path: file,
        reason: `runbook '${name}' (path ${rbPath}) collides with ${by}; rename one (a manifest's "name"/"path")`,
      });
      continue;
    }
    taken.set(name.toLowerCase(), file);
    taken.set(rbPath.toLowerCase(), file);
    const current = mine.get(name.toLowerCase());
    if (!current) {
      plan.add.push(found);
      continue;
    }
    const published = await runbookStore.getVersion(current.name, current.version);
    const def = found.version.definition;
    if (
      published &&
      published.content === found.version.content &&
      sameDefinition(published.definition, def) &&
      current.path === rbPath &&
      current.sourceFile === file
    )
      unchanged++;
    else plan.update.push({ found, current });
  }
  for (const r of mine.values()) {
    if (taken.has(r.name.toLowerCase())) continue;
    if (r.sourceFile && brokenFiles.has(r.sourceFile)) continue; // a file that fails to load never takes its runbook away
    if (source.unpublishOnDelete) plan.remove.push(r);
    else
      skipped.push({
        path: r.sourceFile ?? r.name,
        reason: `removed from the repository; runbook '${r.name}' keeps version ${r.version} (unpublishOnDelete is off)`,
      });
  }

  const item = (found: RepositoryRunbook, version?: number) => ({
    runbook: found.runbook.name,
    file: repoPath(source, found.relativePath),
    ...(version ? { version } : {}),
  });
  out.added = plan.add.map((f) => item(f, 1)).slice(0, MAX_LISTED);
  out.updated = plan.update.map((u) => item(u.found, u.current.version + 1)).slice(0, MAX_LISTED);
  out.unpublished = plan.remove.map((r) => ({ runbook: r.name, file: r.sourceFile ?? '' })).slice(0, MAX_LISTED);
  out.unchanged = unchanged;
  out.skipped = skipped.slice(0, MAX_LISTED);
  if (skipped.length > MAX_LISTED) out.skipped.push({ path: '…', reason: `${skipped.length - MAX_LISTED} more files skipped` });
  if (run.dryRun) return out;

  await apply(source, commit, plan, t);
  return out;
}

/**
 * Write the plan: every new version row first (invisible until its runbook points at it), then
 * the runbooks, then removals. A storage failure midway leaves the runbooks written so far on the
 * new commit and the others on the old one; the run says Failed and the next sync finishes it.
 */
async function apply(source: SourceControl, commit: string, plan: Planned, t: string): Promise<void> {
  const git = (found: RepositoryRunbook) => ({
    sourceControl: source.name,
    sourceFile: repoPath(source, found.relativePath),
    commit,
  });
  for (const found of plan.add)
    await runbookStore.putVersion({
      name: found.runbook.name,
      version: 1,
      definition: found.version.definition,
      content: found.version.content,
      commit,
    });
  for (const { found, current } of plan.update)
    await runbookStore.putVersion({
      name: current.name,
      version: current.version + 1,
      definition: found.version.definition,
      content: found.version.content,
      commit,
    });
  for (const found of plan.add) {
    const runbook: Runbook = { ...found.runbook, source: 'git', ...git(found), createdTime: t, lastModifiedTime: t, publishedTime: t };
    if (!(await runbookStore.create(runbook)))
      throw new SyncError(`Runbook '${runbook.name}' was created by someone else while the sync ran; sync again.`);
    forgetRunbook(runbook.name);
  }
  for (const { found, current } of plan.update) {
    const stored = await runbookStore.get(current.name);
    if (!stored) throw new SyncError(`Runbook '${current.name}' was deleted while the sync ran; sync again.`);
    const { draft } = stored.runbook;
    const runbook: Runbook = {
      ...found.runbook,
      ...git(found),
      source: 'git',
      version: current.version + 1,
      state: draft ? 'Edit' : 'Published',
      createdTime: stored.runbook.createdTime,
      lastModifiedTime: t,
      publishedTime: t,
      ...(draft ? { draft } : {}),
      // Azure tags are the runbook's, not the file's: a sync keeps them.
      ...(stored.runbook.tags ? { tags: stored.runbook.tags } : {}),
    };
    await runbookStore.replace(runbook, stored.draftContent, stored.etag);
    forgetRunbook(runbook.name);
  }
  for (const r of plan.remove) await removeRunbook(r.name);
}

/** Queue a scheduled sync of every source that asks for one (and has none waiting or running). */
export async function syncAllOnSchedule(): Promise<number> {
  let n = 0;
  for (const source of await sourceControlStore.list()) {
    if (!source.syncOnSchedule) continue;
    // A slow repository must not pile up syncs: one still waiting or running is enough.
    // One whose message was lost (poisoned) stops counting once it is older than two leases.
    const [latest] = await sourceControlStore.listRuns(source.name, 1);
    const pending = latest && (latest.status === 'Queued' || latest.status === 'Running');
    if (pending && Date.now() - Date.parse(latest.createdTime) < 2 * settings().sourceSyncLeaseSeconds * 1000) continue;
    await requestSync(source.name, 'schedule', 'schedule');
    n++;
  }
  return n;
}
