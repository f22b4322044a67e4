// The dashboard's notification targets, audit log and source control pages in a real browser over
// the real local host: a target made in the page (its signing secret shown once, then gone), a job
// delivered to a real receiver on loopback, the delivery and its attempt in the page, redelivered;
// the audit log showing the target's creation by its principal, filtered by resource, exported as
// JSON lines; a source control made in the page whose "Sync now" fails with the clear reason; and a
// reader who sees what readers may read with no control that changes anything.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startHost, waitFor, type RunningHost } from '../support/host';
import { startReceiver, type Receiver } from '../integration/notifications-support';
import { startGitServer, type GitServer } from '../support/gitServer';
import { ensureUi } from '../../scripts/ui-ensure';
import { apiCaller, createKey, inBatches, launch, shot, signedIn } from './dashboard-support';

let host: RunningHost;
let rx: Receiver;
let git: GitServer;
let browser: Browser;
let page: Page;
let csp: string[];
let call: ReturnType<typeof apiCaller>;
let jobId: string;
const pageErrors: string[] = [];
const adminKeyId = () => host.adminKey.split(':')[0]!;

beforeAll(async () => {
  ensureUi();
  [host, rx, git] = await Promise.all([
    startHost({
      env: {
        HOOKBOOK_GIT_ALLOW_HTTP: 'true', // the test's git server is plain http on loopback
        HOOKBOOK_GIT_CACHE_DIR: mkdtempSync(path.join(tmpdir(), 'hookbook-dash-git-')),
        HOOKBOOK_NOTIFY_ALLOW_PRIVATE: 'true', // the receiver is on loopback
        HOOKBOOK_NOTIFY_RETRY_BASE_MS: '300',
        HOOKBOOK_NOTIFY_TIMEOUT_SECONDS: '3',
      },
    }),
    startReceiver(),
    startGitServer(),
  ]);
  call = apiCaller(host.url, host.adminKey);
  browser = await launch();
  ({ page, cspViolations: csp } = await signedIn(browser, host.url, host.adminKey));
  page.on('pageerror', (e) => pageErrors.push(String(e.stack ?? e)));
  const created = await call('POST', '/api/v1/runbooks', { name: 'nightly-report', type: 'bash', content: 'echo "report done"\n' });
  expect(created.status, created.text).toBe(201);
  expect((await call('POST', '/api/v1/runbooks/nightly-report/publish')).status).toBe(200);
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await host?.stop();
  await rx?.close();
  await git?.close();
});

