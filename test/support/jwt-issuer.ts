// A stand-in for Entra ID in tests: RSA keys made with jose, a JWKS served over node http on
// 127.0.0.1 (switchable up / failing / hanging, with a request counter), and token minting.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

export interface TestKey {
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  jwk: JWK;
}

export async function makeKey(kid: string = randomUUID()): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, use: 'sig', alg: 'RS256', kty: 'RSA' };
  return { kid, privateKey, publicKey, jwk };
}

export const AZURE_MONITOR_APP_ID = '461e8683-5575-4561-ac7f-899cc907d62a';

export interface FakeEntra {
  tenantId: string;
  /** http://127.0.0.1:<port> */
  origin: string;
  jwksUri: string;
  issuerV1: string;
  issuerV2: string;
  /** The keys the JWKS publishes (mutable: rotate by replacing). */
  published: TestKey[];
  mode: 'up' | 'error' | 'hang';
  /** JWKS requests served so far. */
  requests: number;
  /** A signed RS256 token; claims default to a valid v2 token for `audience`. */
  token(
    claims: JWTPayload & Record<string, unknown>,
    opts?: { key?: TestKey; kid?: string; issuer?: string; expiresIn?: number },
  ): Promise<string>;
  stop(): Promise<void>;
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/** `alg: none`: header and payload, empty signature. */
export const unsignedToken = (payload: Record<string, unknown>): string => `${b64({ alg: 'none', typ: 'JWT' })}.${b64(payload)}.`;

/** HS256 keyed with the RSA public key's PEM (the classic algorithm-confusion attack). */
export async function hs256WithPublicKey(key: TestKey, payload: Record<string, unknown>): Promise<string> {
  const pem = await exportSPKI(key.publicKey);
  return new SignJWT(payload).setProtectedHeader({ alg: 'HS256', kid: key.kid, typ: 'JWT' }).sign(new TextEncoder().encode(pem));
}

export async function startFakeEntra(opts: { tenantId?: string; audience: string }): Promise<FakeEntra> {
  const tenantId = opts.tenantId ?? randomUUID();
  const first = await makeKey();
  let server: Server;
  const state: FakeEntra = {
    tenantId,
    origin: '',
    jwksUri: '',
    issuerV1: `https://sts.windows.net/${tenantId}/`,
    issuerV2: `https://login.microsoftonline.com/${tenantId}/v2.0`,
    published: [first],
    mode: 'up',
    requests: 0,
    async token(claims, o = {}) {
      const key = o.key ?? state.published[0]!;
      const now = Math.floor(Date.now() / 1000);
      const payload: JWTPayload & Record<string, unknown> = {
        iss: o.issuer ?? state.issuerV2,
        aud: opts.audience,
        iat: now,
        nbf: now - 5,
        exp: now + (o.expiresIn ?? 3600),
        sub: randomUUID(),
        oid: randomUUID(),
        tid: tenantId,
        ...claims,
      };
      return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: o.kid ?? key.kid, typ: 'JWT' }).sign(key.privateKey);
    },
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  server = createServer((req, res) => {
    if (req.url !== `/${tenantId}/discovery/v2.0/keys`) {
      res.writeHead(404).end();
      return;
    }
    state.requests++;
    if (state.mode === 'hang') return; // never answers: the client's timeout fires
    if (state.mode === 'error') {
      res.writeHead(500, { 'Content-Type': 'text/plain' }).end('down');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ keys: state.published.map((k) => k.jwk) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  state.origin = `http://127.0.0.1:${port}`;
  state.jwksUri = `${state.origin}/${tenantId}/discovery/v2.0/keys`;
  return state;
}
