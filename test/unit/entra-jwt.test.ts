// Entra ID token verification against a local JWKS server (keys made with jose).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HttpRequest } from '@azure/functions';
import { AZURE_MONITOR_APP_ID, hs256WithPublicKey, makeKey, startFakeEntra, unsignedToken, type FakeEntra } from '../support/jwt-issuer';

process.env.HOOKBOOK_ENTRA_JWKS_COOLDOWN_SECONDS = '2';
type Entra = typeof import('../../shared/auth/entra');
let entra: Entra;
let idp: FakeEntra;
const AUDIENCE = 'api://hookbook-test';

beforeAll(async () => {
  entra = await import('../../shared/auth/entra');
  idp = await startFakeEntra({ audience: AUDIENCE });
});
afterAll(async () => {
  await idp?.stop();
});
beforeEach(() => {
  entra.resetEntraCaches();
  idp.mode = 'up';
});

const auth = (over: Partial<import('../../shared/auth/entra').EntraAuth> = {}) => ({
  type: 'entra' as const,
  tenantId: idp.tenantId,
  audience: AUDIENCE,
  requiredRole: 'ActionGroupsSecureWebhook',
  allowedAppIds: [AZURE_MONITOR_APP_ID],
  jwksUri: idp.jwksUri,
  ...over,
});
const monitorClaims = { roles: ['ActionGroupsSecureWebhook'], appid: AZURE_MONITOR_APP_ID };
const request = (authorization?: string) =>
  new HttpRequest({ method: 'POST', url: 'http://localhost/webhooks?token=x', headers: authorization ? { authorization } : {} });

/** The HttpError a verification throws (status, message, headers). */
async function refusal(token: string, a = auth()) {
  try {
    await entra.verifyEntraToken(token, a);
  } catch (error) {
    const e = error as { status: number; message: string; headers: Record<string, string> };
    expect(e.message).not.toContain(token);
    return e;
  }
  throw new Error('expected the token to be refused');
}