describe('dashboard: notifications, audit log, source controls', () => {
  it('creates a target with its secret shown once, shows a job delivery with its attempt, and redelivers it', async () => {
    await page.goto(`${host.url}/ui/#/notifications`);
    await page.getByText('No notification targets yet').waitFor();
    const form = page.locator('form[aria-label="New notification target"]');
    // The API's own sentence for a bad name, as it came.
    await form.locator('input[name=name]').fill('1-bad');
    await form.locator('input[name=url]').fill(rx.url('ok/ops'));
    await form.locator('button[type=submit]').click();
    await form.locator('.error').getByText(/name/).waitFor();
    await form.locator('input[name=name]').fill('ops');
    await form.locator('input[name=runbooks]').fill('nightly-*');
    await form.locator('input[name=events][value="job.started"]').check();
    await form.locator('input[name=description]').fill('ops channel bridge');
    await form.locator('button[type=submit]').click();
    const secret = await page.locator('[data-testid=shown-once]').innerText();
    expect(secret).toMatch(/^whsec_/);
    await shot(page, 'notification-secret');
    await page.locator('tr[data-target=ops]').getByText('job.started').waitFor();
    const t = await call('GET', '/api/v1/notification-targets/ops');
    expect(t.json).toMatchObject({ runbooks: ['nightly-*'], description: 'ops channel bridge' });
    expect(t.json.events).toContain('job.started');
    await page.locator('button:has-text("I have copied it")').click();
    await page.locator('[data-testid=shown-once]').waitFor({ state: 'detached' });
    const stored = await page.evaluate(() => JSON.stringify({ ...sessionStorage }) + JSON.stringify({ ...localStorage }));
    expect(stored).not.toContain(secret);
    expect(await page.content()).not.toContain(secret);

    // A job of a matching runbook: the receiver hears it, and the page shows the delivery and its attempt.
    const started = await call('POST', '/api/v1/jobs', { runbook: 'nightly-report' });
    expect(started.status, started.text).toBe(202);
    jobId = started.json.jobId;
    await rx.waitFor('ok/ops', 2, 60_000); // job.started and job.completed
    await page.locator('tr[data-target=ops] a').click();
    const table = page.locator('[data-testid=deliveries]');
    const completed = table.locator('tr[data-delivery]', { hasText: 'job.completed' });
    await completed.locator('.status', { hasText: 'delivered' }).waitFor();
    const attempt = completed.locator('[data-testid=attempts] li');
    await attempt.first().getByText('answer 200').waitFor();
    expect(await attempt.first().getAttribute('data-status')).toBe('200');

    // Redeliver: the same delivery id reaches the receiver again, and a second attempt appears.
    const deliveryId = (await completed.getAttribute('data-delivery'))!;
    await completed.locator('button:has-text("Redeliver")').click();
    await waitFor(async () => rx.on('ok/ops').filter((r) => r.headers['webhook-id'] === deliveryId).length === 2, 'the redelivery', 60_000);
    await waitFor(async () => (await attempt.count()) === 2, 'the second attempt in the page', 30_000);
    await shot(page, 'notifications');

    // Rotating shows the new secret once; the old one is not on the page.
    await page.locator('button:has-text("Rotate secret")').click();
    await page.locator('button:has-text("Rotate: the old secret")').click();
    const rotated = await page.locator('[data-testid=shown-once]').innerText();
    expect(rotated).toMatch(/^whsec_/);
    expect(rotated).not.toBe(secret);
    await page.locator('button:has-text("I have copied it")').click();
    await page.locator('[data-testid=target-facts]').getByText('secret rotated').waitFor();
    expect(await page.content()).not.toContain(rotated.slice(6));

    // A change in the page: job.started no longer ticked, the runbooks filter removed.
    await page.locator('summary:has-text("Change")').click();
    const change = page.locator('form[aria-label="Change ops"]');
    await change.locator('input[name=events][value="job.started"]').uncheck();
    await change.locator('input[name=runbooks]').fill('');
    await change.locator('button[type=submit]').click();
    await change.getByText('Saved.').waitFor();
    const changed = (await call('GET', '/api/v1/notification-targets/ops')).json;
    expect(changed.events).not.toContain('job.started');
    expect(changed.runbooks).toBeUndefined();

    // The job's page lists its notifications.
    await page.goto(`${host.url}/ui/#/jobs/${jobId}`);
    await page.locator(`[data-testid=job-notifications] tr[data-delivery="${deliveryId}"]`).getByText('delivered').waitFor();
  });

  it('lists the audit trail with the principal, filters it by resource and exports it', async () => {
    await page.goto(`${host.url}/ui/#/audit`);
    const rows = page.locator('[data-testid=audit] tr[data-entry]');
    const creation = page.locator('[data-testid=audit] tr[data-operation=notificationTargetsCreate]').filter({ hasText: 'succeeded' });
    await creation.first().waitFor();
    expect(await creation.first().innerText()).toContain(adminKeyId());
    expect(await creation.first().innerText()).toContain('ops');
    await page.locator('[data-testid=audit] tr[data-operation=runbooksCreate]').first().waitFor();
    await page.locator('form[aria-label=Filters] input[name=resource]').fill('notification-targets');
    await page.locator('form[aria-label=Filters] input[name=resource]').press('Enter');
    await page.waitForFunction(() => location.hash.includes('resource=notification-targets'));
    await page.locator('[data-testid=audit] tr[data-operation=runbooksCreate]').first().waitFor({ state: 'detached' });
    await creation.first().waitFor();
    const resources = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-resource')));
    expect(resources.length).toBeGreaterThan(0);
    expect(new Set(resources)).toEqual(new Set(['notification-targets']));
    await shot(page, 'audit');

    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('button:has-text("Export JSON lines")').click()]);
    const lines = readFileSync((await download.path())!, 'utf8')
      .trim()
      .split('\n');
    const entries = lines.map((l) => JSON.parse(l) as { resource: string; operation: string });
    expect(entries.every((e) => e.resource === 'notification-targets')).toBe(true);
    expect(entries.map((e) => e.operation)).toContain('notificationTargetsCreate');

    // Older: 55 changes of variables are more than a page (50); a link with the filter shows them,
    // and the two pages hold every one of them once.
    await inBatches([...Array(55).keys()], 5, async (i) => {
      expect((await call('POST', '/api/v1/assets/variables', { name: `v${i}`, value: String(i) })).status).toBe(201);
    });
    await page.goto(`${host.url}/ui/#/audit?resource=assets&operation=assetsVariableCreate`);
    const names = () => rows.evaluateAll((trs) => trs.map((tr) => tr.querySelector('td:nth-child(4) .small')?.textContent ?? ''));
    await waitFor(async () => (await rows.count()) === 50, 'a full first page', 30_000);
    const first = await names();
    await page.locator('nav.pager button:has-text("Older")').click();
    await page.locator('[data-testid=page-no]').getByText('Page 2').waitFor();
    await waitFor(async () => (await rows.count()) === 5, 'the 5 older entries', 30_000);
    const second = await names();
    expect(new Set([...first, ...second])).toEqual(new Set([...Array(55).keys()].map((i) => `v${i}`)));
    expect(second).toContain('v0');
    expect(await page.locator('nav.pager').getAttribute('data-more')).toBe('no');
  });

  it('creates a source control whose sync fails with the reason, and a dry run', async () => {
    await page.goto(`${host.url}/ui/#/source-controls`);
    await page.getByText('No source controls yet').waitFor();
    const form = page.locator('form[aria-label="New source control"]');
    await form.locator('input[name=name]').fill('team-runbooks');
    await form.locator('input[name=repoUrl]').fill('https://127.0.0.1:1/none.git');
    await form.locator('input[name=folder]').fill('runbooks');
    await form.locator('input[name=syncOnSchedule]').uncheck();
    await form.locator('button[type=submit]').click();
    const pushSecret = await page.locator('[data-testid=shown-once]').innerText();
    expect(pushSecret.length).toBeGreaterThanOrEqual(16);
    expect(await page.locator('[data-testid=push-url]').innerText()).toBe(`${host.url}/api/v1/source-controls/team-runbooks/push`);
    await page.locator('button:has-text("I have copied it")').click();
    expect(await page.content()).not.toContain(pushSecret);

    await page.locator('tr[data-source=team-runbooks] a').click();
    await page.locator('[data-testid=source-facts]').getByText('not on the schedule').waitFor();
    await page.getByText('No sync yet').waitFor();
    await page.locator('button:has-text("Sync now")').click();
    const failed = page.locator('[data-testid=runs] details[data-status=Failed]');
    await failed
      .locator('[data-testid=sync-error]')
      .getByText(/could not be reached/)
      .waitFor({ timeout: 60_000 });
    await page.locator('button:has-text("Dry run")').click();
    await page.locator('[data-testid=runs] details[data-status=Failed]', { hasText: 'dry run' }).waitFor({ timeout: 60_000 });
    expect(await failed.count()).toBe(2);
    await shot(page, 'source-control');

    // A change in the page reaches the API.
    await page.locator('summary:has-text("Change")').click();
    await page.locator('form[aria-label="Change team-runbooks"] input[name=branch]').fill('release/2026');
    await page.locator('form[aria-label="Change team-runbooks"] button[type=submit]').click();
    await page.getByText('Saved: the next sync uses it.').waitFor();
    expect((await call('GET', '/api/v1/source-controls/team-runbooks')).json.branch).toBe('release/2026');
  });

  it('syncs a real repository: the run lists what it added and skipped, and the runbook shows its commit', async () => {
    const repo = git.repo('team');
    const commit = repo.commit({ 'hb/ops/disk.sh': 'df -h\n', 'hb/README.md': '# ours\n' }, 'first runbooks');
    const cred = await call('POST', '/api/v1/assets/credentials', { name: 'git-token', userName: 'x-access-token', password: git.token });
    expect(cred.status, cred.text).toBe(201);
    await page.goto(`${host.url}/ui/#/source-controls`);
    await page.locator('summary:has-text("New source control")').click();
    const form = page.locator('form[aria-label="New source control"]');
    await form.locator('input[name=name]').fill('team-git');
    await form.locator('input[name=repoUrl]').fill(repo.url);
    await form.locator('input[name=folder]').fill('hb');
    await form.locator('input[name=credential]').fill('git-token');
    await form.locator('input[name=runbookPrefix]').fill('gs-');
    await form.locator('input[name=syncOnSchedule]').uncheck();
    await form.locator('button[type=submit]').click();
    await page.locator('button:has-text("I have copied it")').click();
    await page.locator('tr[data-source=team-git] a').click();
    await page.locator('button:has-text("Sync now")').click();
    const run = page.locator('[data-testid=runs] details[data-status=Succeeded]');
    await run.waitFor({ timeout: 60_000 });
    await run.locator('summary').click();
    await run.getByText(commit).waitFor();
    await run.locator('[data-testid=skipped]').getByText("unknown extension '.md'").waitFor();
    const added = run.locator('a[href^="#/runbooks/gs-"]');
    expect(await added.count()).toBe(1);
    await page.locator('[data-testid=source-facts]').getByText(commit).waitFor();
    await shot(page, 'source-control-synced');
    await added.click();
    const origin = page.locator('[data-testid=git-source]');
    await origin.getByText(commit.slice(0, 10)).waitFor();
    expect(await origin.innerText()).toContain('ops/disk.sh');
    expect(await origin.locator('a[href="#/source-controls/team-git"]').count()).toBe(1);
  });

  it('shows a reader what readers may read, with no control that changes anything', async () => {
    const reader = await createKey(call, 'reader', 'dashboard reader');
    const { context, page: rp, cspViolations } = await signedIn(browser, host.url, reader.key);
    try {
      const controls = () => rp.locator('main button, main input, main select, main textarea, main form').count();
      await rp.locator('nav[aria-label=Main] a[href="#/source-controls"]').waitFor();
      const nav = await rp.locator('nav[aria-label=Main]').innerText();
      expect(nav).not.toContain('Audit');
      expect(nav).not.toContain('Notifications');
      await rp.goto(`${host.url}/ui/#/source-controls`);
      await rp.locator('tr[data-source=team-runbooks]').waitFor();
      expect(await controls()).toBe(0);
      await rp.goto(`${host.url}/ui/#/source-controls/team-runbooks`);
      await rp.locator('[data-testid=runs] details[data-status=Failed]').first().waitFor();
      expect(await controls()).toBe(0);
      await rp.goto(`${host.url}/ui/#/jobs/${jobId}`);
      await rp.locator('[data-testid=job-notifications] tr[data-delivery]').first().waitFor();
      expect(await rp.locator('main button:has-text("Redeliver")').count()).toBe(0);
      // The admin-only pages, forced by URL: the API's refusal, and nothing to press.
      for (const at of ['#/notifications', '#/audit']) {
        await rp.goto(`${host.url}/ui/${at}`);
        await rp.locator('.error').getByText('403').waitFor();
        expect(await rp.locator('main form[aria-label^="New"], main button:has-text("Export")').count(), at).toBe(0);
      }
      expect(cspViolations).toEqual([]);
    } finally {
      await context.close();
    }
    // On a phone: nothing wider than the screen but the tables' own scrollers.
    const phone = await signedIn(browser, host.url, host.adminKey, { viewport: { width: 390, height: 844 } });
    try {
      for (const [at, ready] of [
        ['#/notifications/ops', '[data-testid=deliveries]'],
        ['#/audit', '[data-testid=audit]'],
        ['#/source-controls/team-runbooks', '[data-testid=runs] details'],
      ] as const) {
        await phone.page.goto(`${host.url}/ui/${at}`);
        await phone.page.locator(ready).first().waitFor();
        expect(await phone.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth), at).toBeLessThanOrEqual(0);
      }
    } finally {
      await phone.context.close();
    }
    // Deleting a target asks once more; its deliveries stay readable on the job's page.
    await page.goto(`${host.url}/ui/#/notifications/ops`);
    await page.locator('main button:has-text("Delete")').click();
    await page.locator('button:has-text("Delete ops")').click();
    await page.waitForURL(/#\/notifications$/);
    await page.getByText('No notification targets yet').waitFor();
    expect((await call('GET', '/api/v1/notification-targets/ops')).status).toBe(404);
    await page.goto(`${host.url}/ui/#/jobs/${jobId}`);
    await page.locator('[data-testid=job-notifications] tr[data-delivery]').first().waitFor();

    expect(csp).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
