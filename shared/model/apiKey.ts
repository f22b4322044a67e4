import { z } from 'zod';

export const Role = z.enum(['reader', 'operator', 'admin']);
export type Role = z.infer<typeof Role>;

const RANK: Record<Role, number> = { reader: 0, operator: 1, admin: 2 };
export const roleAtLeast = (have: Role, need: Role): boolean => RANK[have] >= RANK[need];

/** A runbook name pattern: `*` matches any run of characters. */
export const RunbookPattern = z.string().regex(/^[A-Za-z0-9_*-]{1,128}$/, 'use letters, digits, "_", "-" and "*"');

/**
 * A key id: generated ones are `hk<hex>`; a bootstrap key's is chosen by the operator. Anything a
 * Table row key can hold, except ":" (it separates id and secret), at most 128 characters.
 */
export const KeyId = z.string().regex(
  // eslint-disable-next-line no-control-regex -- control characters are what the rule keeps out
  /^[^/\\#?:\u0000-\u001f\u007f-\u009f]{1,128}$/,
  'must be 1 to 128 characters without "/", "\\", "#", "?", ":" or control characters',
);

export const ApiKey = z.object({
  keyId: z.string(),
  role: Role,
  runbooks: z.array(RunbookPattern).optional(),
  description: z.string().optional(),
  createdTime: z.string(),
});
export type ApiKey = z.infer<typeof ApiKey>;

export const CreateKeyBody = z
  .object({
    role: Role,
    runbooks: z.array(RunbookPattern).max(50).optional(),
    description: z.string().max(512).optional(),
  })
  .strict();

/** Who is calling: an API key, a webhook, a schedule, an Entra principal. */
export interface Principal {
  id: string;
  role: Role;
  runbooks?: string[];
}

export function mayUseRunbook(p: Principal, runbook: string): boolean {
  if (!p.runbooks || p.runbooks.length === 0) return true;
  return p.runbooks.some((pattern) => new RegExp('^' + pattern.replace(/[-]/g, '\\-').replace(/\*/g, '.*') + '$').test(runbook));
}
