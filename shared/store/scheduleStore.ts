import { odata } from '@azure/data-tables';
import { ScheduleDefinition } from '../model/schedule';
import { table } from './clients';
import { hasStatus } from './errors';
import { SCHEDULE_PARTITION, scheduleRowKey } from './keys';
import { joinProperty, splitProperty } from './chunks';

/**
 * Table "schedules": partition "schedule", row key = the name in lower case (names are unique
 * without regard to case). One entity holds the definition (JSON), the sealed parameters, and the
 * scheduler's cursor. Every write is conditional on the ETag, so that two scheduler instances and
 * an admin's PATCH never overwrite each other: the loser re-reads and decides again.
 */
const PK = SCHEDULE_PARTITION;

export interface ScheduleState {
  /** ISO: every occurrence up to here has been dealt with (job created, skipped, or failed for good). */
  cursor: string;
  /** ISO: the latest occurrence that created (or found) a job. */
  lastRun?: string;
  lastJobId?: string;
  /** Why the latest occurrence could not start a job (runbook gone, parameters no longer valid, ...). */
  lastError?: string;
}

export interface StoredSchedule {
  definition: ScheduleDefinition;
  /** Parameters JSON with secret values sealed (jobs/parameters sealParameters). */
  parameters: string;
  state: ScheduleState;
  etag: string;
}

export class ScheduleConflictError extends Error {
  constructor(name: string) {
    super(`schedule ${name} was changed by someone else`);
    this.name = 'ScheduleConflictError';
  }
}

function toEntity(s: Omit<StoredSchedule, 'etag'>): Record<string, unknown> {
  const e: Record<string, unknown> = {
    partitionKey: PK,
    rowKey: scheduleRowKey(s.definition.name),
    json: JSON.stringify(s.definition),
    isEnabled: s.definition.isEnabled,
    cursor: s.state.cursor,
    lastRun: s.state.lastRun ?? '',
    lastJobId: s.state.lastJobId ?? '',
    lastError: s.state.lastError ?? '',
  };
  splitProperty('parameters', s.parameters, e);
  return e;
}

function fromEntity(e: Record<string, unknown> & { etag: string }): StoredSchedule {
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  return {
    definition: ScheduleDefinition.parse(JSON.parse(String(e.json))),
    parameters: joinProperty('parameters', e) ?? '{}',
    state: { cursor: String(e.cursor), lastRun: str(e.lastRun), lastJobId: str(e.lastJobId), lastError: str(e.lastError) },
    etag: e.etag,
  };
}

export const scheduleStore = {
  /** False when a schedule with that name (any case) exists. */
  async create(s: Omit<StoredSchedule, 'etag'>): Promise<boolean> {
    const t = await table('schedules');
    try {
      await t.createEntity(toEntity(s) as never);
      return true;
    } catch (error) {
      if (hasStatus(error, 409)) return false;
      throw error;
    }
  },

  async get(name: string): Promise<StoredSchedule | undefined> {
    const t = await table('schedules');
    try {
      return fromEntity(await t.getEntity<Record<string, unknown>>(PK, scheduleRowKey(name)));
    } catch (error) {
      if (hasStatus(error, 404)) return undefined;
      throw error;
    }
  },

  async list(filter: { runbook?: string; enabledOnly?: boolean } = {}): Promise<StoredSchedule[]> {
    const t = await table('schedules');
    const parts = [odata`PartitionKey eq ${PK}`];
    if (filter.enabledOnly) parts.push(odata`isEnabled eq ${true}`);
    const out: StoredSchedule[] = [];
    for await (const e of t.listEntities<Record<string, unknown>>({ queryOptions: { filter: parts.join(' and ') } })) {
      const s = fromEntity(e as Record<string, unknown> & { etag: string });
      if (filter.runbook && s.definition.runbook.toLowerCase() !== filter.runbook.toLowerCase()) continue;
      out.push(s);
    }
    return out.sort((a, b) => a.definition.name.localeCompare(b.definition.name));
  },

  /** Replace the whole schedule if nobody changed it since `etag`; returns the new ETag. */
  async replace(s: Omit<StoredSchedule, 'etag'>, etag: string): Promise<string> {
    const t = await table('schedules');
    try {
      return (await t.updateEntity(toEntity(s) as never, 'Replace', { etag })).etag!;
    } catch (error) {
      if (hasStatus(error, 412)) throw new ScheduleConflictError(s.definition.name);
      throw error;
    }
  },

  /** Move the scheduler's cursor (and what it records) if nobody changed the schedule since `etag`. */
  async saveState(name: string, state: ScheduleState, etag: string): Promise<string> {
    const t = await table('schedules');
    const e = {
      partitionKey: PK,
      rowKey: scheduleRowKey(name),
      cursor: state.cursor,
      lastRun: state.lastRun ?? '',
      lastJobId: state.lastJobId ?? '',
      lastError: state.lastError ?? '',
    };
    try {
      return (await t.updateEntity(e, 'Merge', { etag })).etag!;
    } catch (error) {
      // Deleted meanwhile (404) is a change by someone else too: the caller reads it again.
      if (hasStatus(error, 412) || hasStatus(error, 404)) throw new ScheduleConflictError(name);
      throw error;
    }
  },

  async delete(name: string): Promise<boolean> {
    const t = await table('schedules');
    try {
      await t.deleteEntity(PK, scheduleRowKey(name));
      return true;
    } catch (error) {
      if (hasStatus(error, 404)) return false;
      throw error;
    }
  },
};
