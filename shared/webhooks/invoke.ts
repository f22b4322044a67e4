import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { decrypt, hashSecret, sameHash } from '../auth/secrets';
import { verifyEntraBearer } from '../auth/entra';
import { readBytes } from '../http/body';
import { failedAuthentication } from '../auth/throttle';
import { badRequest, HttpError, notFound, tooLarge } from '../http/errors';
import { json } from '../http/respond';
import { newJobId } from '../jobs/ids';
import { unsealParameters } from '../jobs/parameters';
import { startJob } from '../jobs/start';
import type { WebhookRecord } from '../model/webhook';
import { catalog } from '../runbooks/catalog';
import { MAX_PARAMETER_BYTES } from '../runbooks/parameters';
import { dedupeStore } from '../store/dedupeStore';
import { jobStore } from '../store/jobStore';
import { webhookStore } from '../store/webhookStore';
import { webhookRequestHeaders } from './headers';
import { isExpired } from './manage';
import { mappedParameters, webhookDataParameter } from './parameters';
import { takeToken } from './rateLimit';
import { verifySignature } from './signature';

/**
 * `POST /webhooks?token=<token>` (SPEC §3). In order: token (400), enabled and not expired (400),
 * body size (413), Entra bearer (401), signature (401), rate limit (429), runbook (404),
 * parameters (400), de-duplication (same JobIds back), then the job (202 once recorded and
 * queued; 503 when storage is unreachable). Messages never name the webhook (Azure keeps the name
 * from the client) and never echo the token.
 */
export const DEDUPE_WINDOW_MS = 24 * 3600 * 1000;
const MAX_TOKEN_CHARS = 256;
const WEBHOOK_PARAMETER_BYTES = MAX_PARAMETER_BYTES + 128 * 1024;
const DELIVERY_HEADERS = ['webhook-id', 'x-github-delivery', 'idempotency-key'];

export function deliveryId(req: HttpRequest): string | undefined {
  for (const name of DELIVERY_HEADERS) {
    const v = req.headers.get(name)?.trim();
    if (v) {
      if (v.length > 512) throw badRequest(`Header ${name} is longer than 512 characters.`);
      return `${name}:${v}`;
    }
  }
  return undefined;
}

async function findWebhook(req: HttpRequest, token: string | null): Promise<WebhookRecord> {
  if (!token || token.length > MAX_TOKEN_CHARS)
    throw badRequest('The webhook token is missing or invalid: call the URL exactly as it was shown when the webhook was created.');
  const hash = hashSecret(token);
  const found = await webhookStore.forInvocation(hash);
  if (found && 'deleted' in found) throw notFound(`The webhook was not found: ${found.deleted}.`);
  // The point read is keyed by the hash (no timing on the token itself); compare in constant time anyway.
  // A wrong token is a failed authentication: counted per client (429 once over the limit).
  if (!found || !sameHash(found.value.tokenHash, hash))
    throw failedAuthentication(req, '(webhook token)', badRequest('The webhook token is invalid.'));
  return found.value;
}

export async function invokeWebhook(req: HttpRequest): Promise<HttpResponseInit> {
  const token = req.query.get('token');
  const webhook = await findWebhook(req, token);
  const now = Date.now();
  if (!webhook.isEnabled) throw badRequest('The webhook is disabled.');
  if (isExpired(webhook, now)) throw badRequest(`The webhook expired at ${webhook.expiryTime}.`);

  const body = await readBytes(req);
  if (webhook.auth) await verifyEntraBearer(req, webhook.auth);
  if (webhook.signature) {
    verifySignature({ ...webhook.signature, secret: decrypt(webhook.signature.secret) }, (n) => req.headers.get(n), body, now);
  }
  if (webhook.rateLimit) {
    const wait = takeToken(webhook.id, webhook.rateLimit, now);
    if (wait > 0) {
      throw new HttpError(
        429,
        `Too many requests: this webhook accepts ${webhook.rateLimit.requests} per ${webhook.rateLimit.perSeconds} s; retry in ${wait} s.`,
        {
          'Retry-After': String(wait),
        },
      );
    }
  }

  const runbook = await catalog.get(webhook.runbook);
  if (!runbook) throw notFound("The webhook's runbook no longer exists.");
  const text = body.toString('utf8');
  const parameters: Record<string, unknown> = {
    ...(webhook.parameterMap ? mappedParameters(runbook.parameters, webhook.parameterMap, text) : {}),
    ...unsealParameters(webhook.parameters),
  };
  const dataDef = webhookDataParameter(runbook.parameters);
  if (dataDef) {
    const data = {
      WebhookName: webhook.name,
      RequestHeader: webhookRequestHeaders(req.headers, token ? [token, encodeURIComponent(token)] : []),
      RequestBody: text,
    };
    parameters[dataDef.name] = dataDef.type === 'string' ? JSON.stringify(data) : data;
  }
  // The body alone may be 512 KB (Azure's webhook limit); WebhookData adds its headers and the
  // webhook's own parameters on top, so a webhook job may carry more than the 512 KB of an API call.
  const size = Buffer.byteLength(JSON.stringify(parameters));
  if (size > WEBHOOK_PARAMETER_BYTES) {
    throw tooLarge(
      `The job's parameters (WebhookData: the body and headers, plus the webhook's parameters) would be ${size} bytes; a webhook job takes at most ${WEBHOOK_PARAMETER_BYTES} bytes. Send a smaller body.`,
    );
  }

  const start = (jobId: string) =>
    startJob({
      runbook: runbook.name,
      parameters,
      startedBy: `webhook:${webhook.name}`,
      jobId,
      maxParameterBytes: WEBHOOK_PARAMETER_BYTES,
      runOn: webhook.runOn,
      notify: webhook.notify,
    });

  let jobId = newJobId(now);
  const delivery = webhook.deduplicate ? deliveryId(req) : undefined;
  if (delivery) {
    const claim = await dedupeStore.claim(webhook.id, delivery, jobId, DEDUPE_WINDOW_MS, now);
    jobId = claim.jobId;
    if (!claim.won) {
      // A redelivery: the first delivery's job. If that one is still being started, give it a
      // moment; if it never appears (its request died), start it here: the same id is idempotent.
      if (!(await firstJobExists(jobId))) await start(jobId);
      await touch(webhook);
      return accepted(jobId, true);
    }
    try {
      await start(jobId);
    } catch (error) {
      await dedupeStore.release(webhook.id, delivery, jobId).catch(() => undefined);
      throw error;
    }
  } else {
    await start(jobId);
  }
  await touch(webhook);
  return accepted(jobId, false);
}

async function firstJobExists(jobId: string): Promise<boolean> {
  for (let i = 0; i < 10; i++) {
    if (await jobStore.get(jobId)) return true;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return false;
}

const accepted = (jobId: string, duplicate: boolean): HttpResponseInit =>
  json(202, { JobIds: [jobId] }, duplicate ? { 'Hookbook-Duplicate': 'true' } : {});

/**
 * lastInvokedTime, best effort and in the background: it never turns an accepted job into an
 * error and never delays the 202 (ingest speed is the webhook's job).
 */
async function touch(webhook: WebhookRecord): Promise<void> {
  void webhookStore.touch(webhook.tokenHash, new Date().toISOString()).catch(() => undefined);
}
