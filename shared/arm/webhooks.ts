import { z } from 'zod';
import { badRequest } from '../errors';
import { settings } from '../config';
import type { Webhook } from '../model/webhook';
import type { ArmContext } from './request';
import { proxyResource } from './resource';

/**
 * Webhooks in Azure's shape. Azure makes the URI first (POST generateUri, not stored) and the
 * client creates the webhook with it; Hookbook keeps only the token's hash, so, as in Azure, `uri`
 * is empty on every read. A URI given to PUT must be one of this deployment's webhook URIs with a
 * token of at least 32 characters (generateUri's are 43).
 */
export function webhookResource(ctx: ArmContext, w: Webhook) {
  return proxyResource(ctx, 'webhooks', w.name, {
    isEnabled: w.isEnabled,
    uri: '',
    expiryTime: w.expiryTime,
    lastInvokedTime: w.lastInvokedTime,
    // As stored by Az: each value JSON-encoded (secret ones masked).
    parameters: Object.fromEntries(Object.entries(w.parameters).map(([k, v]) => [k, JSON.stringify(v)])),
    runbook: { name: w.runbook },
    runOn: w.runOn ?? null,
    creationTime: w.creationTime,
    lastModifiedTime: w.lastModifiedTime,
    lastModifiedBy: '',
    description: w.description ?? '',
  });
}

export function tokenOfUri(uri: string): string {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw badRequest('properties.uri is not a URL; take it from POST webhooks/generateUri.');
  }
  const base = new URL(settings().publicUrl);
  const token = url.searchParams.get('token') ?? '';
  if (url.host.toLowerCase() !== base.host.toLowerCase() || !/\/webhooks$/i.test(url.pathname) || !/^[A-Za-z0-9_-]{32,256}$/.test(token)) {
    throw badRequest(
      `properties.uri must be a webhook URI of this deployment (${base.origin}/webhooks?token=...) with a token of 32 or more letters, digits, "-" or "_"; take it from POST webhooks/generateUri.`,
    );
  }
  return token;
}

const Parameters = z.record(z.string().max(128), z.unknown()).nullish();
export const WebhookPutBody = z.looseObject({
  name: z.string().max(128).optional(),
  properties: z.looseObject({
    isEnabled: z.boolean().optional(),
    uri: z.string().max(2048).optional(),
    expiryTime: z.string().max(64).optional(),
    parameters: Parameters,
    runbook: z.looseObject({ name: z.string().min(1).max(128) }),
    runOn: z.string().max(128).nullish(),
    description: z.string().max(1024).optional(),
  }),
});
export const WebhookPatchBody = z.looseObject({
  name: z.string().max(128).optional(),
  properties: z
    .looseObject({
      isEnabled: z.boolean().optional(),
      parameters: Parameters,
      runOn: z.string().max(128).nullish(),
      description: z.string().max(1024).optional(),
    })
    .optional(),
});
