/**
 * Entra ID sign-in for a single-page app: OAuth 2.0 authorization code flow with PKCE (RFC 7636),
 * written out rather than pulled in (MSAL.js would triple the bundle for one redirect and one POST).
 * The app registration's redirect URI is of type "Single-page application" (`<origin>/ui/`), which
 * is what allows the browser to redeem the code at the token endpoint. docs/dashboard.md.
 */
export interface EntraConfig {
  /** https://login.microsoftonline.com/<tenant> */
  authority: string;
  tenantId: string;
  clientId: string;
  /** The API's scope, e.g. api://hookbook/.default */
  scope: string;
}

const b64url = (bytes: Uint8Array): string => {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
};

/** 32 random bytes → 43 characters of the unreserved set, as RFC 7636 §4.1 asks. */
export function randomVerifier(random: (a: Uint8Array) => Uint8Array = (a) => crypto.getRandomValues(a)): string {
  return b64url(random(new Uint8Array(32)));
}

/** S256 challenge: BASE64URL(SHA-256(verifier)). */
export async function challengeOf(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return b64url(new Uint8Array(digest));
}

export function authorizeUrl(cfg: EntraConfig, redirectUri: string, state: string, challenge: string): string {
  const u = new URL(`${cfg.authority}/oauth2/v2.0/authorize`);
  u.search = new URLSearchParams({
    client_id: cfg.clientId,
    response_type: 'code',
    redirect_uri: redirectUri,
    response_mode: 'query',
    scope: `${cfg.scope} openid offline_access`,
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString();
  return u.toString();
}

export function tokenRequest(
  cfg: EntraConfig,
  redirectUri: string,
  code: string,
  verifier: string,
): { url: string; body: URLSearchParams } {
  return {
    url: `${cfg.authority}/oauth2/v2.0/token`,
    body: new URLSearchParams({
      client_id: cfg.clientId,
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      code_verifier: verifier,
      scope: `${cfg.scope} openid offline_access`,
    }),
  };
}
