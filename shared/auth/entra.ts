import type { HttpRequest } from '@azure/functions';

/**
 * Entra ID bearer tokens (RS256 JWTs) for secure webhooks (Azure Monitor action groups) and, when
 * configured, the management and RealmJoin APIs. Placeholder until the Entra issue lands: every
 * token is refused.
 */
export interface EntraAuth {
  type: 'entra';
  tenantId: string;
  audience: string;
  requiredRole?: string;
  allowedAppIds?: string[];
  jwksUri?: string;
  issuer?: string;
}

/** Verify the request's `Authorization: Bearer <jwt>` against `auth`; throws HttpError 401/503. */
export async function verifyEntraBearer(_req: HttpRequest, _auth: EntraAuth): Promise<{ subject: string; appId?: string }> {
  const { unauthorized } = await import('../http/errors');
  throw unauthorized('Entra ID tokens are not supported yet.', 'Bearer');
}
