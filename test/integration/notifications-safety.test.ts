// Notifications under the rules a production host keeps (no private targets allowed), and across
// a host killed with deliveries pending (issue 23). Real hosts, real Azurite, real receivers.
import { afterEach, describe, expect, it } from 'vitest';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { startAzurite, startHost } from '../support/host';
import { api, uniqueName } from '../support/api';
import { waitFor } from '../support/http';
import { startReceiver } from './notifications-support';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
});
const terminal = ['Completed', 'Failed', 'Stopped'];

describe('address rules', () => {
  it('without HOOKBOOK_NOTIFY_ALLOW_PRIVATE: loopback and the metadata address are refused, at creation and after DNS resolution', async () => {
    const [host, rx] = await Promise.all([startHost({ env: { HOOKBOOK_NOTIFY_RETRY_BASE_MS: '60000' } }), startReceiver()]);
    cleanups.push(
      () => host.stop(),
      () => rx.close(),
    );
    const a = api(host.url, host.adminKey);
    const port = new URL(rx.url('x')).port;
    const create = (url: string) => a.call('POST', '/api/v1/notification-targets', { name: uniqueName('t'), url });
    const plain = await create(rx.url('ok/plain'));
    expect(plain.status).toBe(400);
    expect(plain.json.detail).toMatch(/must be https/);
    for (const [url, why] of [
      ['https://169.254.169.254/latest/meta-data/', /link-local/],
      [`https://127.0.0.1:${port}/ok/x`, /loopback/],
      [`https://[::1]:${port}/ok/x`, /loopback/],
      ['https://10.0.0.5/hook', /private/],
    ] as const) {
      const r = await create(url);
      expect(r.status, url).toBe(400);
      expect(r.json.detail, url).toMatch(why);
    }
    // A name is resolved when a delivery is attempted: `localhost` resolves to loopback, refused there.
    const named = await create(`https://localhost:${port}/ok/named`);
    expect(named.status).toBe(201);
    const rb = await a.createRunbook({ name: uniqueName('rb'), type: 'bash', content: 'echo x' });
    const jobId = (await a.call('POST', '/api/v1/jobs', { runbook: rb, notify: [named.json.name] })).json.jobId;
    await a.waitForStatus(jobId, terminal);
    const d = await waitFor(
      async () => (await a.call('GET', `/api/v1/jobs/${jobId}/notifications`)).json.value.find((x: any) => x.attempts.length > 0),
      'the refused attempt',
      45_000,
    );
    expect(d.attempts[0].statusCode).toBeUndefined();
    expect(d.attempts[0].response).toMatch(/refused: localhost resolves to (127\.0\.0\.1|::1) \(loopback\)/);
    expect(rx.received).toHaveLength(0);
  }, 120_000);
});

describe('durability', () => {
  it('a host killed with deliveries pending delivers them after the restart, under the same delivery id', async () => {
    const storage = await startAzurite();
    cleanups.push(() => storage.stop());
    const rx = await startReceiver();
    cleanups.push(() => rx.close());
    const env = { HOOKBOOK_NOTIFY_ALLOW_PRIVATE: 'true', HOOKBOOK_NOTIFY_RETRY_BASE_MS: '2000' };
    const h1 = await startHost({ storage: 'external', connectionString: storage.connectionString, env });
    cleanups.push(() => h1.kill());
    const a1 = api(h1.url, h1.adminKey);
    rx.set('pending/p', 'down');
    const t = await a1.call('POST', '/api/v1/notification-targets', { name: uniqueName('t'), url: rx.url('pending/p') });
    expect(t.status).toBe(201);
    const rb = await a1.createRunbook({ name: uniqueName('rb'), type: 'bash', content: 'echo x' });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await a1.call('POST', '/api/v1/jobs', { runbook: rb, notify: [t.json.name] })).json.jobId);
    for (const id of ids) await a1.waitForStatus(id, terminal);
    // Every delivery has failed once and waits for its next attempt when the host dies.
    await waitFor(
      async () => {
        for (const id of ids) {
          const v = (await a1.call('GET', `/api/v1/jobs/${id}/notifications`)).json.value;
          if (!(v.length === 1 && v[0].status === 'pending' && v[0].attempts.length >= 1)) return false;
        }
        return true;
      },
      'three pending deliveries',
      45_000,
    );
    await h1.kill();
    rx.set('pending/p', 'ok');
    const before = rx.on('pending/p').length;

    const h2 = await startHost({
      storage: 'external',
      connectionString: storage.connectionString,
      env: { ...env, HOOKBOOK_BOOTSTRAP_KEY: h1.adminKey },
    });
    cleanups.push(() => h2.kill());
    const a2 = api(h2.url, h1.adminKey);
    await waitFor(
      () =>
        new Set(
          rx
            .on('pending/p')
            .filter((r) => r.answered === 200)
            .map((r) => r.headers['webhook-id']),
        ).size === 3,
      'three accepted deliveries',
      60_000,
    );
    const accepted = rx
      .on('pending/p')
      .slice(before)
      .filter((r) => r.answered === 200);
    for (const id of ids) {
      const [d] = (await a2.call('GET', `/api/v1/jobs/${id}/notifications`)).json.value;
      expect(d.status).toBe('delivered');
      const mine = rx.on('pending/p').filter((r) => r.headers['webhook-id'] === d.deliveryId);
      expect(mine.length).toBeGreaterThanOrEqual(2); // failed before the kill, accepted after it
      expect(mine.filter((r) => r.answered === 200)).toHaveLength(1);
      expect(new StandardWebhook(t.json.secret).verify(mine.at(-1)!.body, mine.at(-1)!.headers as Record<string, string>)).toBeTruthy();
    }
    expect(accepted).toHaveLength(3);
  }, 180_000);
});
