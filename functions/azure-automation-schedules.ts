import { armDoc, ArmPage, ArmResource } from '../shared/arm/doc';
import { armErrors } from '../shared/arm/errors';
import { ACCOUNT_ROUTE, armRequest } from '../shared/arm/request';
import { page } from '../shared/arm/resource';
import {
  JobSchedulePutBody,
  jobScheduleResource,
  pendingFrom,
  pendingScheduleResource,
  SchedulePatchBody,
  SchedulePutBody,
  scheduleResource,
  workerGroupResource,
} from '../shared/arm/schedules';
import { decodeParameters } from '../shared/arm/jobs';
import { readJson } from '../shared/http/body';
import { badRequest, conflict, notFound } from '../shared/http/errors';
import { CreateScheduleBody, ScheduleName } from '../shared/model/schedule';
import { armScheduleStore, type PendingSchedule } from '../shared/store/armScheduleStore';
import { isJobId } from '../shared/jobs/ids';
import { json } from '../shared/http/respond';
import { route } from '../shared/http/route';
import { createSchedule, deleteSchedule, readSchedule, scheduleView, updateSchedule } from '../shared/schedules/manage';
import { scheduleStore } from '../shared/store/scheduleStore';
import { workerStore } from '../shared/store/workerStore';
import { groupView, requireGroup } from '../shared/workers/groups';
import { mayUseRunbook } from '../shared/model/apiKey';

/**
 * Azure Automation API (Azure Resource Manager shape): schedules, job schedules (docs/azure-automation-api.md)
 * and hybrid worker groups (read). An Azure schedule waits in armScheduleStore until a job schedule
 * links it to a runbook; then it is a Hookbook schedule, made and removed by the same functions as
 * the management API's (shared/schedules/manage.ts). Terraform lists job schedules on every runbook
 * read, so that list must answer even when there are none.
 */

/** The create body of a Hookbook schedule with this timing (validated as the management API does). */
function hookbookBody(t: PendingSchedule, runbook: string, extra: { parameters?: Record<string, unknown>; runOn?: string } = {}) {
  const { createdTime: _c, lastModifiedTime: _m, ...timing } = t;
  return CreateScheduleBody.parse({
    ...timing,
    runbook,
    ...(extra.parameters ? { parameters: extra.parameters } : {}),
    ...(extra.runOn ? { runOn: extra.runOn } : {}),
  });
}

