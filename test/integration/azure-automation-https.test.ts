// HTTPS on the local host (issue 22): modern Azure clients send a bearer token only over TLS. The
// host makes a certificate for localhost with openssl on first start (or serves the one passed),
// prints its fingerprint, and Azure's clients, trusting exactly that certificate, work end to end.
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tlsFiles } from '../../local/https';
import { repoRoot, startHost, type RunningHost } from '../support/host';
import { testPwsh } from '../support/pwsh';

const pwsh = testPwsh();
const dataDir = mkdtempSync(join(tmpdir(), 'hookbook-tls-'));
let host: RunningHost;
let httpsUrl = '';

describe.skipIf(!pwsh)('HTTPS on the local host', () => {
  beforeAll(async () => {
    host = await startHost({ env: { HOOKBOOK_PWSH_PATH: pwsh!, HOOKBOOK_HTTPS_PORT: '0', HOOKBOOK_DATA_DIR: dataDir } });
    const m = /HTTPS: (https:\/\/localhost:\d+)/.exec(host.output());
    expect(m, host.output()).not.toBeNull();
    httpsUrl = m![1]!;
  }, 120_000);
  afterAll(async () => {
    await host?.stop();
  });

  it('makes a certificate for localhost on first start and prints its SHA-256 fingerprint', () => {
    const cert = readFileSync(join(dataDir, 'tls', 'localhost.crt'), 'utf8');
    const x509 = new X509Certificate(cert);
    expect(x509.checkHost('localhost')).toBe('localhost');
    expect(x509.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(host.output()).toContain(`SHA-256 fingerprint ${x509.fingerprint256}`);
    expect(host.output()).toContain('generated for localhost now');
    // The next start keeps it.
    expect(tlsFiles(dataDir).origin).toBe('kept');
  });

  it('serves the Azure Automation API to @azure/arm-automation and to a modern bearer-token pipeline over TLS', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [join(repoRoot, 'test/fixtures/azure-automation/https-client.mjs'), httpsUrl, host.url, host.adminKey, 'Tls_Hello'],
      { env: { ...process.env, NODE_EXTRA_CA_CERTS: join(dataDir, 'tls', 'localhost.crt') }, cwd: repoRoot, timeout: 90_000 },
    );
    const result = JSON.parse(stdout.trim().split('\n').pop()!);
    expect(result.status).toBe('Completed');
    expect(result.output).toBe('hello Ada over TLS');
    expect(result.modernOverHttps).toEqual({ status: 200, location: 'hookbook' });
    // Why HTTPS is needed: the same pipeline will not send the token over plain HTTP.
    expect(result.modernOverHttp.error).toMatch(/Bearer token authentication is not permitted for non-TLS/);
  });

  it('fails clearly when no certificate is given and openssl is missing, or only half of a pair is given', () => {
    const empty = mkdtempSync(join(tmpdir(), 'hookbook-tls-none-'));
    expect(() => tlsFiles(empty, { PATH: '/nonexistent' })).toThrow(
      /openssl command.*is not installed.*HOOKBOOK_TLS_CERT and HOOKBOOK_TLS_KEY/,
    );
    expect(() => tlsFiles(empty, { HOOKBOOK_TLS_CERT: join(dataDir, 'tls', 'localhost.crt') })).toThrow(/go together/);
    expect(
      tlsFiles(empty, { HOOKBOOK_TLS_CERT: join(dataDir, 'tls', 'localhost.crt'), HOOKBOOK_TLS_KEY: join(dataDir, 'tls', 'localhost.key') })
        .origin,
    ).toBe('passed');
  });
});
