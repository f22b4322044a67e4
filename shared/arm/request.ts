import type { HttpRequest } from '@azure/functions';
import { authenticate } from '../auth/authenticate';
import type { Principal, Role } from '../model/apiKey';
import { ArmError } from './errors';

/**
 * Every Azure Resource Manager route hangs under one automation account. Hookbook is one account:
 * any subscription, resource group and account name reach it, and ids are built from the values
 * the client sent, so a client that compares an id with the one it asked for finds it equal.
 * Literal segments match without regard to case, as in Azure (the Functions host and the local
 * router both compare route literals case-insensitively).
 */
export const ACCOUNT_ROUTE =
  'subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Automation/automationAccounts/{automationAccountName}';
export const ACCOUNT_PATH = '/' + ACCOUNT_ROUTE;

/** The oldest and newest api-version of Microsoft.Automation that Hookbook answers. */
export const OLDEST_API_VERSION = '2015-10-31';
export const NEWEST_API_VERSION = '2024-10-23';
const API_VERSION = /^(\d{4}-\d{2}-\d{2})(-preview)?$/;

export interface ArmContext {
  principal: Principal;
  apiVersion: string;
  /** `/subscriptions/{s}/resourceGroups/{g}/providers/Microsoft.Automation/automationAccounts/{a}` */
  accountId: string;
  accountName: string;
  /** scheme://host[:port] the client called: Location and nextLink are absolute on it. */
  origin: string;
}

/** 400 for a missing api-version or one outside the range Hookbook follows (ARM's codes). */
export function checkApiVersion(raw: string | null): string {
  if (!raw)
    throw new ArmError(400, 'MissingApiVersionParameter', 'The api-version query parameter (?api-version=) is required for all requests.');
  const m = API_VERSION.exec(raw);
  if (!m || m[1]! < OLDEST_API_VERSION || m[1]! > NEWEST_API_VERSION || Number.isNaN(Date.parse(m[1]!))) {
    throw new ArmError(
      400,
      'InvalidApiVersionParameter',
      `The api-version '${raw.slice(0, 40)}' is invalid. The supported versions are ${OLDEST_API_VERSION} to ${NEWEST_API_VERSION} (YYYY-MM-DD, optionally -preview).`,
    );
  }
  return raw;
}

/** Authenticate (API key or Entra ID token as `Authorization: Bearer`), then check the api-version. */
export async function armRequest(req: HttpRequest, need: Role): Promise<ArmContext> {
  const principal = await authenticate(req, { need, challenge: 'Bearer realm="hookbook"' });
  const apiVersion = checkApiVersion(req.query.get('api-version'));
  const p = req.params;
  const accountName = p.automationAccountName!;
  const accountId = `/subscriptions/${p.subscriptionId}/resourceGroups/${p.resourceGroupName}/providers/Microsoft.Automation/automationAccounts/${accountName}`;
  return { principal, apiVersion, accountId, accountName, origin: new URL(req.url).origin };
}

/** An absolute link to a path under the account, carrying the api-version (and other query). */
export function armLink(ctx: ArmContext, subPath: string, query: Record<string, string> = {}): string {
  const q = new URLSearchParams({ 'api-version': ctx.apiVersion, ...query });
  return `${ctx.origin}${ctx.accountId.split('/').map(encodeURIComponent).join('/')}${subPath}?${q}`;
}
