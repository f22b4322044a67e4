// The dashboard's hybrid workers page in a real browser over the real local host, with a real
// `hookbook worker` process: a group and a registration key made in the page (the key shown once,
// with its command line, and working for a worker), a job waiting for the group with its reason, the
// worker appearing live and running it, and leaving when stopped; a group deleted after the page
// says what happens to its jobs; and a reader who sees the assets and workers pages without a
// control that changes anything.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startHost, waitFor, type RunningHost } from '../support/host';
import { startWorker, type RunningWorker } from '../support/worker';
import { ensureUi } from '../../scripts/ui-ensure';
import { apiCaller, createKey, launch, shot, signedIn } from './dashboard-support';

let host: RunningHost;
let browser: Browser;
let page: Page;
let csp: string[];
let call: ReturnType<typeof apiCaller>;
const workers: RunningWorker[] = [];
const GROUP = 'onprem';
/** Uncaught errors in the page: a render that throws leaves a blank screen. */
const pageErrors: string[] = [];

beforeAll(async () => {
  ensureUi();
  // A worker not heard from for 6 s is no longer live (it says hello every 1.5 s).
  host = await startHost({ env: { HOOKBOOK_WORKER_STALE_SECONDS: '6', HOOKBOOK_WORKER_POLL_SECONDS: '5' } });
  call = apiCaller(host.url, host.adminKey);
  browser = await launch();
  ({ page, cspViolations: csp } = await signedIn(browser, host.url, host.adminKey));
  page.on('pageerror', (e) => pageErrors.push(String(e.stack ?? e)));
  const created = await call('POST', '/api/v1/runbooks', {
    name: 'on-prem-ticks',
    type: 'bash',
    content: 'for i in $(seq 1 600); do echo "tick $i on $WORKER_TAG"; sleep 1; done\n',
  });
  expect(created.status, created.text).toBe(201);
  expect((await call('POST', '/api/v1/runbooks/on-prem-ticks/publish')).status).toBe(200);
}, 240_000);

afterAll(async () => {
  for (const w of workers) await w.kill();
  await browser?.close();
  await host?.stop();
});

const card = () => page.locator(`section[data-group=${GROUP}]`);

