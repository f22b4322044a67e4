import { randomUUID } from 'node:crypto';
import { badRequest, conflict, forbidden, notFound, tooLarge } from '../errors';
import { keepMaskedSecrets, sealParameters, visibleParameters } from '../jobs/parameters';
import { mayUseRunbook, type Principal } from '../model/apiKey';
import type { Runbook } from '../model/runbook';
import type { CreateScheduleBody, ScheduleDefinition, ScheduleView, UpdateScheduleBody } from '../model/schedule';
import { catalog } from '../runbooks/catalog';
import { validateParameters } from '../runbooks/parameters';
import { ScheduleConflictError, scheduleStore, type StoredSchedule } from '../store/scheduleStore';
import { checkTiming, parseDateTime, recurrenceOf, timingOf } from './definition';
import { nextOccurrence } from './recurrence';
import { timeZoneProblem } from './timezone';
import { checkRunOn } from '../workers/groups';

/** Management of schedules (create, get, list, update, delete) and how callers see them. */
export const MAX_SCHEDULE_PARAMETER_CHARS = 256 * 1024;

const iso = (ms: number) => new Date(ms).toISOString();

async function usableRunbook(name: string, principal: Principal): Promise<Runbook> {
  const runbook = await catalog.require(name);
  if (!mayUseRunbook(principal, runbook.name)) throw forbidden(`Key '${principal.id}' may not use runbook '${runbook.name}'.`);
  if (runbook.state !== 'Published' || runbook.version === 0) {
    throw conflict(`Runbook '${runbook.name}' is not published; publish it before scheduling it.`);
  }
  return runbook;
}

/**
 * Validate the schedule's parameters against the runbook (mandatory ones required, unknown ones
 * refused) and seal secret values. `***` for a secret parameter keeps its stored value. Only the
 * values given are stored: defaults are applied when each job starts, from the runbook as it is then.
 */
function sealScheduleParameters(runbook: Runbook, given: Record<string, unknown>, previousSealed?: string): string {
  const input = keepMaskedSecrets(runbook.parameters, given, previousSealed);
  const valid = validateParameters(runbook.parameters, input);
  const names = new Set(Object.keys(input).map((k) => runbook.parameters.find((d) => d.name.toLowerCase() === k.toLowerCase())!.name));
  const sealed = sealParameters(runbook.parameters, Object.fromEntries(Object.entries(valid).filter(([k]) => names.has(k))));
  if (sealed.length > MAX_SCHEDULE_PARAMETER_CHARS) {
    throw tooLarge(
      `The schedule's parameters are ${sealed.length} characters once stored; a schedule holds at most ${MAX_SCHEDULE_PARAMETER_CHARS} (256 KB).`,
    );
  }
  return sealed;
}

const isOneTime = (def: ScheduleDefinition) =>
  def.cronExpression === undefined && (def.frequency === undefined || def.frequency === 'OneTime');

/** Where the scheduler starts: now; a one-time schedule whose time is (just) past still runs once. */
function initialCursor(def: ScheduleDefinition, now: number): number {
  if (isOneTime(def) && def.startTime !== undefined) return Math.min(now, Date.parse(def.startTime) - 1);
  return now;
}

function checkZone(timeZone: string): void {
  const problem = timeZoneProblem(timeZone);
  if (problem) throw badRequest(`timeZone: ${problem}.`);
}

/** `id`: the schedule's fixed id when the caller chose it (an Azure job schedule's GUID); default: a new one. */
export async function createSchedule(
  body: CreateScheduleBody,
  principal: Principal,
  now = Date.now(),
  id: string = randomUUID(),
): Promise<ScheduleView> {
  await checkRunOn(body.runOn);
  const timeZone = body.timeZone ?? 'UTC';
  checkZone(timeZone);
  const runbook = await usableRunbook(body.runbook, principal);
  const def: ScheduleDefinition = {
    id,
    name: body.name,
    runbook: runbook.name,
    ...(body.description !== undefined ? { description: body.description } : {}),
    ...timingOf(body, timeZone),
    timeZone,
    isEnabled: body.isEnabled ?? true,
    createdTime: iso(now),
    lastModifiedTime: iso(now),
    createdBy: principal.id,
    ...(body.runOn ? { runOn: body.runOn } : {}),
    ...(body.notify?.length ? { notify: body.notify } : {}),
  };
  checkTiming(def, now, { startTimeChanged: true, expiryChanged: true, timingChanged: true });
  const parameters = sealScheduleParameters(runbook, body.parameters ?? {});
  const stored = { definition: def, parameters, state: { cursor: iso(initialCursor(def, now)) } };
  if (!(await scheduleStore.create(stored))) throw conflict(`Schedule '${body.name}' already exists (names are not case-sensitive).`);
  return scheduleView({ ...stored, etag: '' }, now);
}

export async function readSchedule(name: string, principal: Principal): Promise<StoredSchedule> {
  const s = await scheduleStore.get(name);
  if (!s || !mayUseRunbook(principal, s.definition.runbook)) throw notFound(`Schedule '${name}' not found.`);
  return s;
}

export async function listSchedules(principal: Principal, runbook?: string, now = Date.now()): Promise<ScheduleView[]> {
  const all = await scheduleStore.list({ runbook });
  return all.filter((s) => mayUseRunbook(principal, s.definition.runbook)).map((s) => scheduleView(s, now));
}

