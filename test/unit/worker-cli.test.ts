// The hybrid worker's options and its TLS authentication of the service (a real HTTPS server with
// a self-signed certificate made by openssl).
import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseWorkerArgs, UsageError } from '../../cli/worker/config';
import { ServiceError, Unreachable, WorkerClient } from '../../cli/worker/client';

describe('hookbook worker options', () => {
  const base = ['--group', 'onprem', '--key', 'hw0123456789ab:secret'];
  it('need https except for localhost', () => {
    expect(() => parseWorkerArgs(['--url', 'http://example.com', ...base], {})).toThrow(/https/);
    expect(parseWorkerArgs(['--url', 'http://localhost:7071/', ...base], {})).toMatchObject({
      url: 'http://localhost:7071',
      concurrency: 1,
    });
    expect(parseWorkerArgs(['--url', 'https://x.example', ...base], {})).toMatchObject({ url: 'https://x.example', group: 'onprem' });
  });
  it('take the key from the environment or a config file, flags first', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hookbook-wcfg-'));
    const file = join(dir, 'worker.json');
    writeFileSync(file, JSON.stringify({ url: 'https://f.example', group: 'g', key: 'hwf:file', concurrency: 3, types: ['bash', 'pwsh'] }));
    expect(parseWorkerArgs(['--config', file], {})).toMatchObject({
      url: 'https://f.example',
      key: 'hwf:file',
      concurrency: 3,
      types: ['bash', 'pwsh'],
    });
    expect(parseWorkerArgs(['--config', file], { HOOKBOOK_WORKER_KEY: 'hwe:env' })).toMatchObject({ key: 'hwe:env' });
    expect(parseWorkerArgs(['--config', file, '--key', 'hwa:arg'], { HOOKBOOK_WORKER_KEY: 'hwe:env' })).toMatchObject({ key: 'hwa:arg' });
  });
  it('refuse what is wrong, naming it', () => {
    expect(() => parseWorkerArgs(['--url', 'https://x.example'], {})).toThrow(UsageError);
    expect(() => parseWorkerArgs(['--url', 'https://x.example', ...base, '--types', 'cobol'], {})).toThrow(/'cobol' is not a runbook type/);
    expect(() => parseWorkerArgs(['--url', 'https://x.example', ...base, '--concurrency', '0'], {})).toThrow(/concurrency/);
    expect(() => parseWorkerArgs(['--bogus'], {})).toThrow(UsageError);
  });
});

describe('the worker authenticates the service over TLS', () => {
  let server: https.Server;
  let url = '';
  let certFile = '';
  let fingerprint = '';
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hookbook-wtls-'));
    certFile = join(dir, 'cert.pem');
    const keyFile = join(dir, 'key.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        keyFile,
        '-out',
        certFile,
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost',
      ],
      { stdio: 'ignore' },
    );
    fingerprint = new X509Certificate(readFileSync(certFile)).fingerprint256;
    server = https.createServer({ key: readFileSync(keyFile), cert: readFileSync(certFile) }, (req, res) => {
      res.writeHead(req.headers.authorization === 'Bearer hw0123456789ab:secret' ? 200 : 401, { 'Content-Type': 'application/json' });
      res.end('{"ok":true}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `https://localhost:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const client = (extra: Record<string, unknown> = {}) =>
    new WorkerClient({
      url,
      group: 'onprem',
      key: 'hw0123456789ab:secret',
      name: 'w',
      concurrency: 1,
      pins: [],
      stateDir: '/tmp',
      drainSeconds: 1,
      ...extra,
    });

  it('refuses a certificate no trusted CA signed', async () => {
    await expect(client().post('hello', {})).rejects.toThrow(Unreachable);
  });
  it('accepts it with --ca', async () => {
    expect((await client({ ca: certFile }).post('hello', {})).status).toBe(200);
  });
  it('with --pin, accepts only the pinned certificate', async () => {
    expect((await client({ ca: certFile, pins: [fingerprint] }).post('hello', {})).status).toBe(200);
    const other = createHash('sha256').update('another certificate').digest('hex').toUpperCase().match(/../g)!.join(':');
    await expect(client({ ca: certFile, pins: [other] }).post('hello', {})).rejects.toThrow(/pinned/);
  });
  it('a refused key is a ServiceError (not retried)', async () => {
    await expect(client({ ca: certFile, key: 'hw0123456789ab:wrong' }).post('hello', {})).rejects.toThrow(ServiceError);
  });
});
