import type { HttpRequest } from '@azure/functions';
import { roleAtLeast, type Principal, type Role } from '../model/apiKey';
import { forbidden, unauthorized } from '../http/errors';
import { verifyKey } from './keys';
import { entraBearerVerifier } from './entra';
import { isRegistrationKey } from './workerKeys';
import { failedAuthentication, keyIdOf } from './throttle';
import { auditAuthorized } from '../audit/record';

/**
 * One key, every dialect's form: `Basic base64(keyId:secret)`, `Token keyId:secret`,
 * `Bearer keyId:secret`, or `?token=keyId:secret` (links and HTML forms, where no header can be set).
 */
export type CredentialForm = 'basic' | 'token' | 'bearer' | 'query';

/** Extension point: other bearer verifiers (Entra ID JWTs) register here. */
export type BearerVerifier = (token: string, req: HttpRequest) => Promise<Principal | undefined>;
const bearerVerifiers: BearerVerifier[] = [];
export const addBearerVerifier = (v: BearerVerifier): void => {
  bearerVerifiers.push(v);
};
// Entra ID JWTs, when HOOKBOOK_ENTRA_TENANT_ID and HOOKBOOK_ENTRA_AUDIENCE are set (docs/entra-id.md).
addBearerVerifier(entraBearerVerifier);

export function presentedCredential(req: HttpRequest, allowQuery: boolean): { form: CredentialForm; value: string } | undefined {
  const header = req.headers.get('authorization');
  if (header) {
    const m = /^\s*(\w+)\s+(.+?)\s*$/.exec(header);
    if (m) {
      const scheme = m[1]!.toLowerCase();
      if (scheme === 'basic') {
        const decoded = Buffer.from(m[2]!, 'base64').toString('utf8');
        return { form: 'basic', value: decoded };
      }
      if (scheme === 'token') return { form: 'token', value: m[2]! };
      if (scheme === 'bearer') return { form: 'bearer', value: m[2]! };
    }
  }
  if (allowQuery) {
    const q = req.query.get('token');
    if (q) return { form: 'query', value: q };
  }
  return undefined;
}

export interface AuthOptions {
  need: Role;
  allowQuery?: boolean;
  /** The WWW-Authenticate challenge of the dialect. */
  challenge?: string;
}

export async function authenticate(req: HttpRequest, opts: AuthOptions): Promise<Principal> {
  const challenge = opts.challenge ?? 'Basic realm="hookbook"';
  const cred = presentedCredential(req, opts.allowQuery ?? false);
  if (!cred) throw unauthorized('Authentication required: send an API key (Authorization: Basic base64(keyId:secret)).', challenge);
  let principal = await verifyKey(cred.value);
  if (!principal && cred.form === 'bearer') {
    for (const v of bearerVerifiers) {
      principal = await v(cred.value, req);
      if (principal) break;
    }
  }
  if (!principal) {
    // A hybrid worker's registration key is known, but opens only the worker routes of its group.
    if (await isRegistrationKey(cred.value))
      throw forbidden('A worker registration key opens only the worker routes (/api/worker/v1/...), not this API.');
    // Counted per client and key id: 429 for the excess failures, never for a correct key.
    throw failedAuthentication(req, keyIdOf(cred.value), unauthorized('The API key is unknown or its secret is wrong.', challenge));
  }
  if (!roleAtLeast(principal.role, opts.need)) {
    throw forbidden(`Key '${principal.id}' has the role ${principal.role}; this needs ${opts.need}.`);
  }
  await auditAuthorized(req, principal); // a change is in the audit trail before it is made (or refused: 503)
  return principal;
}