function scheduleNameOf(raw: string | undefined): string {
  const parsed = ScheduleName.safeParse(raw ?? '');
  if (!parsed.success) throw badRequest(`schedule name '${(raw ?? '').slice(0, 128)}': ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

route('armSchedulePut', {
  methods: ['PUT'],
  route: `${ACCOUNT_ROUTE}/schedules/{scheduleName}`,
  errors: armErrors,
  handler: async (req) => {
    const ctx = await armRequest(req, 'admin');
    const name = scheduleNameOf(req.params.scheduleName);
    const pending = pendingFrom(name, await readJson(req, SchedulePutBody), new Date().toISOString());
    hookbookBody(pending, 'Validation'); // refuse a timing the scheduler would refuse, now rather than at link time
    if (await scheduleStore.get(name))
      throw conflict(`Schedule '${name}' already exists and starts a runbook; delete its job schedule first.`);
    const existed = await armScheduleStore.get(name);
    await armScheduleStore.put(existed ? { ...pending, createdTime: existed.createdTime } : pending);
    return json(existed ? 200 : 201, pendingScheduleResource(ctx, pending));
  },
  doc: armDoc('/schedules/{scheduleName}', {
    summary: 'Create a schedule (its timing; a job schedule then links it to a runbook)',
    role: 'admin',
    body: SchedulePutBody,
    responses: {
      200: { description: 'replaced (not yet linked)', schema: ArmResource },
      201: { description: 'created', schema: ArmResource },
      409: { description: 'a schedule of that name already starts a runbook' },
    },
  }),
});

route('armSchedulePatch', {
  methods: ['PATCH'],
  route: `${ACCOUNT_ROUTE}/schedules/{scheduleName}`,
  errors: armErrors,
  handler: async (req) => {
    const ctx = await armRequest(req, 'admin');
    const name = scheduleNameOf(req.params.scheduleName);
    const p = (await readJson(req, SchedulePatchBody)).properties ?? {};
    const pending = await armScheduleStore.get(name);
    if (pending) {
      const next = {
        ...pending,
        ...(p.isEnabled !== undefined ? { isEnabled: p.isEnabled } : {}),
        ...(p.description !== undefined ? { description: p.description } : {}),
        lastModifiedTime: new Date().toISOString(),
      };
      await armScheduleStore.put(next);
      return json(200, pendingScheduleResource(ctx, next));
    }
    const view = await updateSchedule(
      name,
      {
        ...(p.isEnabled !== undefined ? { isEnabled: p.isEnabled } : {}),
        ...(p.description !== undefined ? { description: p.description } : {}),
      },
      ctx.principal,
    );
    return json(200, scheduleResource(ctx, view));
  },
  doc: armDoc('/schedules/{scheduleName}', {
    summary: "Change a schedule's isEnabled or description",
    role: 'admin',
    body: SchedulePatchBody,
    responses: { 200: { description: 'the schedule', schema: ArmResource } },
  }),
});

route('armScheduleDelete', {
  methods: ['DELETE'],
  route: `${ACCOUNT_ROUTE}/schedules/{scheduleName}`,
  errors: armErrors,
  handler: async (req) => {
    const ctx = await armRequest(req, 'admin');
    const name = scheduleNameOf(req.params.scheduleName);
    if (await armScheduleStore.delete(name)) return { status: 200 };
    await deleteSchedule(name, ctx.principal);
    return { status: 200 };
  },
  doc: armDoc('/schedules/{scheduleName}', {
    summary: 'Delete a schedule (with the job schedule linking it)',
    role: 'admin',
    responses: { 200: { description: 'deleted' } },
  }),
});

route('armJobSchedulePut', {
  methods: ['PUT'],
  route: `${ACCOUNT_ROUTE}/jobSchedules/{jobScheduleId}`,
  errors: armErrors,
  handler: async (req) => {
    const ctx = await armRequest(req, 'admin');
    const id = req.params.jobScheduleId!.toLowerCase();
    if (!isJobId(id)) throw badRequest(`The job schedule id '${id.slice(0, 64)}' is not a GUID.`);
    const p = (await readJson(req, JobSchedulePutBody)).properties;
    const pending = await armScheduleStore.get(p.schedule.name);
    if (!pending) {
      const linked = await scheduleStore.get(p.schedule.name);
      if (linked)
        throw conflict(
          `Schedule '${linked.definition.name}' already starts runbook '${linked.definition.runbook}'; a Hookbook schedule starts one runbook. Create another schedule.`,
        );
      throw notFound(`Schedule '${p.schedule.name.slice(0, 128)}' not found.`);
    }
    const body = hookbookBody(pending, p.runbook.name, {
      parameters: decodeParameters(p.parameters ?? undefined),
      runOn: p.runOn || undefined,
    });
    const view = await createSchedule(body, ctx.principal, Date.now(), id);
    await armScheduleStore.delete(pending.name);
    return json(201, jobScheduleResource(ctx, id, view));
  },
  doc: armDoc('/jobSchedules/{jobScheduleId}', {
    summary: 'Link a schedule to a runbook (JobSchedule_Create): the schedule now starts it',
    role: 'admin',
    body: JobSchedulePutBody,
    responses: {
      201: { description: 'linked', schema: ArmResource },
      409: { description: 'the schedule already starts a runbook' },
    },
  }),
});

route('armJobScheduleDelete', {
  methods: ['DELETE'],
  route: `${ACCOUNT_ROUTE}/jobSchedules/{jobScheduleId}`,
  errors: armErrors,
  handler: async (req) => {
    const ctx = await armRequest(req, 'admin');
    const id = req.params.jobScheduleId!.toLowerCase();
    const s = (await scheduleStore.list()).find(
      (x) => x.definition.id.toLowerCase() === id && mayUseRunbook(ctx.principal, x.definition.runbook),
    );
    if (!s) throw notFound(`Job schedule '${id.slice(0, 64)}' not found.`);
    const d = s.definition;
    // The schedule stays, unlinked, as in Azure.
    await armScheduleStore.put({
      name: d.name,
      ...(d.description ? { description: d.description } : {}),
      frequency: d.frequency ?? 'OneTime',
      ...(d.interval ? { interval: d.interval } : {}),
      ...(d.startTime ? { startTime: d.startTime } : {}),
      ...(d.expiryTime ? { expiryTime: d.expiryTime } : {}),
      timeZone: d.timeZone,
      ...(d.weekDays ? { weekDays: d.weekDays } : {}),
      ...(d.monthDays ? { monthDays: d.monthDays } : {}),
      ...(d.monthlyOccurrences ? { monthlyOccurrences: d.monthlyOccurrences } : {}),
      isEnabled: d.isEnabled,
      createdTime: d.createdTime,
      lastModifiedTime: new Date().toISOString(),
    });
    await deleteSchedule(d.name, ctx.principal);
    return { status: 200 };
  },
  doc: armDoc('/jobSchedules/{jobScheduleId}', {
    summary: 'Unlink a schedule from its runbook (JobSchedule_Delete); the schedule stays',
    role: 'admin',
    responses: { 200: { description: 'unlinked' } },
  }),
});
route('armSchedulesList', {
  methods: ['GET'],
  route: `${ACCOUNT_ROUTE}/schedules`,
  errors: armErrors,
  handler: async (req) => {
    const ctx = await armRequest(req, 'reader');
    const all = (await scheduleStore.list()).filter((s) => mayUseRunbook(ctx.principal, s.definition.runbook));
    const pending = await armScheduleStore.list();
    return json(
      200,
      page([...all.map((s) => scheduleResource(ctx, scheduleView(s))), ...pending.map((s) => pendingScheduleResource(ctx, s))]),
    );
  },
  doc: armDoc('/schedules', {
    summary: 'List schedules',
    role: 'reader',
    responses: { 200: { description: 'the schedules', schema: ArmPage } },
  }),
});

route('armScheduleGet', {
  methods: ['GET'],
  route: `${ACCOUNT_ROUTE}/schedules/{scheduleName}`,
  errors: armErrors,
  handler: async (req) => {
    const ctx = await armRequest(req, 'reader');
    const pending = await armScheduleStore.get(scheduleNameOf(req.params.scheduleName));
    if (pending) return json(200, pendingScheduleResource(ctx, pending));
    return json(200, scheduleResource(ctx, scheduleView(await readSchedule(req.params.scheduleName!, ctx.principal))));
  },
  doc: armDoc('/schedules/{scheduleName}', {
    summary: 'Get a schedule',
    role: 'reader',
    responses: { 200: { description: 'the schedule', schema: ArmResource } },
  }),
});

route('armJobSchedulesList', {
  methods: ['GET'],
  route: `${ACCOUNT_ROUTE}/jobSchedules`,
  errors: armErrors,
  handler: async (req) => {
    const ctx = await armRequest(req, 'reader');
    const all = (await scheduleStore.list()).filter((s) => mayUseRunbook(ctx.principal, s.definition.runbook));
    return json(200, page(all.map((s) => jobScheduleResource(ctx, s.definition.id, scheduleView(s)))));
  },
  doc: armDoc('/jobSchedules', {
    summary: 'List job schedules: one per schedule, linking it to its runbook (an empty list when there are no schedules)',
    role: 'reader',
    responses: { 200: { description: 'the job schedules', schema: ArmPage } },
  }),
});

route('armJobScheduleGet', {
  methods: ['GET'],
  route: `${ACCOUNT_ROUTE}/jobSchedules/{jobScheduleId}`,
  errors: armErrors,
  handler: async (req) => {
    const ctx = await armRequest(req, 'reader');
    const id = req.params.jobScheduleId!.toLowerCase();
    const s = (await scheduleStore.list()).find(
      (x) => x.definition.id.toLowerCase() === id && mayUseRunbook(ctx.principal, x.definition.runbook),
    );
    if (!s) throw notFound(`Job schedule '${id.slice(0, 64)}' not found.`);
    return json(200, jobScheduleResource(ctx, s.definition.id, scheduleView(s)));
  },
  doc: armDoc('/jobSchedules/{jobScheduleId}', {
    summary: 'Get a job schedule',
    role: 'reader',
    responses: { 200: { description: 'the job schedule', schema: ArmResource } },
  }),
});

route('armWorkerGroupsList', {
  methods: ['GET'],
  route: `${ACCOUNT_ROUTE}/hybridRunbookWorkerGroups`,
  errors: armErrors,
  handler: async (req) => {
    const ctx = await armRequest(req, 'reader');
    const groups = await Promise.all((await workerStore.listGroups()).map(groupView));
    return json(200, page(groups.map((g) => workerGroupResource(ctx, g))));
  },
  doc: armDoc('/hybridRunbookWorkerGroups', {
    summary: 'List hybrid worker groups',
    role: 'reader',
    responses: { 200: { description: 'the groups', schema: ArmPage } },
  }),
});

route('armWorkerGroupGet', {
  methods: ['GET'],
  route: `${ACCOUNT_ROUTE}/hybridRunbookWorkerGroups/{hybridRunbookWorkerGroupName}`,
  errors: armErrors,
  handler: async (req) => {
    const ctx = await armRequest(req, 'reader');
    return json(200, workerGroupResource(ctx, await groupView(await requireGroup(req.params.hybridRunbookWorkerGroupName!))));
  },
  doc: armDoc('/hybridRunbookWorkerGroups/{hybridRunbookWorkerGroupName}', {
    summary: 'Get a hybrid worker group with its workers',
    role: 'reader',
    responses: { 200: { description: 'the group', schema: ArmResource } },
  }),
});
