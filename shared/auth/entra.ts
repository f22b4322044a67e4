import type { HttpRequest } from '@azure/functions';
import { settings } from '../config';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { HttpError, forbidden, unauthorized } from '../http/errors';
import { Role, roleAtLeast, type Principal } from '../model/apiKey';

/**
 * Entra ID bearer tokens (RS256 JWTs): for secure webhooks (Azure Monitor action groups, per
 * webhook `auth`) and, when HOOKBOOK_ENTRA_TENANT_ID and HOOKBOOK_ENTRA_AUDIENCE are set, for the
 * management and RealmJoin APIs (`Authorization: Bearer <jwt>`, app roles mapped to Hookbook roles
 * by HOOKBOOK_ENTRA_ROLE_MAP). docs/entra-id.md has the setup.
 *
 * What a token must be: signed RS256 (`alg: none`, HS256 and everything else refused before any
 * key is looked at) by a key in the tenant's JWKS; issued by the tenant (v1
 * `https://sts.windows.net/<tenant>/` or v2 `https://login.microsoftonline.com/<tenant>/v2.0`,
 * unless `issuer` says otherwise); for the audience; within `nbf`/`exp` give or take 60 s; with the
 * required role and from an allowed app when those are configured.
 *
 * Keys: fetched from the JWKS URI (default `<authority>/<tenant>/discovery/v2.0/keys`), cached for
 * an hour, fetched again at once for a token whose `kid` is unknown (key rotation), but not more
 * often than once per cooldown (HOOKBOOK_ENTRA_JWKS_COOLDOWN_SECONDS, default 30). If the keys
 * cannot be fetched the answer is 503 with Retry-After, never 500 and never a pass.
 * Tokens are never logged nor echoed.
 */
export interface EntraAuth {
  type: 'entra';
  /** The directory (tenant) id, a GUID. */
  tenantId: string;
  /** The App ID URI or client id the token is for; several may be given, separated by commas. */
  audience: string;
  requiredRole?: string;
  allowedAppIds?: string[];
  jwksUri?: string;
  issuer?: string;
}

export interface EntraIdentity {
  /** `sub` (or `oid`) of the caller. */
  subject: string;
  /** `appid` (v1) or `azp` (v2): the client application. */
  appId?: string;
  roles: string[];
  /** `oid`, the caller's object id, when present. */
  objectId?: string;
}

/** Azure Monitor's secure webhook: the app that requests its token. */
export const AZURE_MONITOR_APP_ID = '461e8683-5575-4561-ac7f-899cc907d62a';

const PUBLIC_AUTHORITY = 'https://login.microsoftonline.com';
const CLOCK_SKEW_SECONDS = 60;
const JWKS_CACHE_MS = 60 * 60 * 1000;
const JWKS_TIMEOUT_MS = 5000;
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** HOOKBOOK_ENTRA_AUTHORITY_HOST: the login host (sovereign clouds; a local stand-in in tests). */
const authorityHost = (): string => settings().entraAuthorityHost.replace(/\/+$/, '');

export const looksLikeJwt = (token: string): boolean => token.length < 16_384 && JWT_SHAPE.test(token);

export function defaultJwksUri(tenantId: string): string {
  return `${authorityHost()}/${encodeURIComponent(tenantId)}/discovery/v2.0/keys`;
}

export function acceptedIssuers(auth: Pick<EntraAuth, 'tenantId' | 'issuer'>): string[] {
  if (auth.issuer) return [auth.issuer];
  const t = auth.tenantId;
  const list = [`https://sts.windows.net/${t}/`, `${PUBLIC_AUTHORITY}/${t}/v2.0`];
  const host = authorityHost();
  if (host !== PUBLIC_AUTHORITY) list.push(`${host}/${t}/v2.0`);
  return list;
}

class JwksUnavailable extends Error {
  constructor(
    readonly uri: string,
    cause: unknown,
  ) {
    super(`the signing keys at ${uri} could not be fetched: ${(cause as Error)?.message ?? String(cause)}`);
    this.name = 'JwksUnavailable';
  }
}

const keySets = new Map<string, JWTVerifyGetKey>();

const cooldownMs = (): number => settings().entraJwksCooldownSeconds * 1000;