describe('verifyEntraToken', () => {
  it('accepts a good v2 token and a good v1 token (Azure Monitor secure webhook)', async () => {
    const v2 = await idp.token({ ...monitorClaims, azp: AZURE_MONITOR_APP_ID, appid: undefined, sub: 'sub-v2' });
    expect(await entra.verifyEntraToken(v2, auth())).toMatchObject({
      subject: 'sub-v2',
      appId: AZURE_MONITOR_APP_ID,
      roles: ['ActionGroupsSecureWebhook'],
    });
    const v1 = await idp.token({ ...monitorClaims, sub: 'sub-v1', ver: '1.0' }, { issuer: idp.issuerV1 });
    expect(await entra.verifyEntraToken(v1, auth())).toMatchObject({ subject: 'sub-v1', appId: AZURE_MONITOR_APP_ID });
    // One JWKS fetch for both (cached).
    expect(idp.requests).toBeGreaterThanOrEqual(1);
  });

  it('verifyEntraBearer reads the Authorization header', async () => {
    const t = await idp.token(monitorClaims);
    expect(await entra.verifyEntraBearer(request(`Bearer ${t}`), auth())).toMatchObject({
      appId: AZURE_MONITOR_APP_ID,
      roles: ['ActionGroupsSecureWebhook'],
    });
    await expect(entra.verifyEntraBearer(request(), auth())).rejects.toMatchObject({
      status: 401,
      message: expect.stringMatching(/requires an Entra ID bearer token/),
    });
    await expect(entra.verifyEntraBearer(request('Basic dXNlcjpwYXNz'), auth())).rejects.toMatchObject({ status: 401 });
    const e = await entra.verifyEntraBearer(request('Bearer not-a-jwt'), auth()).catch((x) => x);
    expect(e).toMatchObject({ status: 401, message: expect.stringMatching(/not a JWT/) });
    expect(e.headers['WWW-Authenticate']).toMatch(/^Bearer/);
  });

  it('refuses a token signed by another key (same kid)', async () => {
    const other = await makeKey(idp.published[0]!.kid);
    expect(await refusal(await idp.token(monitorClaims, { key: other }))).toMatchObject({
      status: 401,
      message: expect.stringMatching(/signature does not verify/),
    });
  });

  it('refuses the wrong audience, the wrong issuer, another tenant', async () => {
    expect((await refusal(await idp.token({ ...monitorClaims, aud: 'api://someone-else' }))).message).toMatch(/audience/);
    expect(
      (
        await refusal(
          await idp.token(monitorClaims, { issuer: 'https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0' }),
        )
      ).message,
    ).toMatch(/issuer/);
    expect((await refusal(await idp.token(monitorClaims, { issuer: 'https://evil.example/' }))).message).toMatch(/issuer/);
    expect((await refusal(await idp.token({ ...monitorClaims, tid: '00000000-0000-0000-0000-000000000000' }))).message).toMatch(
      /another tenant/,
    );
  });

  it('expired and not-yet-valid tokens are refused, with 60 s of clock skew allowed', async () => {
    const now = Math.floor(Date.now() / 1000);
    expect((await refusal(await idp.token({ ...monitorClaims, exp: now - 120 }))).message).toMatch(/expired/);
    await expect(entra.verifyEntraToken(await idp.token({ ...monitorClaims, exp: now - 30 }), auth())).resolves.toBeTruthy();
    expect((await refusal(await idp.token({ ...monitorClaims, nbf: now + 120 }))).message).toMatch(/not valid yet/);
    await expect(entra.verifyEntraToken(await idp.token({ ...monitorClaims, nbf: now + 30 }), auth())).resolves.toBeTruthy();
    expect((await refusal(await idp.token({ ...monitorClaims, exp: undefined }))).message).toMatch(/exp/);
  });

  it('refuses a token without the required role or from another app', async () => {
    expect((await refusal(await idp.token({ appid: AZURE_MONITOR_APP_ID }))).message).toMatch(
      /does not carry the app role 'ActionGroupsSecureWebhook'/,
    );
    expect((await refusal(await idp.token({ ...monitorClaims, roles: ['Something.Else'] }))).status).toBe(401);
    expect((await refusal(await idp.token({ ...monitorClaims, appid: '11111111-1111-1111-1111-111111111111' }))).message).toMatch(
      /application that is not allowed/,
    );
    // Without requiredRole / allowedAppIds those checks are off.
    await expect(
      entra.verifyEntraToken(await idp.token({}), auth({ requiredRole: undefined, allowedAppIds: undefined })),
    ).resolves.toBeTruthy();
  });

  it('refuses alg none and HS256 keyed with the public key, without fetching keys for them', async () => {
    const before = idp.requests;
    const claims = {
      iss: idp.issuerV2,
      aud: AUDIENCE,
      exp: Math.floor(Date.now() / 1000) + 600,
      sub: 'x',
      tid: idp.tenantId,
      ...monitorClaims,
    };
    expect((await refusal(unsignedToken(claims))).message).toMatch(/algorithm 'none' is not accepted, only RS256/);
    expect((await refusal(await hs256WithPublicKey(idp.published[0]!, claims))).message).toMatch(/algorithm 'HS256' is not accepted/);
    expect(idp.requests).toBe(before);
  });

  it('an unknown kid makes it fetch the keys again (key rotation), at most once per cooldown', async () => {
    // Keys and tokens first: RSA key generation can take a while on a busy machine.
    const rotated = await makeKey();
    const token = await idp.token(monitorClaims, { key: rotated });
    const current = await idp.token(monitorClaims);
    await entra.verifyEntraToken(current, auth());
    const fetched = idp.requests;
    const original = idp.published;
    idp.published = [rotated, idp.published[0]!];
    // Within the cooldown (2 s here, 30 s by default) the cached set is used: unknown kid.
    expect((await refusal(token)).message).toMatch(/key \(kid\) that is not in the tenant's key set/);
    await new Promise((r) => setTimeout(r, 2100));
    await expect(entra.verifyEntraToken(token, auth())).resolves.toMatchObject({ appId: AZURE_MONITOR_APP_ID });
    expect(idp.requests).toBe(fetched + 1);
    idp.published = original;
  });

  it('answers 503 with Retry-After when the keys cannot be fetched', async () => {
    idp.mode = 'error';
    const t = await idp.token(monitorClaims);
    const e = await refusal(t);
    expect(e.status).toBe(503);
    expect(e.headers['Retry-After']).toMatch(/^\d+$/);
    expect(e.message).toMatch(/signing keys are unreachable/);
    // A closed port too.
    entra.resetEntraCaches();
    const dead = await refusal(t, auth({ jwksUri: 'http://127.0.0.1:9/keys' }));
    expect(dead.status).toBe(503);
    // Back up: accepted again.
    idp.mode = 'up';
    await expect(entra.verifyEntraToken(t, auth())).resolves.toBeTruthy();
  });

  it('parses the role map', () => {
    expect([...entra.parseRoleMap('Hookbook.Admin=admin, Hookbook.Reader=reader').entries()]).toEqual([
      ['Hookbook.Admin', 'admin'],
      ['Hookbook.Reader', 'reader'],
    ]);
    expect(() => entra.parseRoleMap('Hookbook.Admin=root')).toThrow(/HOOKBOOK_ENTRA_ROLE_MAP/);
  });
});
