// The dashboard in a real browser over the real local host (its own, so the first screen is empty):
// sign-in, a runbook written in the editor, published with a diff, started from the generated form,
// its output watched live, a long job stopped, a webhook URL shown once, a reader who sees no Stop
// button and gets the API's own message when it insists, the charts counting the jobs that exist,
// schedules with their preview, API keys; screenshots for docs/dashboard.md along the way.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startHost, waitFor, type RunningHost } from '../support/host';
import { ensureUi } from '../../scripts/ui-ensure';
import { apiCaller, createKey, launch, shot, signedIn } from './dashboard-support';

let host: RunningHost;
let browser: Browser;
let page: Page;
let csp: string[];
let call: ReturnType<typeof apiCaller>;

const SCRIPT = [
  'echo "hello $Name"',
  'echo "token has ${#Token} characters"',
  'i=0',
  'while [ "$i" -lt "$Seconds" ]; do i=$((i+1)); echo "tick $i"; sleep 1; done',
  'echo "bye"',
  '',
].join('\n');
const PARAMS = JSON.stringify([
  { name: 'Name', type: 'string', mandatory: true },
  { name: 'Seconds', type: 'int', default: 0 },
  { name: 'Token', type: 'string', secret: true },
]);

const jobIdOf = (p: Page) => /#\/jobs\/([0-9a-f-]{36})/.exec(p.url())?.[1];
const statusOnPage = (p: Page) => p.locator('.job-head .status').innerText();

beforeAll(async () => {
  ensureUi();
  host = await startHost();
  call = apiCaller(host.url, host.adminKey);
  browser = await launch();
  ({ page, cspViolations: csp } = await signedIn(browser, host.url, host.adminKey));
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await host?.stop();
});

