import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import type { Principal } from '../model/apiKey';
import type { AuditEntry } from '../model/audit';
import { unavailable } from '../errors';
import { auditStore } from '../store/auditStore';
import { toHttpError } from '../http/errors';
import { clientAddress } from '../auth/throttle';

/**
 * The audit trail's one recorder (docs/audit.md). `route()` wraps every handler of an audited door
 * with `audited`; `authenticate` calls `auditAuthorized` once it has accepted a caller; `readJson`
 * calls `auditBody`. So a change is recorded before it is made, with who asked, and a change whose
 * row cannot be written is refused (503); afterwards the row is completed with the outcome. Failed
 * authentication and authorization (401/403) are recorded on every route of the door, reads too.
 */
export interface AuditOptions {
  /** The door, e.g. `management` (the management API: dashboard and CLI included) or `azure`. */
  door: string;
  /** The resource kind; default: the route's first segment after the door's prefix. */
  resource?: string;
  /**
   * `denials`: record only refused credentials and roles, not the calls let in (job starts: each
   * job records who started it, and two more writes per start would cost throughput).
   */
  record?: 'all' | 'denials';
}

interface Pending {
  door: string;
  resource: string;
  operation: string;
  /** The route parameter that names the resource, if any. */
  name?: string;
  changes: boolean;
  entry?: AuditEntry;
  fields?: string[];
}

const pending = new WeakMap<HttpRequest, Pending>();

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The Azure Automation API's account prefix (shared/arm/request.ts): what follows it names the resource. */
const ARM_ACCOUNT = /^subscriptions\/.*?\/providers\/Microsoft\.Automation\/automationAccounts\/\{[^}]+\}\/?/i;

/**
 * The defaults of a route: under `api/v1/`, the management door, resource = the segment after it;
 * under an Azure Automation account (docs/azure-automation-api.md), the `azure` door, resource = the
 * segment after the account (the account itself when none).
 */
export function defaultAudit(route: string): AuditOptions | undefined {
  const m = /^api\/v1\/([^/{]+)/.exec(route);
  if (m) return { door: 'management', resource: m[1]! };
  const arm = ARM_ACCOUNT.exec(route);
  if (!arm) return undefined;
  const tail = route.slice(arm[0].length);
  const resource = /^([^/{]+)/.exec(tail)?.[1] ?? 'automationAccounts';
  // A job started through it (PUT jobs/{id}) records who started it, as on the management door.
  return { door: 'azure', resource, ...(/^jobs\/\{[^}]+\}$/.test(tail) ? { record: 'denials' as const } : {}) };
}

/** Wrap a handler of route `route` (operation `operation`) so that its calls are audited. */
export function audited<H extends (req: HttpRequest, ...rest: never[]) => Promise<HttpResponseInit>>(
  handler: H,
  operation: string,
  route: string,
  opts: AuditOptions,
): H {
  // The parameter that names the resource: the first one, or the first after an Azure account's prefix.
  const nameParam = /\{\*?([A-Za-z0-9_]+)[^}]*\}/.exec(route.replace(ARM_ACCOUNT, ''))?.[1];
  const resource = opts.resource ?? /^(?:api\/v\d+\/)?([^/{]+)/.exec(route)?.[1] ?? route;
  return (async (req: HttpRequest, ...rest: never[]) => {
    const p: Pending = {
      door: opts.door,
      resource,
      operation,
      changes: opts.record !== 'denials' && !READ_METHODS.has(req.method.toUpperCase()),
      ...(nameParam && req.params?.[nameParam] ? { name: req.params[nameParam] } : {}),
    };
    pending.set(req, p);
    let res: HttpResponseInit;
    try {
      res = await handler(req, ...rest);
    } catch (error) {
      const status = toHttpError(error).status;
      if (p.entry) await complete(p, status);
      else if (status === 401 || status === 403) await denied(req, p, status, (error as Error).message);
      throw error;
    }
    if (p.entry) await complete(p, res.status ?? 200, res.body);
    return res;
  }) as H;
}

/** Called by `authenticate` once the caller is accepted: a change is written to the trail before it is made. */
export async function auditAuthorized(req: HttpRequest, principal: Principal): Promise<void> {
  const p = pending.get(req);
  if (!p || !p.changes || p.entry) return;
  try {
    p.entry = await auditStore.add({ ...base(req, p, principal.id), outcome: 'authorized' });
  } catch (error) {
    throw unavailable(`The change was not made: the audit log could not be written (${(error as Error).message.split('\n')[0]}); retry.`);
  }
}

/** Called by `readJson`: the names of the fields the request set (never their values). */
export function auditBody(req: HttpRequest, raw: unknown): void {
  const p = pending.get(req);
  if (p && raw && typeof raw === 'object' && !Array.isArray(raw)) p.fields = Object.keys(raw).slice(0, 50);
}

function base(req: HttpRequest, p: Pending, principal: string): Omit<AuditEntry, 'id' | 'outcome'> {
  const url = new URL(req.url);
  return {
    time: new Date().toISOString(),
    principal,
    sourceAddress: clientAddress(req),
    door: p.door,
    resource: p.resource,
    ...(p.name ? { name: p.name } : {}),
    operation: p.operation,
    method: req.method.toUpperCase(),
    path: url.pathname,
  };
}

/** The id of a created resource, read from the answer's `name`, `keyId` or `jobId` only. */
function createdName(body: unknown): string | undefined {
  if (typeof body !== 'string' || !body.startsWith('{')) return undefined;
  try {
    const v = JSON.parse(body) as Record<string, unknown>;
    const id = v.name ?? v.keyId ?? v.jobId;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

async function complete(p: Pending, status: number, body?: unknown): Promise<void> {
  const entry = p.entry!;
  const name = entry.name ?? (status < 300 ? createdName(body) : undefined);
  const done: AuditEntry = {
    ...entry,
    outcome: status === 401 || status === 403 ? 'denied' : status < 400 ? 'succeeded' : 'failed',
    statusCode: status,
    ...(name ? { name } : {}),
    ...(p.fields ? { fields: p.fields } : {}),
  };
  // The row already says who was let in to change what; if its completion is lost, it stays `authorized`.
  await auditStore
    .complete(done)
    .catch((error: unknown) => console.warn(`[hookbook] audit entry ${entry.id} not completed: ${(error as Error).message}`));
}

/** A refused credential or role: recorded (best effort: the caller gets its 401/403 either way). */
async function denied(req: HttpRequest, p: Pending, status: number, reason: string): Promise<void> {
  await auditStore
    .add({ ...base(req, p, p.entry?.principal ?? callerOf(req)), outcome: 'denied', statusCode: status, reason: reason.slice(0, 300) })
    .catch((error: unknown) => console.warn(`[hookbook] audit of a denied request not written: ${(error as Error).message}`));
}

/** Who a refused caller claimed to be: the key id of the credential (never its secret). */
function callerOf(req: HttpRequest): string {
  const header = req.headers.get('authorization') ?? '';
  const m = /^\s*(\w+)\s+(.+?)\s*$/.exec(header);
  let value: string | undefined;
  if (m && m[1]!.toLowerCase() === 'basic') value = Buffer.from(m[2]!, 'base64').toString('utf8');
  else if (m && /^(token|bearer)$/i.test(m[1]!)) value = m[2];
  else value = req.query.get('token') ?? undefined;
  if (!value) return 'anonymous';
  const colon = value.indexOf(':');
  // A JWT has no colon and is no key id: name the form only.
  return colon > 0 ? value.slice(0, Math.min(colon, 128)) : m?.[1]?.toLowerCase() === 'bearer' ? 'bearer token' : 'anonymous';
}
