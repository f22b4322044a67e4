import type { JobStatus, StreamRecord, StreamType } from '../model/job';
import type { Runbook } from '../model/runbook';
import { SECRET_MASK } from '../runbooks/parameters';
import { baseName, parentPath } from './path';

/**
 * Hookbook's runbooks and jobs in the shapes Kompira Enterprise's REST API shows: a jobflow
 * object (`type_object: /system/types/Jobflow`), a directory object, a process, and DRF's page
 * `{count, next, previous, results}`. Pure functions: the handler fetches, these shape.
 */
export const JOBFLOW_TYPE = '/system/types/Jobflow';
export const DIRECTORY_TYPE = '/system/types/Directory';
/** Kompira shows the user who owns an object; Hookbook's objects belong to the service. */
export const OWNER = 'hookbook';

export interface KompiraObject {
  id: string;
  abspath: string;
  owner: string;
  fields: Record<string, unknown>;
  extra_properties: Record<string, unknown>;
  user_permissions: Record<string, unknown>;
  group_permissions: Record<string, unknown>;
  created: string;
  updated: string;
  display_name: string;
  description: string;
  type_object: string;
  parent_object: string | null;
}

/** A runbook as a Kompira jobflow. `source` is the published content ('' when there is none). */
export function jobflowObject(runbook: Runbook, source: string): KompiraObject {
  return {
    // Kompira's ids are numbers; Hookbook's stable, unique key for a runbook is its name.
    id: runbook.name,
    abspath: runbook.path,
    owner: OWNER,
    fields: {
      source,
      multiplicity: runbook.maxConcurrency ?? null,
      defaultCheckpointMode: false,
      defaultMonitoringMode: 'NOTHING',
      parameters: runbook.parameters.map((p) => ({
        name: p.name,
        type: p.type,
        mandatory: p.mandatory,
        ...(p.default !== undefined ? { default: p.secret ? SECRET_MASK : p.default } : {}),
        ...(p.description ? { description: p.description } : {}),
        secret: p.secret,
      })),
    },
    extra_properties: {
      name: runbook.name,
      runbookType: runbook.type,
      source: runbook.source,
      state: runbook.state,
      version: runbook.version,
      ...(runbook.timeoutSeconds !== undefined ? { timeoutSeconds: runbook.timeoutSeconds } : {}),
    },
    user_permissions: {},
    group_permissions: {},
    created: runbook.createdTime,
    updated: runbook.lastModifiedTime,
    display_name: baseName(runbook.path),
    description: runbook.description,
    type_object: JOBFLOW_TYPE,
    parent_object: parentPath(runbook.path),
  };
}

/** A folder: implied by the runbooks below it, so it has no times of its own. */
export function directoryObject(path: string, epoch = new Date(0).toISOString()): KompiraObject {
  return {
    id: path,
    abspath: path,
    owner: OWNER,
    fields: {},
    extra_properties: {},
    user_permissions: {},
    group_permissions: {},
    created: epoch,
    updated: epoch,
    display_name: baseName(path),
    description: '',
    type_object: DIRECTORY_TYPE,
    parent_object: path === '/' ? null : parentPath(path),
  };
}

export interface Page<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 100;

/** DRF's PageNumberPagination: pages count from 1; `link(n)` builds the URL of page n. */
export function pageOf<T>(items: readonly T[], page: number, pageSize: number, link: (page: number) => string): Page<T> {
  const start = (page - 1) * pageSize;
  return {
    count: items.length,
    next: start + pageSize < items.length ? link(page + 1) : null,
    previous: page > 1 ? link(Math.min(page - 1, Math.max(1, Math.ceil(items.length / pageSize)))) : null,
    results: items.slice(start, start + pageSize),
  };
}

/**
 * Kompira's process states are NEW, READY, RUNNING, WAITING, ABORTED and DONE. Hookbook's own
 * status is shown beside it (`hookbook_status`) because ABORTED covers both Failed and Stopped.
 */
const STATUS: Record<JobStatus, string> = {
  New: 'NEW',
  Queued: 'READY',
  Running: 'RUNNING',
  Stopping: 'RUNNING',
  Completed: 'DONE',
  Failed: 'ABORTED',
  Stopped: 'ABORTED',
};
export const kompiraStatus = (s: JobStatus): string => STATUS[s];

const PREFIX: Record<StreamType, string> = {
  Output: '',
  Error: 'ERROR: ',
  Warning: 'WARNING: ',
  Verbose: 'VERBOSE: ',
  Debug: 'DEBUG: ',
  Progress: 'PROGRESS: ',
};

/** Kompira's console: every stream in write order, non-Output lines marked as the PowerShell host does. */
export function consoleText(streams: readonly StreamRecord[]): string {
  return streams.map((r) => PREFIX[r.streamType] + r.streamText).join('\n');
}

export interface ProcessInput {
  jobId: string;
  /** The jobflow's path, if its runbook still exists. */
  jobflowPath: string | null;
  runbook: string;
  status: JobStatus;
  statusDetails?: string;
  startedBy: string;
  createdTime: string;
  startTime?: string;
  endTime?: string;
  parameters: Record<string, unknown>;
  result?: unknown;
  exception?: string;
  streams: readonly StreamRecord[];
}

export interface KompiraProcess {
  id: string;
  abspath: string;
  job: string | null;
  runbook: string;
  user: string;
  status: string;
  hookbook_status: JobStatus;
  status_details: string | null;
  created_time: string;
  started_time: string | null;
  finished_time: string | null;
  parameters: Record<string, unknown>;
  console: string;
  result: unknown;
  exception: string | null;
}

export function processObject(p: ProcessInput): KompiraProcess {
  return {
    id: p.jobId,
    abspath: `/process/${p.jobId}`,
    job: p.jobflowPath,
    runbook: p.runbook,
    user: p.startedBy,
    status: kompiraStatus(p.status),
    hookbook_status: p.status,
    status_details: p.statusDetails ?? null,
    created_time: p.createdTime,
    started_time: p.startTime ?? null,
    finished_time: p.endTime ?? null,
    parameters: p.parameters,
    console: consoleText(p.streams),
    result: p.result === undefined ? null : p.result,
    exception: p.exception ?? null,
  };
}
