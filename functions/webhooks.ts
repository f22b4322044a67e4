import { z } from 'zod';
import { authenticate } from '../shared/auth/authenticate';
import { readJson } from '../shared/http/body';
import { badRequest } from '../shared/http/errors';
import { json, plainText } from '../shared/http/respond';
import { route } from '../shared/http/route';
import { CreatedWebhook, CreateWebhookBody, UpdatedWebhook, UpdateWebhookBody, Webhook } from '../shared/model/webhook';
import { invokeWebhook } from '../shared/webhooks/invoke';
import { createWebhook, deleteWebhook, getWebhook, listWebhooks, updateWebhook } from '../shared/webhooks/manage';
import { WebhookNameParam } from '../shared/openapi/params';

/**
 * Dialect 1, the Azure Automation webhook (SPEC §3): `POST /webhooks?token=<token>`, and its
 * management under `/api/v1/webhooks` (admin role). Invocation errors are plain text, as Azure's.
 */
route('webhookInvoke', {
  methods: ['POST'],
  route: 'webhooks',
  handler: invokeWebhook,
  errors: plainText,
  doc: {
    path: '/webhooks',
    summary: "Start the webhook's runbook (the token in the query string is the credential)",
    tag: 'webhooks',
    security: [],
    query: { token: { schema: z.string().min(1).max(256), description: 'The token from the URL shown when the webhook was created' } },
    // Any body (or none): the runbook gets it byte-for-byte in WebhookData.RequestBody. JSON is
    // the usual one (GitHub, Azure Monitor); any JSON value is taken, objects feed parameterMap.
    bodyContent: {
      'application/json': z.unknown().describe('any JSON value (usually an object); up to 512 KB'),
      'application/xml': z.string(),
      'application/x-www-form-urlencoded': z.record(z.string(), z.string()),
      'text/plain': z.string(),
    },
    bodyOptional: true,
    responses: {
      202: { description: 'job queued', schema: z.object({ JobIds: z.array(z.string()).length(1) }) },
      400: { description: 'token missing or invalid, webhook disabled or expired, or a mapped parameter invalid' },
      401: { description: 'signature or Entra ID token missing or invalid (webhooks that require one)' },
      404: { description: 'the webhook was deleted, or its runbook no longer exists' },
      409: { description: "the webhook's runbook has no published version" },
      429: { description: "over the webhook's rate limit (see Retry-After)" },
      503: { description: 'storage unreachable: nothing was started, retry (see Retry-After)' },
    },
  },
});

route('webhooksCreate', {
  methods: ['POST'],
  route: 'api/v1/webhooks',
  handler: async (req) => {
    await authenticate(req, { need: 'admin' });
    const body = await readJson(req, CreateWebhookBody);
    const created = await createWebhook(body);
    const { signature, ...rest } = created.webhook;
    const out = {
      ...rest,
      ...(signature ? { signature: { ...signature, ...(created.signingSecret ? { secret: created.signingSecret } : {}) } } : {}),
      uri: created.uri,
    };
    return json(201, out, { Location: `/api/v1/webhooks/${encodeURIComponent(created.webhook.name)}`, 'Cache-Control': 'no-store' });
  },
  doc: {
    path: '/api/v1/webhooks',
    summary: 'Create a webhook for a published runbook (its uri, and a generated signing secret, are shown in this response only)',
    tag: 'webhooks',
    role: 'admin',
    body: CreateWebhookBody,
    responses: {
      201: { description: 'created', schema: CreatedWebhook, headers: { Location: 'the webhook' } },
      404: { description: 'no such runbook' },
      409: { description: 'the name is taken, or the runbook has no published version' },
    },
  },
});

route('webhooksList', {
  methods: ['GET'],
  route: 'api/v1/webhooks',
  handler: async (req) => {
    await authenticate(req, { need: 'admin' });
    const runbook = req.query.get('runbook') ?? undefined;
    if (runbook !== undefined && (runbook.length === 0 || runbook.length > 128))
      throw badRequest("Query 'runbook' must be a runbook name.");
    return json(200, { value: await listWebhooks(runbook) });
  },
  doc: {
    path: '/api/v1/webhooks',
    summary: 'List webhooks (never their uri or secrets)',
    tag: 'webhooks',
    role: 'admin',
    query: { runbook: { schema: z.string().min(1).max(128).optional(), description: 'only the webhooks of this runbook' } },
    responses: { 200: { description: 'the webhooks', schema: z.object({ value: z.array(Webhook) }) } },
  },
});

route('webhooksGet', {
  methods: ['GET'],
  route: 'api/v1/webhooks/{name}',
  handler: async (req) => {
    await authenticate(req, { need: 'admin' });
    return json(200, await getWebhook(req.params.name));
  },
  doc: {
    params: { name: WebhookNameParam },
    path: '/api/v1/webhooks/{name}',
    summary: 'Get a webhook (never its uri or secrets)',
    tag: 'webhooks',
    role: 'admin',
    responses: { 200: { description: 'the webhook', schema: Webhook } },
  },
});

route('webhooksUpdate', {
  methods: ['PATCH'],
  route: 'api/v1/webhooks/{name}',
  handler: async (req) => {
    await authenticate(req, { need: 'admin' });
    const body = await readJson(req, UpdateWebhookBody);
    const { webhook, signingSecret } = await updateWebhook(req.params.name, body);
    if (signingSecret && webhook.signature)
      return json(200, { ...webhook, signature: { ...webhook.signature, secret: signingSecret } }, { 'Cache-Control': 'no-store' });
    return json(200, webhook);
  },
  doc: {
    params: { name: WebhookNameParam },
    path: '/api/v1/webhooks/{name}',
    summary: 'Update a webhook: enable/disable, extend expiry (not once expired), parameters, features (null removes one)',
    tag: 'webhooks',
    role: 'admin',
    body: UpdateWebhookBody,
    responses: {
      200: { description: 'the webhook (with `signature.secret` only when this request generated a new one)', schema: UpdatedWebhook },
      409: { description: 'the webhook has expired: it can be neither re-enabled nor extended' },
    },
  },
});

route('webhooksDelete', {
  methods: ['DELETE'],
  route: 'api/v1/webhooks/{name}',
  handler: async (req) => {
    await authenticate(req, { need: 'admin' });
    await deleteWebhook(req.params.name);
    return { status: 204 };
  },
  doc: {
    params: { name: WebhookNameParam },
    path: '/api/v1/webhooks/{name}',
    summary: 'Delete a webhook (its URL stops working at once)',
    tag: 'webhooks',
    role: 'admin',
    responses: { 204: { description: 'deleted' } },
  },
});
