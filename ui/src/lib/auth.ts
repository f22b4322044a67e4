import { authorizeUrl, challengeOf, randomVerifier, tokenRequest, type EntraConfig } from './pkce';

/**
 * Who the dashboard calls the API as. Held in sessionStorage only (gone when the tab closes, never
 * in a URL or localStorage): an API key (`keyId:secret`) or an Entra ID access token.
 */
export type Credential = { kind: 'key'; value: string } | { kind: 'entra'; accessToken: string; expiresAt: number };

const KEY = 'hookbook.credential';
const PENDING = 'hookbook.entra.pending';

export function loadCredential(): Credential | undefined {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (!raw) return undefined;
    const c = JSON.parse(raw) as Credential;
    if (c.kind === 'entra' && c.expiresAt < Date.now()) return undefined;
    return c;
  } catch {
    return undefined;
  }
}

export const saveCredential = (c: Credential): void => sessionStorage.setItem(KEY, JSON.stringify(c));
export const clearCredential = (): void => sessionStorage.removeItem(KEY);

export function authorizationHeader(c: Credential): string {
  return c.kind === 'key' ? `Bearer ${c.value}` : `Bearer ${c.accessToken}`;
}

const redirectUri = (): string => `${location.origin}/ui/`;

export async function beginEntraSignIn(cfg: EntraConfig): Promise<void> {
  const verifier = randomVerifier();
  const state = randomVerifier();
  sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state, back: location.hash }));
  location.assign(authorizeUrl(cfg, redirectUri(), state, await challengeOf(verifier)));
}

/** On return from the sign-in page (`?code=&state=`): redeem the code; undefined when not returning. */
export async function completeEntraSignIn(cfg: EntraConfig | null): Promise<Credential | undefined> {
  const q = new URLSearchParams(location.search);
  if (!q.has('code') && !q.has('error')) return undefined;
  const pending = JSON.parse(sessionStorage.getItem(PENDING) ?? 'null') as { verifier: string; state: string; back: string } | null;
  sessionStorage.removeItem(PENDING);
  history.replaceState(null, '', `/ui/${pending?.back ?? ''}`);
  if (q.has('error')) throw new Error(`Entra ID sign-in failed: ${q.get('error_description') ?? q.get('error')}`);
  if (!cfg || !pending || pending.state !== q.get('state'))
    throw new Error('Entra ID sign-in: the answer does not match a sign-in started here; try again.');
  const req = tokenRequest(cfg, redirectUri(), q.get('code')!, pending.verifier);
  const res = await fetch(req.url, { method: 'POST', body: req.body, credentials: 'omit' });
  const body = (await res.json()) as { access_token?: string; expires_in?: number; error_description?: string };
  if (!res.ok || !body.access_token) throw new Error(`Entra ID sign-in failed: ${body.error_description ?? res.status}`);
  const c: Credential = {
    kind: 'entra',
    accessToken: body.access_token,
    expiresAt: Date.now() + (body.expires_in ?? 3600) * 1000 - 60_000,
  };
  saveCredential(c);
  return c;
}