/** The tenant's key set, cached per URI; any failure to get keys (not "no such kid") is JwksUnavailable. */
function keySet(uri: string): JWTVerifyGetKey {
  let getKey = keySets.get(uri);
  if (!getKey) {
    const remote = createRemoteJWKSet(new URL(uri), {
      cacheMaxAge: JWKS_CACHE_MS,
      cooldownDuration: cooldownMs(),
      timeoutDuration: JWKS_TIMEOUT_MS,
    });
    getKey = async (header, token) => {
      try {
        return await remote(header, token);
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code === 'ERR_JWKS_NO_MATCHING_KEY' || code === 'ERR_JWKS_MULTIPLE_MATCHING_KEYS') throw error;
        throw new JwksUnavailable(uri, error);
      }
    };
    keySets.set(uri, getKey);
  }
  return getKey;
}

/** Forget cached key sets (tests that change HOOKBOOK_ENTRA_* between cases). */
export function resetEntraCaches(): void {
  keySets.clear();
  apiConfigCache = undefined;
}

const CHALLENGE = 'Bearer realm="hookbook", error="invalid_token"';
const refused = (why: string) => unauthorized(`The Entra ID bearer token was refused: ${why}.`, CHALLENGE);

function explain(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof JwksUnavailable) {
    return new HttpError(503, 'Entra ID signing keys are unreachable right now, so the bearer token cannot be checked; retry later.', {
      'Retry-After': '30',
    });
  }
  const e = error as { code?: string; claim?: string; message?: string };
  switch (e.code) {
    case 'ERR_JWT_EXPIRED':
      return refused('it has expired');
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      if (e.claim === 'aud') return refused('its audience (aud) is not the one configured');
      if (e.claim === 'iss') return refused("its issuer (iss) is not the tenant's");
      if (e.claim === 'nbf') return refused('it is not valid yet (nbf)');
      return refused(`claim '${e.claim ?? 'unknown'}' is missing or invalid`);
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return refused('its signature does not verify');
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return refused("it is signed with a key (kid) that is not in the tenant's key set");
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return refused('its key id (kid) is ambiguous');
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return refused('only RS256 signatures are accepted');
    default:
      return refused('it is not a valid JWT');
  }
}

const audiences = (audience: string): string[] =>
  audience
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);

/** Verify a raw JWT against `auth`; throws HttpError 401 (bad token) or 503 (keys unreachable). */
export async function verifyEntraToken(token: string, auth: EntraAuth): Promise<EntraIdentity> {
  if (!looksLikeJwt(token)) throw refused('it is not a JWT');
  let alg: unknown;
  try {
    alg = decodeProtectedHeader(token).alg;
  } catch {
    throw refused('its header is not readable');
  }
  // Refuse anything but RS256 before a key is looked at: no `alg: none`, no HS256 keyed with the public key.
  if (alg !== 'RS256') throw refused(`algorithm '${typeof alg === 'string' ? alg.slice(0, 16) : 'none'}' is not accepted, only RS256`);

  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, keySet(auth.jwksUri ?? defaultJwksUri(auth.tenantId)), {
      algorithms: ['RS256'],
      issuer: acceptedIssuers(auth),
      audience: audiences(auth.audience),
      clockTolerance: CLOCK_SKEW_SECONDS,
      requiredClaims: ['exp', 'iss', 'aud'],
    }));
  } catch (error) {
    throw explain(error);
  }
  const claims = payload as JWTPayload & { tid?: unknown; roles?: unknown; appid?: unknown; azp?: unknown; oid?: unknown };
  if (
    !auth.issuer &&
    GUID.test(auth.tenantId) &&
    typeof claims.tid === 'string' &&
    claims.tid.toLowerCase() !== auth.tenantId.toLowerCase()
  ) {
    throw refused('it was issued for another tenant (tid)');
  }
  const roles = Array.isArray(claims.roles) ? claims.roles.filter((r): r is string => typeof r === 'string') : [];
  const appId = typeof claims.appid === 'string' ? claims.appid : typeof claims.azp === 'string' ? claims.azp : undefined;
  if (auth.requiredRole && !roles.includes(auth.requiredRole)) throw refused(`it does not carry the app role '${auth.requiredRole}'`);
  if (auth.allowedAppIds?.length) {
    const allowed = auth.allowedAppIds.map((a) => a.toLowerCase());
    if (!appId || !allowed.includes(appId.toLowerCase()))
      throw refused('it was requested by an application that is not allowed (appid/azp)');
  }
  const objectId = typeof claims.oid === 'string' ? claims.oid : undefined;
  const subject = typeof claims.sub === 'string' ? claims.sub : objectId;
  if (!subject) throw refused('it names no subject (sub)');
  return { subject, appId, roles, ...(objectId ? { objectId } : {}) };
}

