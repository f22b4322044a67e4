// Job notifications end to end (issue 23): a real host, real receivers on local sockets, signatures
// checked by the libraries receivers use (standardwebhooks, svix, and Octokit's verify for the
// GitHub-style signature).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import { startHost, type RunningHost } from '../support/host';
import { api, uniqueName, type Api } from '../support/api';
import { waitFor } from '../support/http';
import { startReceiver, type Receiver } from './notifications-support';

/**
 * A GitHub-style receiver's check with Octokit's own code (@octokit/webhooks-methods `verify`, what
 * GitHub's JavaScript receivers use; ESM only, which this project's module resolution cannot type).
 */
async function verifyGithub(secret: string, body: string, header: string): Promise<boolean> {
  const m = (await import('@octokit/webhooks-methods' as string)) as {
    verify: (secret: string, payload: string, signature: string) => Promise<boolean>;
  };
  return m.verify(secret, body, header);
}

let host: RunningHost;
let a: Api;
let rx: Receiver;
const terminal = ['Completed', 'Failed', 'Stopped'];

beforeAll(async () => {
  [host, rx] = await Promise.all([
    startHost({
      env: {
        HOOKBOOK_NOTIFY_ALLOW_PRIVATE: 'true', // the receivers are on loopback
        HOOKBOOK_NOTIFY_RETRY_BASE_MS: '300',
        HOOKBOOK_NOTIFY_TIMEOUT_SECONDS: '2',
        HOOKBOOK_SCHEDULER_CRON: '*/2 * * * * *',
      },
    }),
    startReceiver(),
  ]);
  a = api(host.url, host.adminKey);
}, 120_000);
afterAll(async () => {
  await host?.stop();
  await rx?.close();
});

async function target(def: Record<string, unknown>): Promise<{ name: string; secret?: string }> {
  const name = uniqueName('t');
  const r = await a.call('POST', '/api/v1/notification-targets', { name, ...def });
  expect(r.status, r.text).toBe(201);
  return { name, secret: r.json.secret };
}

async function runbook(content: string, extra: Record<string, unknown> = {}): Promise<string> {
  return a.createRunbook({ name: uniqueName('rb'), type: 'bash', content, ...extra });
}

async function start(runbookName: string, body: Record<string, unknown> = {}): Promise<string> {
  const r = await a.call('POST', '/api/v1/jobs', { runbook: runbookName, ...body });
  expect(r.status, r.text).toBe(202);
  return r.json.jobId;
}

/** The job's deliveries once each named target has one in a final state. */
async function settled(jobId: string, count: number, timeoutMs = 45_000): Promise<any[]> {
  return waitFor(
    async () => {
      const r = await a.call('GET', `/api/v1/jobs/${jobId}/notifications`);
      const v = r.json?.value as any[] | undefined;
      return v && v.length >= count && v.every((d) => d.status !== 'pending') && v;
    },
    `${count} settled deliveries of job ${jobId}`,
    timeoutMs,
    150,
  );
}

