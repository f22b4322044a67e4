import { z } from 'zod';
import { armDoc, ArmPage, ArmResource } from '../shared/arm/doc';
import { armErrors } from '../shared/arm/errors';
import { decodeParameters } from '../shared/arm/jobs';
import { ACCOUNT_ROUTE, armRequest } from '../shared/arm/request';
import { page } from '../shared/arm/resource';
import { tokenOfUri, webhookResource, WebhookPatchBody, WebhookPutBody } from '../shared/arm/webhooks';
import { randomToken } from '../shared/auth/secrets';
import { readJson } from '../shared/http/body';
import { badRequest } from '../shared/http/errors';
import { json } from '../shared/http/respond';
import { route } from '../shared/http/route';
import { WebhookName } from '../shared/model/webhook';
import { WebhookNameParam } from '../shared/openapi/params';
import { createWebhook, deleteWebhook, getWebhook, listWebhooks, updateWebhook, webhookUri } from '../shared/webhooks/manage';

/**
 * Azure Automation API (Azure Resource Manager shape): webhooks, through the same functions as the
 * management API (shared/webhooks/manage.ts). Invoking one is the Azure webhook dialect (POST /webhooks?token=).
 */
const WEBHOOK = `${ACCOUNT_ROUTE}/webhooks/{webhookName}`;
const params = { webhookName: WebhookNameParam };

const isoTime = (raw: string | undefined, what: string): string | undefined => {
  if (raw === undefined) return undefined;
  const t = Date.parse(raw.replace(/(\.\d{3})\d+/, '$1'));
  if (Number.isNaN(t)) throw badRequest(`${what} '${raw.slice(0, 64)}' is not a date-time.`);
  return new Date(t).toISOString();
};

route('armWebhookGenerateUri', {
  methods: ['POST'],
  route: `${ACCOUNT_ROUTE}/webhooks/generateUri`,
  errors: armErrors,
  handler: async (req) => {
    await armRequest(req, 'admin');
    return json(200, webhookUri(randomToken(32)));
  },
  doc: armDoc('/webhooks/generateUri', {
    summary: 'A new webhook URI, to create a webhook with (Webhook_GenerateUri); nothing is stored',
    role: 'admin',
    responses: { 200: { description: 'the URI, as a JSON string', schema: z.string() } },
  }),
});

route('armWebhooksList', {
  methods: ['GET'],
  route: `${ACCOUNT_ROUTE}/webhooks`,
  errors: armErrors,
  handler: async (req) => {
    const ctx = await armRequest(req, 'reader');
    const filter = req.query.get('$filter');
    const m = filter ? /^\s*properties\/runbook\/name\s+eq\s+'([^']{1,128})'\s*$/i.exec(filter) : undefined;
    if (filter && !m) throw badRequest("$filter takes only properties/runbook/name eq '<runbook>'.");
    return json(200, page((await listWebhooks(m?.[1])).map((w) => webhookResource(ctx, w))));
  },
  doc: armDoc('/webhooks', {
    summary: 'List webhooks (Webhook_ListByAutomationAccount)',
    role: 'reader',
    query: { $filter: { schema: z.string().optional(), description: "`properties/runbook/name eq '<runbook>'`" } },
    responses: { 200: { description: 'the webhooks (uri is always empty)', schema: ArmPage } },
  }),
});

route('armWebhookGet', {
  methods: ['GET'],
  route: WEBHOOK,
  errors: armErrors,
  handler: async (req) => {
    const ctx = await armRequest(req, 'reader');
    return json(200, webhookResource(ctx, await getWebhook(req.params.webhookName)));
  },
  doc: armDoc('/webhooks/{webhookName}', {
    summary: 'Get a webhook (Webhook_Get); its uri is empty, as in Azure',
    role: 'reader',
    params,
    responses: { 200: { description: 'the webhook', schema: ArmResource } },
  }),
});

