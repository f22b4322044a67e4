import { z } from 'zod';

/**
 * Hybrid worker groups (docs/hybrid-workers.md): machines you own that pull their group's jobs
 * over HTTPS. A group name is also part of its Storage Queue's name (`jobs-g-<name>`), so it keeps
 * to queue-name rules: lower case letters, digits and single hyphens, at most 40 characters.
 */
export const GroupName = z
  .string()
  .max(40)
  .regex(
    /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/,
    'must start with a lower-case letter and hold only lower-case letters, digits and single "-" (at most 40)',
  )
  .refine((n) => n !== 'cloud', "'cloud' means the service's own worker; choose another name");

/** Where a job runs: 'cloud' (the Function App's worker, the default) or a worker group's name. */
export const RunOn = z.union([z.literal('cloud'), GroupName]);
export type RunOn = z.infer<typeof RunOn>;
export const isCloud = (runOn: string | undefined): boolean => !runOn || runOn === 'cloud';
