import { z } from 'zod';
import { authenticate } from '../shared/auth/authenticate';
import { readJson } from '../shared/http/body';
import { badRequest, notFound } from '../shared/http/errors';
import { json } from '../shared/http/respond';
import { route } from '../shared/http/route';
import { readJob } from '../shared/jobs/read';
import {
  CreateTargetBody,
  Delivery,
  NotificationTarget,
  RotateSecretBody,
  TargetName,
  UpdateTargetBody,
} from '../shared/model/notification';
import { JobIdParam } from '../shared/openapi/params';
import { createTarget, deleteTarget, getTarget, listTargets, rotateSecret, updateTarget } from '../shared/notify/targets';
import { redeliver } from '../shared/notify/redeliver';
import { deliveryStore } from '../shared/store/notificationStore';

/** Management API: notification targets, their deliveries, and a job's deliveries (docs/notifications.md). */
const BASE = 'api/v1/notification-targets';
const TargetNameParam = TargetName.describe('a notification target name');
const name = (raw: string | undefined): string => {
  const parsed = TargetName.safeParse(raw);
  if (!parsed.success) throw notFound(`No notification target named '${raw}'.`);
  return parsed.data;
};
const TopQuery = z.coerce.number().int().min(1).max(500).default(50);
const top = (raw: string | null): number => {
  const parsed = TopQuery.safeParse(raw ?? undefined);
  if (!parsed.success) throw badRequest("Query 'top' must be an integer from 1 to 500.");
  return parsed.data;
};
const WithSecret = NotificationTarget.extend({ secret: z.string().optional().describe('the signing secret: shown in this answer only') });

route('notificationTargetsCreate', {
  methods: ['POST'],
  route: BASE,
  handler: async (req) => {
    await authenticate(req, { need: 'admin' });
    const { target, secret } = await createTarget(await readJson(req, CreateTargetBody));
    return json(201, { ...target, ...(secret ? { secret } : {}) }, { Location: `/${BASE}/${target.name}` });
  },
  doc: {
    path: `/${BASE}`,
    summary: 'Create a notification target (its signing secret is shown once)',
    tag: 'notifications',
    role: 'admin',
    body: CreateTargetBody,
    responses: {
      201: { description: 'the target, with its secret for the signed formats', schema: WithSecret, headers: { Location: 'the target' } },
      409: { description: 'the name is taken' },
    },
  },
});

route('notificationTargetsList', {
  methods: ['GET'],
  route: BASE,
  handler: async (req) => {
    await authenticate(req, { need: 'admin' });
    return json(200, { value: await listTargets() });
  },
  doc: {
    path: `/${BASE}`,
    summary: 'List notification targets (never their secrets)',
    tag: 'notifications',
    role: 'admin',
    responses: { 200: { description: 'the targets', schema: z.object({ value: z.array(NotificationTarget) }) } },
  },
});

route('notificationTargetsGet', {
  methods: ['GET'],
  route: `${BASE}/{name}`,
  handler: async (req) => {
    await authenticate(req, { need: 'admin' });
    return json(200, await getTarget(name(req.params.name)));
  },
  doc: {
    params: { name: TargetNameParam },
    path: `/${BASE}/{name}`,
    summary: 'Get a notification target',
    tag: 'notifications',
    role: 'admin',
    responses: { 200: { description: 'the target', schema: NotificationTarget } },
  },
});

route('notificationTargetsUpdate', {
  methods: ['PATCH'],
  route: `${BASE}/{name}`,
  handler: async (req) => {
    await authenticate(req, { need: 'admin' });
    const body = await readJson(req, UpdateTargetBody);
    return json(200, await updateTarget(name(req.params.name), body));
  },
  doc: {
    params: { name: TargetNameParam },
    path: `/${BASE}/{name}`,
    summary: 'Change a notification target (`null` removes a filter; `enabled: true` turns it on again)',
    tag: 'notifications',
    role: 'admin',
    body: UpdateTargetBody,
    responses: { 200: { description: 'the target', schema: NotificationTarget }, 409: { description: 'changed meanwhile' } },
  },
});

route('notificationTargetsDelete', {
  methods: ['DELETE'],
  route: `${BASE}/{name}`,
  handler: async (req) => {
    await authenticate(req, { need: 'admin' });
    await deleteTarget(name(req.params.name));
    return { status: 204 };
  },
  doc: {
    params: { name: TargetNameParam },
    path: `/${BASE}/{name}`,
    summary: 'Delete a notification target (its deliveries stay readable)',
    tag: 'notifications',
    role: 'admin',
    responses: { 204: { description: 'deleted' } },
  },
});

route('notificationTargetsRotateSecret', {
  methods: ['POST'],
  route: `${BASE}/{name}/rotate-secret`,
  handler: async (req) => {
    await authenticate(req, { need: 'admin' });
    const body = await readJson(req, RotateSecretBody, { empty: {} });
    const { target, secret } = await rotateSecret(name(req.params.name), body.overlapSeconds);
    return json(200, { ...target, secret });
  },
  doc: {
    params: { name: TargetNameParam },
    path: `/${BASE}/{name}/rotate-secret`,
    summary: 'A new signing secret (shown once); the previous one signs too until the overlap ends',
    tag: 'notifications',
    role: 'admin',
    body: RotateSecretBody,
    bodyOptional: true,
    responses: {
      200: { description: 'the target with its new secret', schema: WithSecret.required({ secret: true }) },
      409: { description: 'a Teams or Slack target (its URL is its secret)' },
    },
  },
});

route('notificationDeliveriesOfTarget', {
  methods: ['GET'],
  route: `${BASE}/{name}/deliveries`,
  handler: async (req) => {
    await authenticate(req, { need: 'admin' });
    const target = name(req.params.name);
    return json(200, { value: await deliveryStore.list({ target, top: top(req.query.get('top')) }) });
  },
  doc: {
    params: { name: TargetNameParam },
    path: `/${BASE}/{name}/deliveries`,
    summary: "A target's deliveries, newest first, each with every attempt",
    tag: 'notifications',
    role: 'admin',
    query: { top: { schema: TopQuery } },
    responses: { 200: { description: 'the deliveries', schema: z.object({ value: z.array(Delivery) }) } },
  },
});

route('notificationRedeliver', {
  methods: ['POST'],
  route: `${BASE}/{name}/deliveries/{deliveryId}/redeliver`,
  handler: async (req) => {
    await authenticate(req, { need: 'admin' });
    return json(202, await redeliver(name(req.params.name), req.params.deliveryId!));
  },
  doc: {
    params: { name: TargetNameParam, deliveryId: z.string().describe('a delivery id (`msg_…`)') },
    path: `/${BASE}/{name}/deliveries/{deliveryId}/redeliver`,
    summary: 'Send a delivery again (same delivery id), whatever became of it',
    tag: 'notifications',
    role: 'admin',
    responses: { 202: { description: 'queued again', schema: Delivery } },
  },
});

route('notificationDeliveriesOfJob', {
  methods: ['GET'],
  route: 'api/v1/jobs/{jobId}/notifications',
  handler: async (req) => {
    const principal = await authenticate(req, { need: 'reader' });
    const job = await readJob(req.params.jobId!, principal);
    return json(200, { value: await deliveryStore.list({ jobId: job.jobId, top: 500 }) });
  },
  doc: {
    params: { jobId: JobIdParam },
    path: '/api/v1/jobs/{jobId}/notifications',
    summary: "A job's notification deliveries, each with every attempt",
    tag: 'notifications',
    role: 'reader',
    responses: { 200: { description: 'the deliveries', schema: z.object({ value: z.array(Delivery) }) } },
  },
});
