// HTTPS for the local host. Azure's modern SDK clients and the Az cmdlets refuse to send a bearer
// token over plain HTTP, so the Azure Automation API (docs/azure-automation-api.md) needs TLS even
// on a developer's machine. HOOKBOOK_HTTPS_PORT turns it on (0: a free port), beside plain HTTP on
// PORT. The certificate is the one HOOKBOOK_TLS_CERT / HOOKBOOK_TLS_KEY name (PEM files), or one made
// for localhost on first start with the `openssl` command (Node cannot make X.509 certificates) and
// kept in <data dir>/tls for the next starts. Its SHA-256 fingerprint is printed, for pinning or trust.
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import https from 'node:https';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export interface TlsFiles {
  cert: string;
  key: string;
  /** How the files came to be: passed, generated now, or generated on an earlier start. */
  origin: 'passed' | 'generated' | 'kept';
}

/** The certificate and key to serve: passed in the environment, or generated for localhost. */
export function tlsFiles(dataDir: string, env: NodeJS.ProcessEnv = process.env): TlsFiles {
  const cert = env.HOOKBOOK_TLS_CERT;
  const key = env.HOOKBOOK_TLS_KEY;
  if (cert || key) {
    if (!cert || !key) throw new Error('HOOKBOOK_TLS_CERT and HOOKBOOK_TLS_KEY go together: set both (PEM files) or neither.');
    for (const f of [cert, key]) if (!existsSync(f)) throw new Error(`HTTPS: the file ${f} does not exist.`);
    return { cert, key, origin: 'passed' };
  }
  const dir = path.join(dataDir, 'tls');
  const kept = { cert: path.join(dir, 'localhost.crt'), key: path.join(dir, 'localhost.key') };
  if (existsSync(kept.cert) && existsSync(kept.key)) return { ...kept, origin: 'kept' };
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // Made aside and renamed into place at once: hosts starting together keep one matching pair.
  const work = mkdtempSync(path.join(dataDir, '.tls-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '825',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1',
        '-addext',
        'extendedKeyUsage=serverAuth',
        '-keyout',
        path.join(work, 'localhost.key'),
        '-out',
        path.join(work, 'localhost.crt'),
      ],
      { stdio: ['ignore', 'ignore', 'pipe'], env: { ...env, PATH: env.PATH ?? '' } },
    );
  } catch (error) {
    rmSync(work, { recursive: true, force: true });
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new Error(
      missing
        ? 'HTTPS: no certificate was given and the openssl command, which makes one for localhost, is not installed. Install openssl, or set HOOKBOOK_TLS_CERT and HOOKBOOK_TLS_KEY to PEM files.'
        : `HTTPS: openssl could not make a certificate for localhost: ${String((error as { stderr?: Buffer }).stderr ?? (error as Error).message).trim()}`,
    );
  }
  try {
    renameSync(work, dir);
  } catch {
    rmSync(work, { recursive: true, force: true }); // another host made it first: use that one
  }
  return { ...kept, origin: 'generated' };
}

export const fingerprint = (certPem: string): string => new X509Certificate(certPem).fingerprint256;

/** Serve the HTTP front end's routes over TLS too; resolves to the port once listening. */
export async function listenHttps(
  plain: http.Server,
  tls: TlsFiles,
  port: number,
): Promise<{ server: https.Server; port: number; fingerprint: string }> {
  const cert = readFileSync(tls.cert, 'utf8');
  const server = https.createServer({ cert, key: readFileSync(tls.key, 'utf8') }, plain.listeners('request')[0] as http.RequestListener);
  server.requestTimeout = plain.requestTimeout;
  server.keepAliveTimeout = plain.keepAliveTimeout;
  server.headersTimeout = plain.headersTimeout;
  const bound = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => resolve((server.address() as AddressInfo).port));
  });
  return { server, port: bound, fingerprint: fingerprint(cert) };
}

/** The start-up line: where HTTPS listens and which certificate it shows. */
export function httpsBanner(secure: { port: number; fingerprint: string }, tls: TlsFiles): string {
  const made = { passed: 'passed in HOOKBOOK_TLS_CERT', generated: 'generated for localhost now', kept: 'generated for localhost earlier' }[
    tls.origin
  ];
  return [
    `HTTPS: https://localhost:${secure.port}  (certificate ${tls.cert}, ${made})`,
    `  SHA-256 fingerprint ${secure.fingerprint}`,
  ].join('\n');
}
