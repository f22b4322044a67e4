import { z } from 'zod';
import { authenticate } from '../shared/auth/authenticate';
import { createRegistrationKey, revokeRegistrationKey } from '../shared/auth/workerKeys';
import { readJson } from '../shared/http/body';
import { badRequest, notFound } from '../shared/http/errors';
import { json } from '../shared/http/respond';
import { route } from '../shared/http/route';
import {
  CreateGroupBody,
  CreateRegistrationKeyBody,
  GroupName,
  RegistrationKey,
  WorkerGroup,
  WorkerInfo,
} from '../shared/model/workerGroup';
import { workerStore } from '../shared/store/workerStore';
import { createGroup, groupView, requireGroup } from '../shared/workers/groups';
import { deleteGroup } from '../shared/workers/deleteGroup';

/**
 * Management API: hybrid worker groups (docs/hybrid-workers.md), their workers as they last said
 * hello, and their registration keys (the secret in the create response only). Admin only, but
 * for reading the groups and their workers (reader: the dashboard shows them to everyone).
 */
const GroupParam = GroupName.describe('a worker group name');
const KeyIdParam = z
  .string()
  .regex(/^hw[0-9a-f]{12}$/)
  .describe('a registration key id');
const GroupWithWorkers = WorkerGroup.extend({ workers: z.array(WorkerInfo.extend({ live: z.boolean() })) });

function groupParam(raw: string | undefined): string {
  const parsed = GroupName.safeParse(raw);
  if (!parsed.success) throw notFound(`Worker group '${raw}' not found.`);
  return parsed.data;
}

route('workerGroupsCreate', {
  methods: ['POST'],
  route: 'api/v1/workerGroups',
  handler: async (req) => {
    await authenticate(req, { need: 'admin' });
    const body = await readJson(req, CreateGroupBody);
    const group = await createGroup(body.name, body.description);
    return json(201, { ...group, workers: [] }, { Location: `/api/v1/workerGroups/${group.name}` });
  },
  doc: {
    path: '/api/v1/workerGroups',
    summary: 'Create a hybrid worker group',
    tag: 'workers',
    role: 'admin',
    body: CreateGroupBody,
    responses: {
      201: { description: 'the group', schema: GroupWithWorkers, headers: { Location: 'the group' } },
      409: { description: 'a group with that name exists' },
    },
  },
});

route('workerGroupsList', {
  methods: ['GET'],
  route: 'api/v1/workerGroups',
  handler: async (req) => {
    await authenticate(req, { need: 'reader' });
    const groups = await workerStore.listGroups();
    return json(200, { value: await Promise.all(groups.map(groupView)) });
  },
  doc: {
    path: '/api/v1/workerGroups',
    summary: 'List hybrid worker groups with their workers',
    tag: 'workers',
    role: 'reader',
    responses: { 200: { description: 'the groups', schema: z.object({ value: z.array(GroupWithWorkers) }) } },
  },
});

route('workerGroupsGet', {
  methods: ['GET'],
  route: 'api/v1/workerGroups/{group}',
  handler: async (req) => {
    await authenticate(req, { need: 'reader' });
    return json(200, await groupView(await requireGroup(groupParam(req.params.group))));
  },
  doc: {
    params: { group: GroupParam },
    path: '/api/v1/workerGroups/{group}',
    summary: 'Get a hybrid worker group with its workers',
    tag: 'workers',
    role: 'reader',
    responses: { 200: { description: 'the group', schema: GroupWithWorkers } },
  },
});

route('workerGroupsDelete', {
  methods: ['DELETE'],
  route: 'api/v1/workerGroups/{group}',
  handler: async (req) => {
    await authenticate(req, { need: 'admin' });
    await deleteGroup(groupParam(req.params.group));
    return { status: 204 };
  },
  doc: {
    params: { group: GroupParam },
    path: '/api/v1/workerGroups/{group}',
    summary: 'Delete a hybrid worker group (its registration keys are revoked; its jobs that have not ended fail)',
    tag: 'workers',
    role: 'admin',
    responses: { 204: { description: 'deleted' } },
  },
});

route('workerKeysCreate', {
  methods: ['POST'],
  route: 'api/v1/workerGroups/{group}/keys',
  handler: async (req) => {
    await authenticate(req, { need: 'admin' });
    const group = (await requireGroup(groupParam(req.params.group))).name;
    const body = await readJson(req, CreateRegistrationKeyBody, { empty: {} });
    const { key, secret } = await createRegistrationKey(group, body.description);
    return json(201, { ...key, secret, key: `${key.keyId}:${secret}` });
  },
  doc: {
    params: { group: GroupParam },
    path: '/api/v1/workerGroups/{group}/keys',
    summary: "Create a registration key for the group's workers (the secret is shown once)",
    tag: 'workers',
    role: 'admin',
    body: CreateRegistrationKeyBody,
    bodyOptional: true,
    responses: { 201: { description: 'the key with its secret', schema: RegistrationKey.extend({ secret: z.string(), key: z.string() }) } },
  },
});

route('workerKeysList', {
  methods: ['GET'],
  route: 'api/v1/workerGroups/{group}/keys',
  handler: async (req) => {
    await authenticate(req, { need: 'admin' });
    const group = (await requireGroup(groupParam(req.params.group))).name;
    return json(200, { value: await workerStore.listKeys(group) });
  },
  doc: {
    params: { group: GroupParam },
    path: '/api/v1/workerGroups/{group}/keys',
    summary: "List the group's registration keys (never their secrets)",
    tag: 'workers',
    role: 'admin',
    responses: { 200: { description: 'the keys', schema: z.object({ value: z.array(RegistrationKey) }) } },
  },
});

route('workerKeysDelete', {
  methods: ['DELETE'],
  route: 'api/v1/workerGroups/{group}/keys/{keyId}',
  handler: async (req) => {
    await authenticate(req, { need: 'admin' });
    const group = groupParam(req.params.group);
    const keyId = req.params.keyId ?? '';
    if (!/^hw[0-9a-f]{12}$/.test(keyId)) throw badRequest(`'${keyId.slice(0, 40)}' is not a registration key id.`);
    const stored = await workerStore.getKey(keyId);
    if (!stored || stored.key.group !== group) throw notFound(`Registration key '${keyId}' not found in worker group '${group}'.`);
    await revokeRegistrationKey(keyId);
    return { status: 204 };
  },
  doc: {
    params: { group: GroupParam, keyId: KeyIdParam },
    path: '/api/v1/workerGroups/{group}/keys/{keyId}',
    summary: 'Revoke a registration key (its workers are locked out)',
    tag: 'workers',
    role: 'admin',
    responses: { 204: { description: 'revoked' } },
  },
});