route('armWebhookPut', {
  methods: ['PUT'],
  route: WEBHOOK,
  errors: armErrors,
  handler: async (req) => {
    const ctx = await armRequest(req, 'admin');
    const body = await readJson(req, WebhookPutBody);
    const p = body.properties;
    const name = WebhookName.safeParse(req.params.webhookName);
    if (!name.success) throw badRequest(`webhook name '${req.params.webhookName?.slice(0, 128)}': ${name.error.issues[0]?.message}`);
    const existing = await getWebhook(name.data).catch(() => undefined);
    if (existing) {
      if (existing.runbook.toLowerCase() !== p.runbook.name.toLowerCase()) {
        throw badRequest(`Webhook '${existing.name}' starts runbook '${existing.runbook}'; its runbook cannot change.`);
      }
      const { webhook } = await updateWebhook(name.data, {
        ...(p.isEnabled !== undefined ? { isEnabled: p.isEnabled } : {}),
        ...(p.parameters ? { parameters: decodeParameters(p.parameters) } : {}),
        ...(p.runOn !== undefined ? { runOn: p.runOn || null } : {}),
        ...(p.description !== undefined ? { description: p.description } : {}),
      });
      return json(200, webhookResource(ctx, webhook));
    }
    if (!p.uri) throw badRequest('properties.uri is required to create a webhook; take it from POST webhooks/generateUri.');
    const { webhook } = await createWebhook(
      {
        name: name.data,
        runbook: p.runbook.name,
        ...(p.isEnabled !== undefined ? { isEnabled: p.isEnabled } : {}),
        ...(p.expiryTime ? { expiryTime: isoTime(p.expiryTime, 'properties.expiryTime') } : {}),
        ...(p.parameters ? { parameters: decodeParameters(p.parameters) } : {}),
        ...(p.runOn ? { runOn: p.runOn } : {}),
        ...(p.description ? { description: p.description } : {}),
      },
      tokenOfUri(p.uri),
    );
    return json(201, webhookResource(ctx, webhook));
  },
  doc: armDoc('/webhooks/{webhookName}', {
    summary: 'Create a webhook with a URI from generateUri, or update one (Webhook_CreateOrUpdate)',
    role: 'admin',
    params,
    body: WebhookPutBody,
    responses: {
      200: { description: 'updated', schema: ArmResource },
      201: { description: 'created', schema: ArmResource },
      409: { description: 'the runbook is not published' },
    },
  }),
});

route('armWebhookPatch', {
  methods: ['PATCH'],
  route: WEBHOOK,
  errors: armErrors,
  handler: async (req) => {
    const ctx = await armRequest(req, 'admin');
    const p = (await readJson(req, WebhookPatchBody)).properties ?? {};
    const { webhook } = await updateWebhook(req.params.webhookName, {
      ...(p.isEnabled !== undefined ? { isEnabled: p.isEnabled } : {}),
      ...(p.parameters ? { parameters: decodeParameters(p.parameters) } : {}),
      ...(p.runOn !== undefined ? { runOn: p.runOn || null } : {}),
      ...(p.description !== undefined ? { description: p.description } : {}),
    });
    return json(200, webhookResource(ctx, webhook));
  },
  doc: armDoc('/webhooks/{webhookName}', {
    summary: 'Change a webhook: isEnabled, parameters, runOn, description (Webhook_Update)',
    role: 'admin',
    params,
    body: WebhookPatchBody,
    responses: {
      200: { description: 'the webhook', schema: ArmResource },
      409: { description: 'an expired webhook cannot be re-enabled' },
    },
  }),
});

route('armWebhookDelete', {
  methods: ['DELETE'],
  route: WEBHOOK,
  errors: armErrors,
  handler: async (req) => {
    await armRequest(req, 'admin');
    await deleteWebhook(req.params.webhookName);
    return { status: 200 };
  },
  doc: armDoc('/webhooks/{webhookName}', {
    summary: 'Delete a webhook (Webhook_Delete)',
    role: 'admin',
    params,
    responses: { 200: { description: 'deleted' } },
  }),
});