const TIMING_FIELDS = [
  'cronExpression',
  'frequency',
  'interval',
  'weekDays',
  'monthDays',
  'monthlyOccurrences',
  'startTime',
  'timeZone',
] as const;

function merged(old: ScheduleDefinition, patch: UpdateScheduleBody, runbook: string, now: number): ScheduleDefinition {
  const def: ScheduleDefinition = { ...old, runbook, lastModifiedTime: iso(now) };
  const set = <K extends keyof ScheduleDefinition>(key: K, value: ScheduleDefinition[K] | null | undefined) => {
    if (value === undefined) return;
    if (value === null) delete def[key];
    else def[key] = value;
  };
  if (patch.timeZone !== undefined) {
    checkZone(patch.timeZone);
    def.timeZone = patch.timeZone;
  }
  if (patch.cronExpression !== undefined && patch.cronExpression !== null) {
    for (const k of ['frequency', 'interval', 'weekDays', 'monthDays', 'monthlyOccurrences'] as const) delete def[k];
    def.cronExpression = patch.cronExpression.trim();
  } else if (patch.cronExpression === null) {
    delete def.cronExpression;
  }
  if (patch.frequency !== undefined) {
    // A new frequency brings its own details: old ones (weekDays of a weekly schedule) would not fit.
    for (const k of ['cronExpression', 'interval', 'weekDays', 'monthDays', 'monthlyOccurrences'] as const) delete def[k];
    def.frequency = patch.frequency;
  }
  set('interval', patch.interval);
  set('weekDays', patch.weekDays);
  set('monthDays', patch.monthDays);
  set('monthlyOccurrences', patch.monthlyOccurrences);
  if (patch.startTime !== undefined)
    set('startTime', patch.startTime === null ? null : iso(parseDateTime(patch.startTime, def.timeZone, 'startTime')));
  if (patch.expiryTime !== undefined)
    set('expiryTime', patch.expiryTime === null ? null : iso(parseDateTime(patch.expiryTime, def.timeZone, 'expiryTime')));
  if (patch.description !== undefined) set('description', patch.description);
  if (patch.isEnabled !== undefined) def.isEnabled = patch.isEnabled;
  if (patch.runOn !== undefined) set('runOn', patch.runOn);
  if (patch.notify !== undefined) set('notify', patch.notify?.length ? patch.notify : null);
  return def;
}

export async function updateSchedule(
  name: string,
  patch: UpdateScheduleBody,
  principal: Principal,
  now = Date.now(),
): Promise<ScheduleView> {
  await checkRunOn(patch.runOn);
  for (let attempt = 0; ; attempt++) {
    const old = await readSchedule(name, principal);
    const runbookName = patch.runbook ?? old.definition.runbook;
    const runbookChanged = runbookName.toLowerCase() !== old.definition.runbook.toLowerCase();
    const runbook = runbookChanged || patch.parameters !== undefined ? await usableRunbook(runbookName, principal) : undefined;
    const def = merged(old.definition, patch, runbook?.name ?? old.definition.runbook, now);
    const timingChanged = TIMING_FIELDS.some((k) => patch[k] !== undefined);
    checkTiming(def, now, {
      startTimeChanged: patch.startTime !== undefined && patch.startTime !== null,
      expiryChanged: patch.expiryTime !== undefined && patch.expiryTime !== null,
      timingChanged: timingChanged || (patch.isEnabled === true && !old.definition.isEnabled),
    });
    let parameters = old.parameters;
    if (runbook) {
      const given = patch.parameters ?? visibleParameters(old.parameters);
      parameters = sealScheduleParameters(runbook, given, old.parameters);
    }
    const state = { ...old.state };
    if (timingChanged) state.cursor = iso(initialCursor(def, now));
    else if (def.isEnabled && !old.definition.isEnabled) state.cursor = iso(Math.max(Date.parse(state.cursor), now));
    try {
      const etag = await scheduleStore.replace({ definition: def, parameters, state }, old.etag);
      return scheduleView({ definition: def, parameters, state, etag }, now);
    } catch (error) {
      // The scheduler moved the cursor meanwhile: decide again on the fresh entity.
      if (error instanceof ScheduleConflictError && attempt < 4) continue;
      if (error instanceof ScheduleConflictError) throw conflict(`Schedule '${name}' is being changed by someone else; retry.`);
      throw error;
    }
  }
}

export async function deleteSchedule(name: string, principal: Principal): Promise<void> {
  await readSchedule(name, principal);
  if (!(await scheduleStore.delete(name))) throw notFound(`Schedule '${name}' not found.`);
}

/** The schedule as callers see it: secret parameters `***`, nextRun computed now. */
export function scheduleView(s: StoredSchedule, now = Date.now()): ScheduleView {
  const { id: _id, ...def } = s.definition;
  const { recurrence, effectiveCron } = recurrenceOf(s.definition);
  const isExpired = s.definition.expiryTime !== undefined && Date.parse(s.definition.expiryTime) <= now;
  const next = s.definition.isEnabled && !isExpired ? nextOccurrence(recurrence, Math.max(now, Date.parse(s.state.cursor))) : undefined;
  return {
    ...def,
    parameters: visibleParameters(s.parameters),
    ...(effectiveCron !== undefined ? { effectiveCron } : {}),
    isExpired,
    nextRun: next !== undefined ? iso(next) : null,
    lastRun: s.state.lastRun ?? null,
    lastJobId: s.state.lastJobId ?? null,
    lastError: s.state.lastError ?? null,
  };
}
