import { z } from 'zod';

/** One row of the audit trail (docs/audit.md): who did what to which resource, when, and how it ended. */
export const AuditEntry = z.object({
  id: z.string(),
  time: z.string(),
  /** The API key id or Entra principal; `anonymous` when no credential was accepted. */
  principal: z.string(),
  /** The caller's address (X-Forwarded-For's first hop, else the connection's). */
  sourceAddress: z.string().optional(),
  /** The door: `management` (the management API, the dashboard and the CLI) or another one. */
  door: z.string(),
  /** Resource kind, e.g. `runbooks`, `webhooks`, `keys`, `notification-targets`. */
  resource: z.string(),
  /** The resource's name or id when the route names one (or the created one's, once known). */
  name: z.string().optional(),
  /** The operation: the route's operation id, e.g. `runbooksCreate`, `keysDelete`. */
  operation: z.string(),
  method: z.string(),
  path: z.string(),
  /** `authorized` when written before the change, then the outcome; `denied` for a refused credential or role. */
  outcome: z.enum(['authorized', 'succeeded', 'failed', 'denied']),
  statusCode: z.number().int().optional(),
  /** The names of the body's fields that the request set (never their values). */
  fields: z.array(z.string()).optional(),
  /** For `denied`: the sentence the caller got. */
  reason: z.string().optional(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;
