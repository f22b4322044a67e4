import type { ArmContext } from './request';

/**
 * The shape every Azure resource shares: `id`, `name`, `type`, then the resource's own
 * `properties`. Tracked resources (the account, runbooks) add `location`, `tags` and `etag`.
 * Runbooks keep the tags their clients set; the account answers `{}`.
 */
export const LOCATION = 'hookbook';

export const TYPES = {
  account: 'Microsoft.Automation/AutomationAccounts',
  runbooks: 'Microsoft.Automation/AutomationAccounts/Runbooks',
  jobs: 'Microsoft.Automation/AutomationAccounts/Jobs',
  webhooks: 'Microsoft.Automation/AutomationAccounts/Webhooks',
  variables: 'Microsoft.Automation/AutomationAccounts/Variables',
  credentials: 'Microsoft.Automation/AutomationAccounts/Credentials',
  connections: 'Microsoft.Automation/AutomationAccounts/Connections',
  schedules: 'Microsoft.Automation/AutomationAccounts/Schedules',
  jobSchedules: 'Microsoft.Automation/AutomationAccounts/JobSchedules',
  hybridRunbookWorkerGroups: 'Microsoft.Automation/AutomationAccounts/HybridRunbookWorkerGroups',
} as const;
export type ArmCollection = Exclude<keyof typeof TYPES, 'account'>;

export const resourceId = (ctx: ArmContext, collection: ArmCollection, name: string): string => `${ctx.accountId}/${collection}/${name}`;

export function proxyResource<P>(ctx: ArmContext, collection: ArmCollection, name: string, properties: P) {
  return { id: resourceId(ctx, collection, name), name, type: TYPES[collection], properties };
}

export function trackedResource<P>(
  ctx: ArmContext,
  collection: ArmCollection,
  name: string,
  etag: string,
  properties: P,
  tags: Record<string, string> = {},
) {
  return { ...proxyResource(ctx, collection, name, properties), location: LOCATION, tags, etag };
}

/** `{ value, nextLink? }`, Azure's list page. */
export const page = <T>(value: T[], nextLink?: string) => ({ value, ...(nextLink ? { nextLink } : {}) });