/** Verify the request's `Authorization: Bearer <jwt>` against `auth`; throws HttpError 401/503. */
export async function verifyEntraBearer(req: HttpRequest, auth: EntraAuth): Promise<{ subject: string; appId?: string; roles: string[] }> {
  const header = req.headers.get('authorization') ?? '';
  const m = /^\s*Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m) throw unauthorized('This webhook requires an Entra ID bearer token (Authorization: Bearer <JWT>).', 'Bearer realm="hookbook"');
  const { subject, appId, roles } = await verifyEntraToken(m[1]!, auth);
  return { subject, appId, roles };
}

// --- The management and RealmJoin APIs: app settings → an authenticate() bearer verifier. ---

interface ApiConfig {
  key: string;
  auth: EntraAuth;
  roleMap: Map<string, Role>;
}
let apiConfigCache: ApiConfig | undefined;

/** `Hookbook.Admin=admin,Hookbook.Operator=operator,Hookbook.Reader=reader` → Map. */
export function parseRoleMap(text: string): Map<string, Role> {
  const map = new Map<string, Role>();
  for (const part of text
    .split(/[,;]/)
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [tokenRole, hookbookRole] = part.split('=').map((s) => s?.trim());
    const parsed = Role.safeParse(hookbookRole);
    if (!tokenRole || !parsed.success) {
      throw new Error(`HOOKBOOK_ENTRA_ROLE_MAP: '${part}' must be <app role>=<reader|operator|admin>`);
    }
    map.set(tokenRole, parsed.data);
  }
  return map;
}

/** The API's Entra configuration from app settings, or undefined when it is not configured. */
function apiConfig(): ApiConfig | undefined {
  const s = settings();
  const tenantId = s.entraTenantId;
  const audience = s.entraAudience;
  if (!tenantId || !audience) return undefined;
  const key = JSON.stringify([tenantId, audience, s.entraJwksUri, s.entraRoleMap, s.entraIssuer, s.entraAllowedAppIds]);
  if (apiConfigCache?.key === key) return apiConfigCache;
  let roleMap: Map<string, Role>;
  try {
    roleMap = parseRoleMap(s.entraRoleMap);
  } catch (error) {
    throw new HttpError(500, `Entra ID sign-in is misconfigured on this service: ${(error as Error).message}.`);
  }
  const allowed = s.entraAllowedAppIds;
  apiConfigCache = {
    key,
    roleMap,
    auth: {
      type: 'entra',
      tenantId,
      audience,
      ...(s.entraJwksUri ? { jwksUri: s.entraJwksUri } : {}),
      ...(s.entraIssuer ? { issuer: s.entraIssuer } : {}),
      ...(allowed.length ? { allowedAppIds: allowed } : {}),
    },
  };
  return apiConfigCache;
}

/**
 * A bearer verifier for authenticate(): undefined when Entra ID is not configured or the token is
 * not a JWT (so API keys keep working); the principal `entra:<object id>` with the highest
 * Hookbook role its app roles map to; 401/503 for a bad token or unreachable keys; 403 when the
 * token is valid but carries no mapped role.
 */
export async function entraBearerVerifier(token: string): Promise<Principal | undefined> {
  const cfg = apiConfig();
  if (!cfg || !looksLikeJwt(token)) return undefined;
  const identity = await verifyEntraToken(token, cfg.auth);
  let role: Role | undefined;
  for (const r of identity.roles) {
    const mapped = cfg.roleMap.get(r);
    if (mapped && (!role || roleAtLeast(mapped, role))) role = mapped;
  }
  const id = `entra:${identity.objectId ?? identity.subject}`;
  if (!role) {
    throw forbidden(
      `The Entra ID token of '${id}' carries no app role that maps to a Hookbook role (${[...cfg.roleMap.keys()].join(', ')}).`,
    );
  }
  return { id, role };
}
