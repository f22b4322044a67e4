import type { JobStatus, StreamRecord } from '../model/job';
import type { JobRecord } from '../model/jobRecord';
import { visibleParameters } from '../jobs/parameters';
import { badRequest } from '../errors';
import type { ArmContext } from './request';
import { resourceId, TYPES } from './resource';

/**
 * Jobs and their streams in Azure's shape. Hookbook's Queued is Azure's New (accepted, not yet
 * running); the other statuses have the same names. Azure's Suspended, Blocked, ... never occur.
 */
export const AZURE_STATUSES = [
  'New',
  'Activating',
  'Running',
  'Completed',
  'Failed',
  'Stopped',
  'Blocked',
  'Suspended',
  'Disconnected',
  'Suspending',
  'Stopping',
  'Resuming',
  'Removing',
] as const;

export const azureStatus = (s: JobStatus): string => (s === 'Queued' ? 'New' : s);

/** The Hookbook status an Azure status filter means (undefined: one no Hookbook job can have). */
export function hookbookStatus(azure: string): JobStatus | undefined {
  const s = AZURE_STATUSES.find((a) => a.toLowerCase() === azure.toLowerCase());
  if (!s) throw badRequest(`$filter: properties/status must be one of ${AZURE_STATUSES.join(', ')}.`);
  if (s === 'New' || s === 'Activating') return 'Queued';
  return (['Running', 'Completed', 'Failed', 'Stopping', 'Stopped'] as const).find((h) => h === s);
}

const provisioningState = (s: JobStatus) => (s === 'Failed' ? 'Failed' : s === 'Completed' || s === 'Stopped' ? 'Succeeded' : 'Processing');

/**
 * Parameters as Azure returns them: each value JSON-encoded, as Az sent it (secret ones masked).
 */
const encoded = (r: JobRecord) =>
  Object.fromEntries(Object.entries(visibleParameters(r.parameters)).map(([k, v]) => [k, JSON.stringify(v)]));

/** Job start parameters arrive JSON-encoded (Az serializes every value); a value that is not JSON is taken as text. */
export function decodeParameters(raw: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!raw) return undefined;
  return Object.fromEntries(
    Object.entries(raw).map(([k, v]) => {
      if (typeof v !== 'string') return [k, v];
      try {
        return [k, JSON.parse(v)];
      } catch {
        return [k, v];
      }
    }),
  );
}

export function jobItem(ctx: ArmContext, r: JobRecord) {
  return {
    id: resourceId(ctx, 'jobs', r.jobId),
    name: r.jobId,
    type: TYPES.jobs,
    properties: {
      jobId: r.jobId,
      runbook: { name: r.runbook },
      creationTime: r.createdTime,
      status: azureStatus(r.status),
      startTime: r.startTime ?? null,
      endTime: r.endTime ?? null,
      lastModifiedTime: r.lastModifiedTime,
      provisioningState: provisioningState(r.status),
      runOn: r.runOn ?? '',
    },
  };
}

export function jobResource(ctx: ArmContext, r: JobRecord) {
  const item = jobItem(ctx, r);
  return {
    ...item,
    properties: {
      ...item.properties,
      startedBy: r.startedBy,
      statusDetails: r.statusDetails ?? 'None',
      exception: r.exception ?? null,
      lastStatusModifiedTime: r.lastModifiedTime,
      parameters: encoded(r),
    },
  };
}

/** Azure's stream id: `<jobId>_<row>`, one path segment (Hookbook's own ids say `<jobId>:<row>`). */
export const armStreamId = (s: StreamRecord): string => s.jobStreamId.replace(':', '_');

/** Azure's `value`: an object's properties as they are, anything else under `value`, as Azure wraps primitives. */
function streamValue(s: StreamRecord): Record<string, unknown> {
  const v = s.value === undefined && s.streamType === 'Output' ? s.streamText : s.value;
  if (v === undefined) return {};
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : { value: v };
}

export function streamItem(ctx: ArmContext, jobId: string, s: StreamRecord, full: boolean) {
  const id = armStreamId(s);
  return {
    id: `${resourceId(ctx, 'jobs', jobId)}/streams/${id}`,
    properties: {
      jobStreamId: id,
      time: s.time,
      streamType: s.streamType,
      summary: s.summary,
      ...(full ? { streamText: s.streamText, value: streamValue(s) } : {}),
    },
  };
}
