import { z } from 'zod';
import { authenticate } from '../shared/auth/authenticate';
import { createKey, deleteKey } from '../shared/auth/keys';
import { readJson } from '../shared/http/body';
import { notFound } from '../shared/http/errors';
import { json } from '../shared/http/respond';
import { route } from '../shared/http/route';
import { ApiKey, CreateKeyBody } from '../shared/model/apiKey';
import { keyStore } from '../shared/store/keyStore';

/** Management API: API keys. The secret is in the create response only. */
route('keysCreate', {
  methods: ['POST'],
  route: 'api/v1/keys',
  handler: async (req) => {
    await authenticate(req, { need: 'admin' });
    const body = await readJson(req, CreateKeyBody);
    const { key, secret } = await createKey(body);
    return json(201, { ...key, secret, key: `${key.keyId}:${secret}` });
  },
  doc: {
    path: '/api/v1/keys',
    summary: 'Create an API key (the secret is shown once)',
    tag: 'keys',
    role: 'admin',
    body: CreateKeyBody,
    responses: { 201: { description: 'the key with its secret', schema: ApiKey.extend({ secret: z.string(), key: z.string() }) } },
  },
});

route('keysList', {
  methods: ['GET'],
  route: 'api/v1/keys',
  handler: async (req) => {
    await authenticate(req, { need: 'admin' });
    return json(200, { value: await keyStore.list() });
  },
  doc: {
    path: '/api/v1/keys',
    summary: 'List API keys (never their secrets)',
    tag: 'keys',
    role: 'admin',
    responses: { 200: { description: 'the keys', schema: z.object({ value: z.array(ApiKey) }) } },
  },
});

route('keysDelete', {
  methods: ['DELETE'],
  route: 'api/v1/keys/{keyId}',
  handler: async (req) => {
    await authenticate(req, { need: 'admin' });
    if (!(await deleteKey(req.params.keyId!))) throw notFound(`Key '${req.params.keyId}' not found.`);
    return { status: 204 };
  },
  doc: {
    path: '/api/v1/keys/{keyId}',
    summary: 'Delete an API key',
    tag: 'keys',
    role: 'admin',
    responses: { 204: { description: 'deleted' } },
  },
});
