import { armDoc, ArmPage, ArmResource } from '../shared/arm/doc';
import { armErrors } from '../shared/arm/errors';
import { ACCOUNT_ROUTE, armRequest } from '../shared/arm/request';
import { page } from '../shared/arm/resource';
import { jobScheduleResource, scheduleResource, workerGroupResource } from '../shared/arm/schedules';
import { notFound } from '../shared/http/errors';
import { json } from '../shared/http/respond';
import { route } from '../shared/http/route';
import { readSchedule, scheduleView } from '../shared/schedules/manage';
import { scheduleStore } from '../shared/store/scheduleStore';
import { workerStore } from '../shared/store/workerStore';
import { groupView, requireGroup } from '../shared/workers/groups';
import { mayUseRunbook } from '../shared/model/apiKey';

/**
 * Azure Automation API (Azure Resource Manager shape): schedules, job schedules and hybrid worker
 * groups, read-only (docs/azure-automation-api.md). Terraform lists job schedules on every runbook
 * read, so that list must answer even when there are none.
 */
route('armSchedulesList', {
  methods: ['GET'],
  route: `${ACCOUNT_ROUTE}/schedules`,
  errors: armErrors,
  handler: async (req) => {
    const ctx = await armRequest(req, 'reader');
    const all = (await scheduleStore.list()).filter((s) => mayUseRunbook(ctx.principal, s.definition.runbook));
    return json(200, page(all.map((s) => scheduleResource(ctx, scheduleView(s)))));
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
