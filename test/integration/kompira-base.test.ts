// The Kompira base path is an app setting (HOOKBOOK_KOMPIRA_BASE), and the key sent in the URL
// (?token=, as e-mail forms must) never reaches the host's log. Both need a host of their own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHost, type RunningHost } from '../support/host';
import { http, waitFor } from '../support/http';

let host: RunningHost;

beforeAll(async () => {
  host = await startHost({ env: { HOOKBOOK_KOMPIRA_BASE: '/ke/v1/' } });
});

afterAll(async () => {
  if (host) expect(await host.stop()).toBe(0);
});

describe('Kompira under HOOKBOOK_KOMPIRA_BASE=/ke/v1/', () => {
  it('serves jobflows, execute and processes under the configured base only', async () => {
    const secret = host.adminKey.split(':')[1]!;
    const token = `token=${encodeURIComponent(host.adminKey)}`;
    const object = await http(host.url, `/ke/v1/root/restart_process?format=json&${token}`);
    expect(object.status).toBe(200);
    expect(object.json.abspath).toBe('/root/restart_process');
    expect((await http(host.url, `/kompira/root/restart_process?format=json&${token}`)).status).toBe(404);

    const started = await http(host.url, `/ke/v1/root/restart_process.execute?${token}&format=json`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `service=postfix&token=${encodeURIComponent(host.adminKey)}`,
    });
    expect(started.status, started.text).toBe(200);
    const processPath = started.json as string;
    expect(processPath).toMatch(/^\/process\/[0-9a-f-]{36}$/);
    const p = await waitFor(
      async () => {
        const r = await http(host.url, `/ke/v1${processPath}?format=json`, { headers: { Authorization: `Token ${host.adminKey}` } });
        return r.json?.status === 'DONE' ? r.json : undefined;
      },
      'the process to be DONE',
      60_000,
      150,
    );
    expect(p.console).toContain('postfix restarted');

    const mail = await http(host.url, '/api/v1/kompira/mail', {
      method: 'POST',
      headers: { Authorization: `Token ${host.adminKey}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ path: '/root/restart_process', token: host.adminKey }),
    });
    expect(mail.json.url).toBe(`${host.url}/ke/v1/root/restart_process.execute?token=${encodeURIComponent(host.adminKey)}&format=json`);

    // Everything the host printed (request lines, job transitions, runbook output): no secret.
    await waitFor(() => host.output().includes('/ke/v1/root/restart_process.execute'), 'the request line in the log');
    expect(host.output()).toContain('token=***');
    expect(host.output()).not.toContain(secret);
    expect(host.output()).not.toContain(encodeURIComponent(secret));
  });
});
