import { randomUUID } from 'node:crypto';
import { settings } from '../config';
import { encrypt, hashSecret, randomToken } from '../auth/secrets';
import { badRequest, conflict, notFound } from '../errors';
import { visibleParameters } from '../jobs/parameters';
import type { Runbook } from '../model/runbook';
import {
  WebhookName,
  type CreateWebhookBody,
  type SignatureInput,
  type UpdateWebhookBody,
  type Webhook,
  type WebhookRecord,
} from '../model/webhook';
import { catalog } from '../runbooks/catalog';
import { WebhookChangedError, webhookStore, type VersionedWebhook } from '../store/webhookStore';
import { dropBucket } from './rateLimit';
import { checkWebhookParameters, sealWebhookParameters } from './parameters';
import { checkSigningSecret, DEFAULT_HEADERS, generateSigningSecret } from './signature';
import { checkRunOn } from '../workers/groups';

/**
 * Webhook management (SPEC §3, §6): create (the URL with its token is returned once), get, list,
 * update, delete. Only the SHA-256 of the token is stored; signing secrets and secret parameter
 * values are sealed (AES-GCM) and never shown again.
 */
const YEAR_MS = 365 * 24 * 3600 * 1000;

export const isExpired = (w: Pick<WebhookRecord, 'expiryTime'>, now = Date.now()): boolean => Date.parse(w.expiryTime) <= now;

export function webhookView(w: WebhookRecord, now = Date.now()): Webhook {
  return {
    name: w.name,
    runbook: w.runbook,
    isEnabled: w.isEnabled,
    isExpired: isExpired(w, now),
    expiryTime: w.expiryTime,
    parameters: visibleParameters(w.parameters),
    ...(w.description ? { description: w.description } : {}),
    ...(w.signature ? { signature: { scheme: w.signature.scheme, ...(w.signature.header ? { header: w.signature.header } : {}) } } : {}),
    deduplicate: w.deduplicate,
    ...(w.parameterMap ? { parameterMap: w.parameterMap } : {}),
    ...(w.rateLimit ? { rateLimit: w.rateLimit } : {}),
    ...(w.auth ? { auth: w.auth } : {}),
    ...(w.runOn ? { runOn: w.runOn } : {}),
    ...(w.notify?.length ? { notify: w.notify } : {}),
    creationTime: w.creationTime,
    lastModifiedTime: w.lastModifiedTime,
    lastInvokedTime: w.lastInvokedTime ?? null,
  };
}

export const webhookUri = (token: string): string => `${settings().publicUrl}/webhooks?token=${token}`;

function futureExpiry(raw: string | undefined, now: number): string {
  if (raw === undefined) return new Date(now + YEAR_MS).toISOString();
  const t = Date.parse(raw);
  if (Number.isNaN(t)) throw badRequest(`expiryTime '${raw}' is not a date-time.`);
  if (t <= now) throw badRequest(`expiryTime ${new Date(t).toISOString()} is in the past; give a time in the future.`);
  return new Date(t).toISOString();
}

/** Seal a signature config; returns the generated secret when none was given (to be shown once). */
function sealSignature(input: SignatureInput): { stored: NonNullable<WebhookRecord['signature']>; generated?: string } {
  if (input.header !== undefined && input.scheme !== 'hmac-sha256') {
    throw badRequest(`signature.header: the ${input.scheme} scheme always uses its own headers; 'header' is for hmac-sha256 only.`);
  }
  const generated = input.secret === undefined ? generateSigningSecret(input.scheme) : undefined;
  const secret = input.secret ?? generated!;
  checkSigningSecret(input.scheme, secret);
  const header = input.scheme === 'hmac-sha256' ? (input.header ?? DEFAULT_HEADERS['hmac-sha256']) : undefined;
  return { stored: { scheme: input.scheme, ...(header ? { header } : {}), secret: encrypt(secret) }, generated };
}

async function publishedRunbook(name: string): Promise<Runbook> {
  const runbook = await catalog.require(name);
  if (runbook.state !== 'Published' || runbook.version === 0) {
    throw conflict(`Runbook '${runbook.name}' is not published; webhooks can only be created for published runbooks.`);
  }
  return runbook;
}

export interface CreatedWebhook {
  webhook: Webhook;
  uri: string;
  signingSecret?: string;
}

