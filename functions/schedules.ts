import { z } from 'zod';
import { authenticate } from '../shared/auth/authenticate';
import { readJson } from '../shared/http/body';
import { badRequest, notFound } from '../shared/http/errors';
import { json } from '../shared/http/respond';
import { route } from '../shared/http/route';
import { CreateScheduleBody, ScheduleName, ScheduleView, UpdateScheduleBody } from '../shared/model/schedule';
import { PreviewScheduleBody, previewSchedule, SchedulePreview } from '../shared/schedules/preview';
import { createSchedule, deleteSchedule, listSchedules, readSchedule, scheduleView, updateSchedule } from '../shared/schedules/manage';
import { ScheduleNameParam } from '../shared/openapi/params';

/**
 * Management API: schedules (admin manages, reader reads). The timer function that runs them is
 * functions/scheduler.ts; docs/schedules.md explains cron, frequencies, time zones and DST.
 */
const name = (raw: string | undefined): string => {
  const parsed = ScheduleName.safeParse(raw);
  if (!parsed.success) throw notFound(`Schedule '${raw}' not found.`);
  return parsed.data;
};

route('schedulesCreate', {
  methods: ['POST'],
  route: 'api/v1/schedules',
  handler: async (req) => {
    const principal = await authenticate(req, { need: 'admin' });
    const body = await readJson(req, CreateScheduleBody);
    const view = await createSchedule(body, principal);
    return json(201, view, { Location: `/api/v1/schedules/${encodeURIComponent(view.name)}` });
  },
  doc: {
    path: '/api/v1/schedules',
    summary: 'Create a schedule (cron expression, Azure Automation frequency, or one-time startTime)',
    tag: 'schedules',
    role: 'admin',
    body: CreateScheduleBody,
    responses: {
      201: { description: 'created', schema: ScheduleView, headers: { Location: 'the schedule' } },
      404: { description: 'no such runbook' },
      409: { description: 'the name is taken, or the runbook has no published version' },
    },
  },
});

route('schedulesPreview', {
  methods: ['POST'],
  route: 'api/v1/schedules/preview',
  handler: async (req) => {
    await authenticate(req, { need: 'reader' });
    const body = await readJson(req, PreviewScheduleBody);
    return json(200, previewSchedule(body));
  },
  doc: {
    path: '/api/v1/schedules/preview',
    summary:
      'The next occurrences of a schedule timing (cron or frequency, time zone, start, expiry) without creating it; DST changes marked',
    tag: 'schedules',
    role: 'reader',
    body: PreviewScheduleBody,
    responses: { 200: { description: 'the next occurrences', schema: SchedulePreview } },
  },
});

route('schedulesList', {
  methods: ['GET'],
  route: 'api/v1/schedules',
  handler: async (req) => {
    const principal = await authenticate(req, { need: 'reader' });
    const runbook = req.query.get('runbook') ?? undefined;
    if (runbook !== undefined && (runbook.length === 0 || runbook.length > 128))
      throw badRequest("Query 'runbook' must be a runbook name.");
    return json(200, { value: await listSchedules(principal, runbook) });
  },
  doc: {
    path: '/api/v1/schedules',
    summary: 'List schedules (optionally of one runbook)',
    tag: 'schedules',
    role: 'reader',
    query: { runbook: { schema: z.string().min(1).max(128).optional(), description: 'only the schedules of this runbook' } },
    responses: { 200: { description: 'the schedules', schema: z.object({ value: z.array(ScheduleView) }) } },
  },
});

route('schedulesGet', {
  methods: ['GET'],
  route: 'api/v1/schedules/{name}',
  handler: async (req) => {
    const principal = await authenticate(req, { need: 'reader' });
    return json(200, scheduleView(await readSchedule(name(req.params.name), principal)));
  },
  doc: {
    params: { name: ScheduleNameParam },
    path: '/api/v1/schedules/{name}',
    summary: 'Get a schedule (with nextRun)',
    tag: 'schedules',
    role: 'reader',
    responses: { 200: { description: 'the schedule', schema: ScheduleView } },
  },
});

route('schedulesUpdate', {
  methods: ['PATCH'],
  route: 'api/v1/schedules/{name}',
  handler: async (req) => {
    const principal = await authenticate(req, { need: 'admin' });
    const body = await readJson(req, UpdateScheduleBody);
    return json(200, await updateSchedule(name(req.params.name), body, principal));
  },
  doc: {
    params: { name: ScheduleNameParam },
    path: '/api/v1/schedules/{name}',
    summary: 'Update a schedule (enable/disable, timing, parameters, expiry)',
    tag: 'schedules',
    role: 'admin',
    body: UpdateScheduleBody,
    responses: {
      200: { description: 'the schedule', schema: ScheduleView },
      409: { description: 'the runbook has no published version, or the schedule changed meanwhile (retry)' },
    },
  },
});

route('schedulesDelete', {
  methods: ['DELETE'],
  route: 'api/v1/schedules/{name}',
  handler: async (req) => {
    const principal = await authenticate(req, { need: 'admin' });
    await deleteSchedule(name(req.params.name), principal);
    return { status: 204 };
  },
  doc: {
    params: { name: ScheduleNameParam },
    path: '/api/v1/schedules/{name}',
    summary: 'Delete a schedule (its jobs stay)',
    tag: 'schedules',
    role: 'admin',
    responses: { 204: { description: 'deleted' } },
  },
});
