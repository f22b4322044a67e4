import { z } from 'zod';
import { RunOn } from './runOn';
import { NotifyList } from './notification';
import { RunbookName } from './runbook';

/**
 * Webhooks (SPEC §3): Azure Automation's webhook plus opt-in extras (signatures, de-duplication,
 * parameter mapping from the JSON body, a rate limit, Entra ID bearer tokens). Azure's property
 * names where Azure has one.
 */

/** Names are unique without regard to case; they are table row keys, so no `/ \ # ?`. */
export const WebhookName = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/,
    'must start with a letter or digit and hold only letters, digits, "_", "-" and "." (at most 128)',
  );

export const SignatureScheme = z.enum(['github', 'standard-webhooks', 'hmac-sha256']);
export type SignatureScheme = z.infer<typeof SignatureScheme>;

const HeaderName = z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/, 'must be an HTTP header name');

/** What the caller sends; `secret` may be left out to have one generated (shown once). */
export const SignatureInput = z
  .object({
    scheme: SignatureScheme,
    secret: z.string().min(16, 'must be at least 16 characters').max(512).optional(),
    header: HeaderName.optional(),
  })
  .strict();
export type SignatureInput = z.infer<typeof SignatureInput>;

/** As shown after creation: never the secret. */
export const SignatureView = z.object({ scheme: SignatureScheme, header: z.string().optional() });

export const RateLimit = z
  .object({
    requests: z.number().int().min(1).max(100_000),
    perSeconds: z.number().int().min(1).max(86_400),
  })
  .strict();
export type RateLimit = z.infer<typeof RateLimit>;

const Guid = z.string().regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'must be a GUID');

export const EntraAuthConfig = z
  .object({
    type: z.literal('entra'),
    tenantId: Guid,
    audience: z.string().min(1).max(512),
    requiredRole: z.string().min(1).max(256).optional(),
    allowedAppIds: z.array(Guid).max(50).optional(),
    jwksUri: z
      .url()
      .max(2048)
      .refine((u) => {
        const url = new URL(u);
        return url.protocol === 'https:' || (url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname));
      }, 'must be an https URL (http only for localhost)')
      .optional(),
    issuer: z.string().min(1).max(512).optional(),
  })
  .strict();
export type EntraAuthConfig = z.infer<typeof EntraAuthConfig>;

/** RFC 6901 JSON pointer ("" is the whole document); `#/a/b` (URI fragment form) is accepted too. */
export const JsonPointer = z
  .string()
  .max(1024)
  .regex(/^(#?(\/[^/]*)*)$/, 'must be a JSON pointer such as /data/essentials/alertRule');

export const ParameterMap = z.record(z.string().max(128), JsonPointer).refine((m) => Object.keys(m).length <= 50, 'at most 50 entries');

const Parameters = z.record(z.string(), z.unknown());

const future = (what: string) =>
  z.iso.datetime({ offset: true, error: `${what} must be an ISO 8601 date-time such as 2030-01-01T00:00:00Z` });

export const CreateWebhookBody = z
  .object({
    name: WebhookName,
    runbook: RunbookName,
    parameters: Parameters.optional(),
    isEnabled: z.boolean().optional(),
    expiryTime: future('expiryTime').optional(),
    description: z.string().max(1024).optional(),
    signature: SignatureInput.optional(),
    deduplicate: z.boolean().optional(),
    parameterMap: ParameterMap.optional(),
    rateLimit: RateLimit.optional(),
    auth: EntraAuthConfig.optional(),
    /** Where its jobs run (as Azure's webhook `runOn`): 'cloud' or a hybrid worker group; default: the runbook's. */
    runOn: RunOn.optional(),
    /** Notification targets told about its jobs, besides the runbook's (docs/notifications.md). */
    notify: NotifyList.optional(),
  })
  .strict();
export type CreateWebhookBody = z.infer<typeof CreateWebhookBody>;

/** `null` removes an optional feature. */
export const UpdateWebhookBody = z
  .object({
    isEnabled: z.boolean().optional(),
    expiryTime: future('expiryTime').optional(),
    parameters: Parameters.optional(),
    description: z.string().max(1024).nullable().optional(),
    signature: SignatureInput.nullable().optional(),
    deduplicate: z.boolean().optional(),
    parameterMap: ParameterMap.nullable().optional(),
    rateLimit: RateLimit.nullable().optional(),
    auth: EntraAuthConfig.nullable().optional(),
    runOn: RunOn.nullable().optional(),
    notify: NotifyList.nullable().optional(),
  })
  .strict();
export type UpdateWebhookBody = z.infer<typeof UpdateWebhookBody>;

/** What is stored (one entity, keyed by the token's SHA-256). Secrets are sealed. */
export interface WebhookRecord {
  /** Random id: partitions the de-duplication rows, so a re-created webhook starts clean. */
  id: string;
  name: string;
  runbook: string;
  tokenHash: string;
  isEnabled: boolean;
  expiryTime: string;
  /** JSON of the fixed parameters; secret values sealed as `{"$sealed": ...}`. */
  parameters: string;
  description?: string;
  /** `secret` is the AES-GCM-sealed signing secret. */
  signature?: { scheme: SignatureScheme; header?: string; secret: string };
  deduplicate: boolean;
  parameterMap?: Record<string, string>;
  rateLimit?: RateLimit;
  auth?: EntraAuthConfig;
  runOn?: string;
  notify?: string[];
  creationTime: string;
  lastModifiedTime: string;
  lastInvokedTime?: string;
}

/** The webhook as callers see it: no token, no uri, no signing secret, secret parameters `***`. */
export const Webhook = z.object({
  name: z.string(),
  runbook: z.string(),
  isEnabled: z.boolean(),
  isExpired: z.boolean(),
  expiryTime: z.string(),
  parameters: Parameters,
  description: z.string().optional(),
  signature: SignatureView.optional(),
  deduplicate: z.boolean(),
  parameterMap: z.record(z.string(), z.string()).optional(),
  rateLimit: RateLimit.optional(),
  auth: EntraAuthConfig.optional(),
  runOn: z.string().optional(),
  notify: z.array(z.string()).optional(),
  creationTime: z.string(),
  lastModifiedTime: z.string(),
  lastInvokedTime: z.string().nullable(),
});
export type Webhook = z.infer<typeof Webhook>;

/** A generated signing secret is shown in the one answer that generated it (create or PATCH), never again. */
const SignatureShownOnce = SignatureView.extend({
  secret: z.string().optional().describe('Only when this request generated it: shown once'),
});

export const CreatedWebhook = Webhook.extend({
  uri: z.string().describe('The webhook URL with its token: shown in this response only'),
  signature: SignatureShownOnce.optional(),
});

/** PATCH's answer: a `signature` sent without `secret` generates one, shown here once. */
export const UpdatedWebhook = Webhook.extend({ signature: SignatureShownOnce.optional() });