describe('dashboard', () => {
  it('is served at /ui/ with a strict CSP, immutable hashed assets and a revalidated index', async () => {
    const index = await call('GET', '/ui/');
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/^text\/html/);
    expect(index.headers.get('cache-control')).toBe('no-cache');
    const policy = index.headers.get('content-security-policy') ?? '';
    expect(policy).toContain("script-src 'self'");
    expect(policy).toContain("frame-ancestors 'none'");
    expect(policy).toContain("style-src 'self'");
    expect(/script-src[^;]*unsafe/.test(policy)).toBe(false);
    const asset = /src="\/ui\/(assets\/[^"]+\.js)"/.exec(index.text)?.[1];
    expect(asset).toBeTruthy();
    const js = await call('GET', `/ui/${asset}`);
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(js.headers.get('cache-control')).toContain('immutable');
    const zipped = await fetch(`${host.url}/ui/${asset}`, { headers: { 'Accept-Encoding': 'gzip' } });
    expect(zipped.headers.get('content-encoding')).toBe('gzip');
    expect(await zipped.text()).toBe(js.text); // fetch inflates it: the same script
    expect((await call('GET', '/ui/nope.js')).status).toBe(404);
    expect((await call('GET', '/ui/..%2Fpackage.json')).status).toBe(404);
    // The API behind the screens: who am I, the aggregate's bounds, the schedule preview's message.
    expect((await call('GET', '/api/v1/me')).json).toMatchObject({ role: 'admin' });
    const badDays = await call('GET', '/api/v1/stats?days=90');
    expect(badDays.status).toBe(400);
    expect(badDays.json.detail).toContain("'days'");
    const badCron = await call('POST', '/api/v1/schedules/preview', { cronExpression: 'every day' });
    expect(badCron.status).toBe(400);
    expect(badCron.json.detail).toContain('cronExpression');
    const bare = await call('GET', '/ui');
    expect(bare.status).toBe(301);
    expect(bare.headers.get('location')).toBe('/ui/');
  });

  it("refuses a wrong key with the API's own message, and the first screen says what to do", async () => {
    const other = await browser.newContext();
    const p = await other.newPage();
    await p.goto(`${host.url}/ui/`);
    await p.fill('#apikey', 'nobody:wrong');
    await p.click('button[type=submit]');
    await p.getByText('The API key is unknown or its secret is wrong.').waitFor();
    expect(await p.evaluate(() => sessionStorage.length)).toBe(0);
    await other.close();

    await page.getByText('Nothing has run yet').waitFor();
    await shot(page, 'welcome');
    // The key is in this tab's session storage, never in the URL nor in localStorage.
    expect(page.url()).not.toContain(host.adminKey.split(':')[1]!);
    expect(await page.evaluate(() => JSON.stringify(localStorage))).not.toContain(host.adminKey.split(':')[1]!);
  });

  it('is keyboard navigable: Tab reaches the menu, Enter follows it', async () => {
    await page.locator('body').focus();
    for (let i = 0; i < 15; i++) {
      await page.keyboard.press('Tab');
      if ((await page.evaluate(() => document.activeElement?.textContent)) === 'Jobs') break;
    }
    await page.keyboard.press('Enter');
    await page.waitForURL(/#\/jobs$/);
    await page.getByText('No jobs yet').waitFor();
  });

  it('creates a runbook in the editor, publishes it with a diff, starts it from the form and shows its output live', async () => {
    await page.goto(`${host.url}/ui/#/runbooks?new=1`);
    await page.fill('input[name=name]', 'hello-ui');
    await page.selectOption('select[name=type]', 'bash');
    await page.click('text=Create and edit');
    await page.waitForURL(/#\/runbooks\/hello-ui$/);
    const editor = page.locator('.cm-content');
    await editor.waitFor();
    await editor.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.insertText(SCRIPT);
    await page.click('summary:has-text("Parameter definitions")');
    await page.fill('textarea[aria-label="Parameter definitions"]', PARAMS);
    await page.click('text=Save draft');
    await page.getByText('Draft saved.').waitFor();
    await page.click('text=Publish…');
    await page.locator('[data-testid=diff] .cm-mergeView').waitFor();
    expect(await page.locator('[data-testid=diff]').innerText()).toContain('tick $i');
    await shot(page, 'publish-diff');
    await page.click('text=Publish version 1');
    await page.getByText('Published.').waitFor();
    await page.getByText(/version 1, published/).waitFor();
    const published = await call('GET', '/api/v1/runbooks/hello-ui/content');
    expect(published.text).toBe(SCRIPT);

    // The generated form: Name mandatory, Seconds a number, Token masked.
    await page.locator('#param-Name').waitFor();
    expect(await page.getAttribute('#param-Token', 'type')).toBe('password');
    expect(await page.getAttribute('#param-Seconds', 'type')).toBe('number');
    expect(await page.getAttribute('#param-Name', 'required')).not.toBeNull();
    await shot(page, 'runbook');
    await page.fill('#param-Name', 'World');
    await page.fill('#param-Token', 's3cret-value');
    await page.click('form[aria-label=Start] button[type=submit]');
    await page.waitForURL(/#\/jobs\/[0-9a-f-]{36}$/);
    const streams = page.locator('[data-testid=streams]');
    await streams.getByText('hello World').waitFor();
    await streams.getByText('token has 12 characters').waitFor();
    await waitFor(async () => (await statusOnPage(page)) === 'Completed', 'the job page to show Completed', 60_000);
    const params = await page.locator('[data-testid=job-parameters]').innerText();
    expect(params).toContain('***');
    expect(params).not.toContain('s3cret-value');
    await shot(page, 'job');
  });

  it("shows a long job's output as it comes and stops it", async () => {
    await page.goto(`${host.url}/ui/#/runbooks/hello-ui`);
    await page.fill('#param-Name', 'Long');
    await page.fill('#param-Seconds', '600');
    await page.click('form[aria-label=Start] button[type=submit]');
    await page.waitForURL(/#\/jobs\/[0-9a-f-]{36}$/);
    const streams = page.locator('[data-testid=streams]');
    await streams.getByText('tick 1', { exact: true }).waitFor();
    // Still running, and more output arrives without a reload.
    await page.locator('[data-testid=live]').waitFor();
    await streams.getByText('tick 3', { exact: true }).waitFor();
    expect(await statusOnPage(page)).toBe('Running');
    await shot(page, 'job-live');
    await page.click('button:has-text("Stop")');
    await page.click('button:has-text("Stop this job")');
    await waitFor(async () => (await statusOnPage(page)) === 'Stopped', 'the job page to show Stopped', 60_000);
    const job = await call('GET', `/api/v1/jobs/${jobIdOf(page)}`);
    expect(job.json.status).toBe('Stopped');
  });

  it('creates a webhook and shows its URL once', async () => {
    await page.goto(`${host.url}/ui/#/webhooks`);
    await page.fill('form[aria-label="New webhook"] input[name=name]', 'from-ui');
    await page.selectOption('form[aria-label="New webhook"] select[name=runbook]', 'hello-ui');
    await page.fill('form[aria-label="New webhook"] textarea[name=parameters]', '{"Name": "hook"}');
    await page.click('text=Create webhook');
    const once = page.locator('[data-testid=shown-once]');
    await page.locator('[data-testid=shown-once], .error').first().waitFor();
    if (await page.locator('.error').count()) throw new Error(`the dashboard says: ${await page.locator('.error').innerText()}`);
    const uri = await once.innerText();
    expect(uri).toMatch(/\/webhooks\?token=\S+/);
    await page.getByText('it is shown this once').waitFor();
    await shot(page, 'webhook');
    // The URL works…
    const token = new URL(uri).searchParams.get('token')!;
    const invoked = await call('POST', `/webhooks?token=${encodeURIComponent(token)}`, {});
    expect(invoked.status, invoked.text).toBe(202);
    await page.click('text=I have copied it');
    await page.reload();
    await page.locator('tr[data-webhook=from-ui]').waitFor();
    // …and is never shown again.
    expect(await page.content()).not.toContain(token);
  });

  it("gives a reader no Stop button, and the API's message when it insists", async () => {
    const reader = await createKey(call, 'reader', 'dashboard test reader');
    const started = await call('POST', '/api/v1/jobs', { runbook: 'hello-ui', parameters: { Name: 'r', Seconds: 600 } });
    expect(started.status, started.text).toBe(202);
    const jobId = started.json.jobId as string;
    const { context, page: rp } = await signedIn(browser, host.url, reader.key);
    try {
      await rp.goto(`${host.url}/ui/#/jobs/${jobId}`);
      await rp.locator('[data-testid=streams]').getByText('tick 1', { exact: true }).waitFor();
      expect(await rp.locator('button', { hasText: 'Stop' }).count()).toBe(0);
      expect(await rp.locator('nav a', { hasText: 'Webhooks' }).count()).toBe(0);
      // Forcing the API from the page with its own session: a clear 403.
      const forced = await rp.evaluate(async (id) => {
        const c = JSON.parse(sessionStorage.getItem('hookbook.credential')!) as { value: string };
        const r = await fetch(`/api/v1/jobs/${id}/stop`, { method: 'POST', headers: { Authorization: `Bearer ${c.value}` } });
        return { status: r.status, body: await r.json() };
      }, jobId);
      expect(forced.status).toBe(403);
      expect(forced.body.detail).toContain('has the role reader; this needs operator');
      // And the screen shows the API's detail where a reader forces an admin page.
      await rp.goto(`${host.url}/ui/#/webhooks`);
      await rp.getByText('has the role reader; this needs admin').waitFor();
      await shot(rp, 'reader-forbidden');
    } finally {
      await context.close();
      await call('POST', `/api/v1/jobs/${jobId}/stop`);
    }
    await waitFor(
      async () => (await call('GET', `/api/v1/jobs/${jobId}`)).json.status === 'Stopped',
      'the reader test job to stop',
      60_000,
    );
  });

  it('charts the jobs that exist', async () => {
    const ENDED = ['Completed', 'Failed', 'Stopped'];
    // Every job started here ends (the long ones were stopped): wait for that, then compare.
    const ended = await waitFor(
      async () => {
        const all = (await call('GET', '/api/v1/jobs?top=500')).json.value as { status: string; runbook: string }[];
        return all.every((j) => ENDED.includes(j.status)) && all;
      },
      'every job to end',
      60_000,
    );
    expect(ended.length).toBeGreaterThanOrEqual(4);
    await page.goto(`${host.url}/ui/#/`);
    await waitFor(
      async () =>
        Number(
          await page
            .locator('[data-testid=chart-total]')
            .innerText()
            .catch(() => '-1'),
        ) === ended.length,
      `the 24 h chart to count ${ended.length} jobs`,
      60_000,
    );
    const row = page.locator('tr[data-runbook=hello-ui] [data-testid=stat-total]');
    expect(Number(await row.innerText())).toBe(ended.filter((j) => j.runbook === 'hello-ui').length);
    await page.click('button:has-text("7 days")');
    expect(Number(await page.locator('[data-testid=chart-total]').innerText())).toBe(ended.length);
    await page.click('button:has-text("24 hours")');
    await shot(page, 'home');
  });

  it('previews a schedule in its time zone with the DST change, and creates it', async () => {
    await page.goto(`${host.url}/ui/#/schedules`);
    const form = page.locator('form[aria-label="New schedule"]');
    await form.locator('input[name=name]').fill('monthly-report');
    await form.locator('input[name=cron]').fill('0 9 1 * *');
    await form.locator('input[name=timeZone]').fill('Europe/Berlin');
    const preview = page.locator('[data-testid=schedule-preview]');
    await preview.getByText('Next runs in Europe/Berlin').waitFor();
    await waitFor(async () => (await preview.locator('li').count()) === 8, 'eight previewed runs');
    // Eight monthly runs always cross one of Berlin's two offset changes.
    await preview.locator('.badge', { hasText: 'DST' }).first().waitFor();
    expect(await preview.locator('li').first().innerText()).toMatch(/09:00:00\+0[12]:00/);
    await form.locator('input[name=cron]').fill('0 9 31 2 *');
    await preview.getByText('never fires (no such date)').waitFor(); // the API's own message
    await form.locator('input[name=cron]').fill('0 9 1 * *');
    await waitFor(async () => (await preview.locator('li').count()) === 8, 'the preview again');
    await shot(page, 'schedules');
    await page.click('text=Create schedule');
    await page.locator('tr[data-schedule=monthly-report]').waitFor();
  });

  it('creates an API key shown once and revokes it', async () => {
    await page.goto(`${host.url}/ui/#/keys`);
    await page.selectOption('select[name=role]', 'operator');
    await page.fill('form[aria-label="New API key"] input[name=description]', 'made in the browser');
    await page.click('text=Create key');
    const key = await page.locator('[data-testid=shown-once]').innerText();
    expect(key).toMatch(/^[^:]+:\S+$/);
    const keyId = key.split(':')[0]!;
    expect((await apiCaller(host.url, key)('GET', '/api/v1/me')).json.role).toBe('operator');
    await page.click('text=I have copied it');
    const row = page.locator(`tr[data-key="${keyId}"]`);
    await row.locator('button:has-text("Revoke")').click();
    await row.locator(`button:has-text("Revoke ${keyId}")`).click();
    await row.waitFor({ state: 'detached' });
    expect((await apiCaller(host.url, key)('GET', '/api/v1/me')).status).toBe(401);
  });

  it('reads on a phone and in the dark', async () => {
    const { context, page: phone } = await signedIn(browser, host.url, host.adminKey, {
      viewport: { width: 390, height: 844 },
      colorScheme: 'dark',
    });
    try {
      await phone.goto(`${host.url}/ui/#/jobs`);
      await phone.locator('[data-testid=jobs-table] tbody tr').first().waitFor();
      // Nothing wider than the screen but the table's own scroller.
      const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      const bg = await phone.evaluate(() => getComputedStyle(document.body).backgroundColor);
      expect(bg).toBe('rgb(15, 18, 22)');
      await shot(phone, 'phone-dark');
    } finally {
      await context.close();
    }
    expect(csp).toEqual([]);
  });
});
