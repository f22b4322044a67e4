import { settings } from '../config';
import { badRequest, conflict, notFound } from '../errors';
import { isCloud } from '../model/runOn';
import type { RunbookType } from '../model/runbook';
import type { WorkerGroup, WorkerInfo, HelloBody } from '../model/workerGroup';
import { workerStore } from '../store/workerStore';

/** Worker groups as the management API sees them, and which of their workers are live. */

export interface WorkerView extends WorkerInfo {
  /** Heard from (hello) within HOOKBOOK_WORKER_STALE_SECONDS. */
  live: boolean;
}

/** Emitted (in-process) when a worker says it is draining: its open polls on this instance end at once. */
export const DRAINING_EVENT = 'hookbook:worker-draining';

export const isLive = (w: WorkerInfo, nowMs = Date.now()): boolean =>
  nowMs - Date.parse(w.lastSeen) <= settings().workerStaleSeconds * 1000;

export async function createGroup(name: string, description?: string): Promise<WorkerGroup> {
  const group: WorkerGroup = { name, description, createdTime: new Date().toISOString() };
  if (!(await workerStore.createGroup(group))) throw conflict(`Worker group '${name}' already exists.`);
  return group;
}

export async function requireGroup(name: string): Promise<WorkerGroup> {
  const g = await workerStore.getGroup(name);
  if (!g) throw notFound(`Worker group '${name}' not found.`);
  return g;
}

export async function groupView(g: WorkerGroup): Promise<WorkerGroup & { workers: WorkerView[] }> {
  const now = Date.now();
  const workers = (await workerStore.listWorkers(g.name)).map((w) => ({ ...w, live: isLive(w, now) }));
  return { ...g, workers };
}

/** A worker's hello (at start and every 15 s): who it is, what it can run, what it holds. */
export async function hello(group: string, body: HelloBody): Promise<void> {
  await workerStore.putWorker(group, { ...body, lastSeen: new Date().toISOString() });
  // Its polls open on this instance end now; on other instances they see the flag before any claim.
  if (body.draining) process.emit(DRAINING_EVENT as never, `${group}/${body.name}` as never);
}

/**
 * Why a job of `type` for `group` cannot run now, or undefined when a live worker of the group can
 * run it. The sentence becomes the Queued job's statusDetails.
 */
export async function whyNotRunnable(group: string, type: RunbookType): Promise<string | undefined> {
  if (!(await workerStore.getGroup(group))) return `Waiting: there is no worker group '${group}'.`;
  // A worker shutting down takes no job: it does not count.
  const live = (await workerStore.listWorkers(group)).filter((w) => isLive(w) && !w.draining);
  if (live.length === 0) return `Waiting: no live worker in group '${group}'; the job runs when one polls.`;
  if (live.some((w) => w.capabilities.includes(type))) return undefined;
  const have = live.map((w) => `${w.name} [${w.capabilities.join(', ') || 'none'}]`).join('; ');
  return `Waiting: no live worker in group '${group}' can run ${type} runbooks (live: ${have}).`;
}

/** A `runOn` a caller gives (runbook, start, webhook, schedule) must name 'cloud' or a group that exists. */
export async function checkRunOn(runOn: string | undefined | null): Promise<void> {
  if (isCloud(runOn ?? undefined)) return;
  if (!(await workerStore.getGroup(runOn!)))
    throw badRequest(`runOn: there is no worker group '${runOn}' (use 'cloud' or a group's name).`);
}