describe('dashboard: hybrid workers', () => {
  it('creates a group and a key shown once; a job waits with its reason; the worker appears live, runs it, and leaves', async () => {
    await page.goto(`${host.url}/ui/#/workers`);
    await page.getByText('No worker groups yet').waitFor();
    const form = page.locator('form[aria-label="New worker group"]');
    await form.locator('input[name=name]').fill('Not A Name');
    await form.locator('button[type=submit]').click();
    await form.locator('.error').waitFor(); // the API's sentence on group names
    await form.locator('input[name=name]').fill(GROUP);
    await form.locator('input[name=description]').fill('Vienna DC');
    await form.locator('button[type=submit]').click();
    await card().waitFor();
    await card().locator('[data-testid=no-workers]').waitFor();

    // A job for the group before any worker: it waits, and the page says why.
    const started = await call('POST', '/api/v1/jobs', { runbook: 'on-prem-ticks', runOn: GROUP });
    expect(started.status, started.text).toBe(202);
    const jobId = started.json.jobId as string;
    const waiting = card().locator(`[data-testid=waiting-${GROUP}] tr[data-job="${jobId}"]`);
    // The service's own reason (shared/workers/groups.ts whyNotRunnable), as it words it.
    await waiting.getByText(/Waiting:.*no live worker.*'onprem'/).waitFor();

    // A registration key: shown once, with the command line; it works for a real worker.
    await card().locator('form[aria-label="New registration key for onprem"] input[name=description]').fill('srv-ops-01');
    await card().locator('form[aria-label="New registration key for onprem"] button[type=submit]').click();
    const key = await card().locator('[data-testid=shown-once]').innerText();
    expect(key).toMatch(/^hw[0-9a-f]{12}:\S+$/);
    const command = await card().locator('[data-testid=worker-command]').innerText();
    expect(command).toContain(`HOOKBOOK_WORKER_KEY='${key}'`);
    expect(command).toContain(`hookbook worker --url ${host.url} --group ${GROUP}`);
    await card().locator('.once').scrollIntoViewIfNeeded();
    await shot(page, 'worker-key');
    await card().locator('button:has-text("I have copied it")').click();
    await card()
      .locator(`[data-testid=keys-${GROUP}] tr[data-key="${key.split(':')[0]}"]`)
      .getByText('srv-ops-01')
      .waitFor();
    expect(await page.content()).not.toContain(key.split(':')[1]!);

    const worker = startWorker({ url: host.url, group: GROUP, key, name: 'srv-ops-01', concurrency: 2, types: 'bash' });
    workers.push(worker);
    // Live, without a reload: its row, then the job it runs in that row, and nothing waits any more.
    const row = card().locator('tr[data-worker=srv-ops-01]');
    await row.waitFor({ timeout: 60_000 });
    expect(await row.innerText()).toContain('bash');
    await row.locator(`[data-testid=running-jobs] a[href="#/jobs/${jobId}"]`).waitFor({ timeout: 60_000 });
    await waiting.waitFor({ state: 'detached' });
    await shot(page, 'workers');
    await row.locator(`a[href="#/jobs/${jobId}"]`).click();
    await page.locator('[data-testid=streams]').getByText('tick 1 on srv-ops-01', { exact: true }).waitFor({ timeout: 60_000 });

    expect((await call('POST', `/api/v1/jobs/${jobId}/stop`)).status).toBe(202);
    await waitFor(async () => (await call('GET', `/api/v1/jobs/${jobId}`)).json.status === 'Stopped', 'the job to stop', 60_000);
    await page.goto(`${host.url}/ui/#/workers`);
    await row.waitFor();
    worker.signal('SIGTERM');
    expect(await worker.exited).toBe(0);
    // Not heard from: it leaves the live list.
    await row.waitFor({ state: 'detached', timeout: 60_000 });
    await card().locator('[data-testid=no-workers]').waitFor();
  });

  it('shows a reader both pages without any control that changes', async () => {
    expect((await call('POST', '/api/v1/assets/credentials', { name: 'svc', userName: 'u', password: 'reader-must-not-see' })).status).toBe(
      201,
    );
    const reader = await createKey(call, 'reader', 'dashboard reader');
    const { context, page: rp } = await signedIn(browser, host.url, reader.key);
    try {
      const controls = () => rp.locator('main button, main input, main select, main textarea, main form').count();
      await rp.goto(`${host.url}/ui/#/assets/credentials`);
      await rp.locator('tr[data-asset=svc]').waitFor();
      expect(await controls()).toBe(0);
      await rp.goto(`${host.url}/ui/#/assets/credentials/svc`);
      await rp.locator('[data-testid=asset-audit] tr[data-action=create]').waitFor();
      expect(await controls()).toBe(0);
      await rp.goto(`${host.url}/ui/#/workers`);
      await rp.locator(`section[data-group=${GROUP}]`).waitFor();
      expect(await controls()).toBe(0);
      expect(await rp.locator('[data-testid=delete-consequence]').count()).toBe(0);
      await shot(rp, 'workers-reader');
      expect(await rp.content()).not.toContain('reader-must-not-see');
    } finally {
      await context.close();
    }
    // On a phone: nothing wider than the screen but the tables' own scrollers.
    const phone = await signedIn(browser, host.url, host.adminKey, { viewport: { width: 390, height: 844 } });
    try {
      for (const at of ['#/workers', '#/assets/credentials', '#/assets/credentials/svc']) {
        await phone.page.goto(`${host.url}/ui/${at}`);
        await phone.page.locator('h1').waitFor();
        await phone.page.locator('section[data-group], tr[data-asset], [data-testid=asset-facts]').first().waitFor();
        expect(await phone.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth), at).toBeLessThanOrEqual(0);
      }
    } finally {
      await phone.context.close();
    }
  });

  it('says what happens to the jobs before a group is deleted', async () => {
    const queued = await call('POST', '/api/v1/jobs', { runbook: 'on-prem-ticks', runOn: GROUP });
    expect(queued.status).toBe(202);
    await page.goto(`${host.url}/ui/#/workers`);
    await card().locator(`tr[data-job="${queued.json.jobId}"]`).waitFor();
    // Nothing is said or deleted until asked; then what happens to the jobs, before the confirmation.
    expect(await card().locator('[data-testid=delete-consequence]').count()).toBe(0);
    await card().locator('button:has-text("Delete group")').click();
    const consequence = card().locator('[data-testid=delete-consequence]');
    await consequence.getByText('its 0 running and 1 waiting job(s) end at once as Failed').waitFor();
    await shot(page, 'worker-group-delete');
    await consequence.locator('button:has-text("Delete onprem")').click();
    await card().waitFor({ state: 'detached' });
    expect((await call('GET', `/api/v1/workerGroups/${GROUP}`)).status).toBe(404);
    // As the page said: the waiting job ended with the reason (shared/workers/deleteGroup.ts).
    const ended = (await call('GET', `/api/v1/jobs/${queued.json.jobId}`)).json;
    expect(ended).toMatchObject({ status: 'Failed', exception: "The worker group 'onprem' was deleted." });
    expect(csp).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