describe('signed notifications', () => {
  it('standard-webhooks: verified by standardwebhooks and svix; the job as the API shows it, secrets masked', async () => {
    const t = await target({ url: rx.url(`ok/sw`), format: 'standard-webhooks', events: ['job.started', 'job.completed'] });
    expect(t.secret).toMatch(/^whsec_/);
    const rb = await runbook('echo "hello from $HOOKBOOK_JOB_ID"; echo line2', {
      parameters: [{ name: 'Token', type: 'string', secret: true }],
    });
    const jobId = await start(rb, { parameters: { Token: 'tok-SECRET-4711' }, notify: [t.name] });
    await a.waitForStatus(jobId, terminal);
    const got = await rx.waitFor('ok/sw', 2);
    const types = got.map((r) => JSON.parse(r.body).type).sort();
    expect(types).toEqual(['job.completed', 'job.started']);
    for (const r of got) {
      const headers = r.headers as Record<string, string>;
      expect(new StandardWebhook(t.secret!).verify(r.body, headers)).toBeTruthy();
      expect(new SvixWebhook(t.secret!).verify(r.body, headers)).toBeTruthy();
      expect(() =>
        new StandardWebhook('whsec_' + Buffer.from('another secret entirely!').toString('base64')).verify(r.body, headers),
      ).toThrow();
      expect(r.body).not.toContain('tok-SECRET-4711');
    }
    const done = JSON.parse(got.find((r) => JSON.parse(r.body).type === 'job.completed')!.body);
    const shown = (await a.call('GET', `/api/v1/jobs/${jobId}`)).json;
    expect(done.data.job).toEqual(shown);
    expect(done.data.job.parameters.Token).not.toBe('tok-SECRET-4711');
    expect(done.data.output).toEqual([`hello from ${jobId}`, 'line2']);
    expect(done.data.links.api).toBe(`${host.url}/api/v1/jobs/${jobId}`);
    expect(done.data.links.dashboard).toContain(`#/jobs/${jobId}`);
    expect(done.deliveryId).toBe(got.find((r) => JSON.parse(r.body).type === 'job.completed')!.headers['webhook-id']);
    const deliveries = await settled(jobId, 2);
    expect(deliveries.map((d) => d.status)).toEqual(['delivered', 'delivered']);
    expect(deliveries[0].attempts[0]).toMatchObject({ statusCode: 200, response: 'answer 200' });
  }, 90_000);

  it('github: X-Hub-Signature-256 verified by Octokit verify (webhooks-methods); a runbook that names the target', async () => {
    const t = await target({ url: rx.url('ok/gh'), format: 'github', events: ['job.failed'] });
    const rb = await runbook('echo oops >&2; exit 3', { notify: [t.name] });
    const jobId = await start(rb);
    await a.waitForStatus(jobId, terminal);
    const [r] = await rx.waitFor('ok/gh', 1);
    expect(r!.headers['x-github-event']).toBe('job.failed');
    expect(await verifyGithub(t.secret!, r!.body, String(r!.headers['x-hub-signature-256']))).toBe(true);
    expect(await verifyGithub('not-the-secret', r!.body, String(r!.headers['x-hub-signature-256']))).toBe(false);
    expect(JSON.parse(r!.body).data.job).toMatchObject({ jobId, status: 'Failed', exception: expect.stringContaining('oops') });
  }, 60_000);

  it('rotation: both secrets sign during the overlap, and the target never shows either', async () => {
    const t = await target({ url: rx.url('ok/rot'), runbooks: ['rot-*'] });
    const rot = await a.call('POST', `/api/v1/notification-targets/${t.name}/rotate-secret`, { overlapSeconds: 3600 });
    expect(rot.status).toBe(200);
    const fresh = rot.json.secret as string;
    expect(fresh).not.toBe(t.secret);
    const rb = await a.createRunbook({ name: uniqueName('rot'), type: 'bash', content: 'echo hi' });
    await a.waitForStatus(await start(rb), terminal);
    const [r] = await rx.waitFor('ok/rot', 1);
    expect(String(r!.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(new StandardWebhook(fresh).verify(r!.body, r!.headers as Record<string, string>)).toBeTruthy();
    expect(new StandardWebhook(t.secret!).verify(r!.body, r!.headers as Record<string, string>)).toBeTruthy();
    // The target's view says when the old secret stops signing, and never shows a secret.
    const shown = await a.call('GET', `/api/v1/notification-targets/${t.name}`);
    expect(shown.json.previousSecretValidUntil).toBeDefined();
    expect(shown.text).not.toContain(fresh.slice(6, 20));
  }, 60_000);
});

describe('who names a target', () => {
  it('a webhook and a schedule name targets; a startedBy filter keeps to its kind', async () => {
    const t = await target({ url: rx.url('ok/named'), events: ['job.completed'] });
    const onlySchedules = await target({ url: rx.url('ok/only-schedules'), events: ['job.completed'], startedBy: ['schedule'] });
    const rb = await runbook('echo named');
    const hook = await a.call('POST', '/api/v1/webhooks', { name: uniqueName('hook'), runbook: rb, notify: [t.name, onlySchedules.name] });
    expect(hook.status, hook.text).toBe(201);
    expect(hook.json.notify).toEqual([t.name, onlySchedules.name]);
    const invoked = await fetch(hook.json.uri, { method: 'POST', body: '{}' });
    expect(invoked.status).toBe(202);
    const [fromHook] = await rx.waitFor('ok/named', 1);
    expect(JSON.parse(fromHook!.body).data.job.startedBy).toBe(`webhook:${hook.json.name}`);

    const sch = await a.call('POST', '/api/v1/schedules', {
      name: uniqueName('sch'),
      runbook: rb,
      startTime: new Date(Date.now() + 1500).toISOString(),
      notify: [t.name, onlySchedules.name],
    });
    expect(sch.status, sch.text).toBe(201);
    const got = await rx.waitFor('ok/named', 2, 60_000);
    expect(JSON.parse(got[1]!.body).data.job.startedBy).toMatch(/^schedule:/);
    const [scheduled] = await rx.waitFor('ok/only-schedules', 1);
    expect(JSON.parse(scheduled!.body).data.job.startedBy).toMatch(/^schedule:/);
    // The webhook's job was not for the schedules-only target.
    expect(rx.on('ok/only-schedules')).toHaveLength(1);
  }, 90_000);
});

describe('delivery', () => {
  it('a receiver failing three times then accepting: exactly one accepted delivery, the same id on every attempt', async () => {
    const t = await target({ url: rx.url('fail3/a') });
    const rb = await runbook('echo x');
    const jobId = await start(rb, { notify: [t.name] });
    await a.waitForStatus(jobId, terminal);
    const [d] = await settled(jobId, 1);
    expect(d.status).toBe('delivered');
    const got = rx.on('fail3/a');
    expect(got).toHaveLength(4);
    expect(got.filter((r) => r.answered === 200)).toHaveLength(1);
    expect(new Set(got.map((r) => r.headers['webhook-id']))).toEqual(new Set([d.deliveryId]));
    expect(d.attempts.map((x: any) => x.statusCode)).toEqual([500, 500, 500, 200]);
    for (const x of d.attempts) expect(x.latencyMs).toBeGreaterThanOrEqual(0);
    // Still readable per target, and a redelivery by hand sends it once more under the same id.
    const byTarget = await a.call('GET', `/api/v1/notification-targets/${t.name}/deliveries`);
    expect(byTarget.json.value.map((x: any) => x.deliveryId)).toEqual([d.deliveryId]);
    const again = await a.call('POST', `/api/v1/notification-targets/${t.name}/deliveries/${d.deliveryId}/redeliver`);
    expect(again.status).toBe(202);
    const five = await rx.waitFor('fail3/a', 5);
    expect(five[4]!.headers['webhook-id']).toBe(d.deliveryId);
  }, 90_000);

  it('a hanging receiver is cut off at the time limit while other jobs keep running', async () => {
    const t = await target({ url: rx.url('hang/h'), events: ['job.completed'] });
    const rb = await runbook('echo slow-target');
    const hung = await start(rb, { notify: [t.name] });
    await a.waitForStatus(hung, terminal);
    await rx.waitFor('hang/h', 1);
    // While the receiver holds the connection, other jobs start and finish.
    const others = await Promise.all([1, 2, 3].map(() => start(rb)));
    for (const id of others) expect((await a.waitForStatus(id, terminal)).status).toBe('Completed');
    const d = await waitFor(
      async () => (await a.call('GET', `/api/v1/jobs/${hung}/notifications`)).json.value.find((x: any) => x.attempts.length > 0),
      'the first attempt recorded',
      45_000,
    );
    expect(d.attempts[0].statusCode).toBeUndefined();
    expect(d.attempts[0].response).toMatch(/timed out/);
    await a.call('DELETE', `/api/v1/notification-targets/${t.name}`);
  }, 90_000);

  it('410 Gone turns the target off and stops the delivery', async () => {
    const t = await target({ url: rx.url('gone/g') });
    const rb = await runbook('echo x');
    const jobId = await start(rb, { notify: [t.name] });
    const [d] = await settled(jobId, 1);
    expect(d.status).toBe('stopped');
    expect(rx.on('gone/g')).toHaveLength(1);
    const shown = (await a.call('GET', `/api/v1/notification-targets/${t.name}`)).json;
    expect(shown.enabled).toBe(false);
    expect(shown.disabledReason).toMatch(/410/);
  }, 60_000);
});

describe('redirects', () => {
  it('a 307 to the same origin is followed; one to another host is not, and the attempt says where it pointed', async () => {
    const same = await target({ url: rx.url('redirect-same/r1') });
    const other = await target({ url: rx.url('redirect-other/r2') });
    const rb = await runbook('echo x');
    const jobId = await start(rb, { notify: [same.name, other.name] });
    await rx.waitFor('ok/after-redirect-same-r1', 1);
    const d = await waitFor(
      async () => {
        const v = (await a.call('GET', `/api/v1/jobs/${jobId}/notifications`)).json.value as any[];
        return v.length === 2 && v.every((x) => x.attempts.length > 0) && v;
      },
      'both deliveries attempted',
      45_000,
    );
    expect(d.find((x: any) => x.target === same.name)).toMatchObject({ status: 'delivered' });
    const refused = d.find((x: any) => x.target === other.name);
    expect(refused.attempts[0]).toMatchObject({
      statusCode: 307,
      response: expect.stringMatching(/another origin not followed: http:\/\/localhost:/),
    });
    expect(rx.on('ok/after-redirect-other-r2')).toHaveLength(0);
  }, 60_000);
});

describe('filters over a runbook history', () => {
  it('onlyAfterConsecutiveFailures and onRecovery over a sequence of jobs', async () => {
    const rb = await runbook('if [ "$Fail" = true ]; then echo bad >&2; exit 1; fi; echo good', {
      parameters: [{ name: 'Fail', type: 'bool', mandatory: true }],
    });
    const streak = await target({
      url: rx.url(`ok/streak-${rb}`),
      events: ['job.failed'],
      runbooks: [rb],
      onlyAfterConsecutiveFailures: 2,
    });
    const recovery = await target({ url: rx.url(`ok/recovery-${rb}`), events: ['job.completed'], runbooks: [rb], onRecovery: true });
    const sequence = [true, true, true, false, false, true, false];
    const ids: string[] = [];
    for (const fail of sequence) {
      const id = await start(rb, { parameters: { Fail: fail } });
      await a.waitForStatus(id, terminal);
      ids.push(id);
    }
    for (const id of ids) await settled(id, 1);
    const jobOf = (r: { body: string }) => ids.indexOf(JSON.parse(r.body).data.job.jobId);
    expect(rx.on(`ok/streak-${rb}`).map(jobOf).sort()).toEqual([1, 2]);
    expect(rx.on(`ok/recovery-${rb}`).map(jobOf).sort()).toEqual([3, 6]);
    const first = (await a.call('GET', `/api/v1/jobs/${ids[0]}/notifications`)).json.value[0];
    expect(first).toMatchObject({ target: streak.name, status: 'skipped', reason: expect.stringMatching(/failure 1 in a row/) });
    expect((await a.call('GET', `/api/v1/jobs/${ids[4]}/notifications`)).json.value[0]).toMatchObject({
      target: recovery.name,
      status: 'skipped',
    });
  }, 120_000);
});