/** `token`: one the caller generated earlier (Azure's generateUri, then PUT with that uri); default: a new one. */
export async function createWebhook(body: CreateWebhookBody, token = randomToken(32)): Promise<CreatedWebhook> {
  await checkRunOn(body.runOn);
  const now = Date.now();
  const runbook = await publishedRunbook(body.runbook);
  const expiryTime = futureExpiry(body.expiryTime, now);
  const fixed = checkWebhookParameters(runbook.parameters, body.parameters ?? {}, body.parameterMap);
  const signature = body.signature ? sealSignature(body.signature) : undefined;
  const time = new Date(now).toISOString();
  const record: WebhookRecord = {
    id: randomUUID(),
    name: body.name,
    runbook: runbook.name,
    tokenHash: hashSecret(token),
    isEnabled: body.isEnabled ?? true,
    expiryTime,
    parameters: sealWebhookParameters(runbook.parameters, fixed),
    ...(body.description ? { description: body.description } : {}),
    ...(signature ? { signature: signature.stored } : {}),
    deduplicate: body.deduplicate ?? false,
    ...(body.parameterMap && Object.keys(body.parameterMap).length ? { parameterMap: body.parameterMap } : {}),
    ...(body.rateLimit ? { rateLimit: body.rateLimit } : {}),
    ...(body.auth ? { auth: body.auth } : {}),
    ...(body.runOn ? { runOn: body.runOn } : {}),
    ...(body.notify?.length ? { notify: body.notify } : {}),
    creationTime: time,
    lastModifiedTime: time,
  };
  if (!(await webhookStore.create(record))) throw conflict(`A webhook named '${body.name}' already exists (names are not case-sensitive).`);
  return { webhook: webhookView(record, now), uri: webhookUri(token), signingSecret: signature?.generated };
}

function validName(raw: string | undefined): string {
  const parsed = WebhookName.safeParse(raw);
  if (!parsed.success) throw notFound(`Webhook '${raw}' not found.`);
  return parsed.data;
}

async function load(rawName: string | undefined): Promise<VersionedWebhook> {
  const name = validName(rawName);
  const found = await webhookStore.byName(name);
  if (!found) throw notFound(`Webhook '${name}' not found.`);
  return found;
}

export async function getWebhook(name: string | undefined): Promise<Webhook> {
  return webhookView((await load(name)).value);
}

export async function listWebhooks(runbook?: string): Promise<Webhook[]> {
  const now = Date.now();
  return (await webhookStore.list(runbook)).map((w) => webhookView(w, now));
}

export async function updateWebhook(
  rawName: string | undefined,
  body: UpdateWebhookBody,
): Promise<{ webhook: Webhook; signingSecret?: string }> {
  await checkRunOn(body.runOn);
  for (let attempt = 0; ; attempt++) {
    const { value: old, etag } = await load(rawName);
    const now = Date.now();
    const expired = isExpired(old, now);
    const next: WebhookRecord = { ...old };
    if (body.isEnabled === true && expired) {
      throw conflict(
        `Webhook '${old.name}' expired at ${old.expiryTime}; an expired webhook cannot be re-enabled. Delete it and create a new one.`,
      );
    }
    if (body.isEnabled !== undefined) next.isEnabled = body.isEnabled;
    if (body.expiryTime !== undefined) {
      if (expired) {
        throw conflict(
          `Webhook '${old.name}' expired at ${old.expiryTime}; its expiry can no longer be extended. Delete it and create a new one.`,
        );
      }
      next.expiryTime = futureExpiry(body.expiryTime, now);
    }
    if (body.description !== undefined) {
      if (body.description) next.description = body.description;
      else delete next.description;
    }
    if (body.deduplicate !== undefined) next.deduplicate = body.deduplicate;
    if (body.rateLimit !== undefined) {
      if (body.rateLimit) next.rateLimit = body.rateLimit;
      else delete next.rateLimit;
    }
    if (body.auth !== undefined) {
      if (body.auth) next.auth = body.auth;
      else delete next.auth;
    }
    if (body.runOn !== undefined) {
      if (body.runOn) next.runOn = body.runOn;
      else delete next.runOn;
    }
    if (body.notify !== undefined) {
      if (body.notify?.length) next.notify = body.notify;
      else delete next.notify;
    }
    let signingSecret: string | undefined;
    if (body.signature !== undefined) {
      if (body.signature) {
        const sealed = sealSignature(body.signature);
        next.signature = sealed.stored;
        signingSecret = sealed.generated;
      } else {
        delete next.signature;
      }
    }
    if (body.parameterMap !== undefined) {
      if (body.parameterMap && Object.keys(body.parameterMap).length) next.parameterMap = body.parameterMap;
      else delete next.parameterMap;
    }
    if (body.parameters !== undefined || body.parameterMap !== undefined) {
      const runbook = await catalog.require(old.runbook);
      const fixedInput = body.parameters ?? visibleParameters(old.parameters);
      const fixed = checkWebhookParameters(runbook.parameters, fixedInput, next.parameterMap, old.parameters);
      next.parameters = sealWebhookParameters(runbook.parameters, fixed);
    }
    next.lastModifiedTime = new Date(now).toISOString();
    try {
      await webhookStore.replace(next, etag);
    } catch (error) {
      if (error instanceof WebhookChangedError && attempt < 5) continue;
      throw error;
    }
    if (body.rateLimit !== undefined) dropBucket(old.id);
    return { webhook: webhookView(next, now), signingSecret };
  }
}

export async function deleteWebhook(rawName: string | undefined): Promise<void> {
  const { value } = await load(rawName);
  if (!(await webhookStore.delete(value))) throw notFound(`Webhook '${value.name}' not found.`);
  dropBucket(value.id);
}
