// The dashboard's job list over 2,000 jobs, in a real browser: pages of 50 without gaps or repeats,
// filters (runbook, status, started by) that find exactly the jobs that match, kept in the URL, and
// a status change that shows without a reload. The host runs without its worker (only the HTTP
// functions are loaded), so the jobs stay Queued, or Stopped when stopped: that makes 2,000 jobs
// cheap to create and their statuses known.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startHost, waitFor, type RunningHost } from '../support/host';
import { ensureUi } from '../../scripts/ui-ensure';
import { apiCaller, createKey, inBatches, launch, shot, signedIn } from './dashboard-support';

const JOBS = 2000;
let host: RunningHost;
let browser: Browser;
let page: Page;
let call: ReturnType<typeof apiCaller>;
let keyB: { keyId: string; key: string };
const jobIds: string[] = [];

/** Every row of the listing on screen, following "Older" to the end. */
async function allRows(p: Page): Promise<{ jobId: string; status: string; runbook: string }[]> {
  const seen: { jobId: string; status: string; runbook: string }[] = [];
  for (let pageNo = 1; ; pageNo++) {
    await p.locator('[data-testid=page-no]', { hasText: `Page ${pageNo}` }).waitFor();
    await p.locator('[data-testid=jobs-table][aria-busy=false]').waitFor();
    // Whether there is an older page, as known once this page is in (not the button, which a
    // background refresh disables for a moment).
    const more = await p.locator('nav.pager[data-more]').getAttribute('data-more');
    const rows = await p.locator('[data-testid=jobs-table] tbody tr').evaluateAll((trs) =>
      trs.map((tr) => ({
        jobId: tr.getAttribute('data-job')!,
        status: tr.getAttribute('data-status')!,
        runbook: tr.children[1]!.textContent!,
      })),
    );
    seen.push(...rows);
    if (more === 'no') return seen;
    await p.locator('button:has-text("Older"):enabled').click();
  }
}

beforeAll(async () => {
  ensureUi();
  host = await startHost({ env: { HOOKBOOK_FUNCTIONS_GLOB: 'functions/manage-*.ts,functions/ui.ts,functions/health.ts' } });
  call = apiCaller(host.url, host.adminKey);
  for (const name of ['list-a', 'list-b']) {
    expect((await call('POST', '/api/v1/runbooks', { name, type: 'bash', content: 'echo hi\n' })).status).toBe(201);
    expect((await call('POST', `/api/v1/runbooks/${name}/publish`)).status).toBe(200);
  }
  const keyA = await createKey(call, 'operator', 'starter a');
  keyB = await createKey(call, 'operator', 'starter b');
  const asA = apiCaller(host.url, keyA.key);
  const asB = apiCaller(host.url, keyB.key);
  // Job i: runbook list-a when i is even, list-b when odd; started by B when i % 4 is 2 or 3; stopped when i % 5 == 0.
  const indexes = Array.from({ length: JOBS }, (_, i) => i);
  await inBatches(indexes, 12, async (i) => {
    const r = await (i % 4 >= 2 ? asB : asA)('POST', '/api/v1/jobs', { runbook: i % 2 ? 'list-b' : 'list-a' });
    expect(r.status, r.text).toBe(202);
    jobIds[i] = r.json.jobId;
  });
  await inBatches(
    indexes.filter((i) => i % 5 === 0 && i !== 0),
    12,
    async (i) => {
      const r = await call('POST', `/api/v1/jobs/${jobIds[i]}/stop`);
      expect(r.json.status).toBe('Stopped');
    },
  );
  browser = await launch();
  ({ page } = await signedIn(browser, host.url, host.adminKey));
}, 900_000);

afterAll(async () => {
  await browser?.close();
  await host?.stop();
});

describe('dashboard job list', () => {
  it('pages through 2,000 jobs newest first, each exactly once', async () => {
    await page.goto(`${host.url}/ui/#/jobs`);
    const first = await allRowsUpTo(page, 5);
    expect(first).toHaveLength(250);
    expect(new Set(first.map((r) => r.jobId)).size).toBe(250);
    // Newest first: the last created job heads the list (ids are time-ordered v7 UUIDs).
    const newest = [...jobIds].sort().reverse();
    expect(first.map((r) => r.jobId)).toEqual(newest.slice(0, 250));
    await page.click('button:has-text("Newer")');
    await page.locator('[data-testid=page-no]', { hasText: 'Page 4' }).waitFor();
    await page.locator('[data-testid=jobs-table][aria-busy=false]').waitFor();
    expect(await page.locator('[data-testid=jobs-table] tbody tr').first().getAttribute('data-job')).toBe(newest[150]);
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot(page, 'jobs');
  });

  it('filters by runbook and status, from the controls, kept in the URL', async () => {
    await page.goto(`${host.url}/ui/#/jobs`);
    await page.selectOption('select[name=runbook]', 'list-b');
    await page.selectOption('select[name=status]', 'Stopped');
    await waitFor(() => /runbook=list-b/.test(page.url()) && /status=Stopped/.test(page.url()), 'the filters in the URL');
    const rows = await allRows(page);
    const expected = jobIds.filter((_, i) => i % 2 === 1 && i % 5 === 0);
    expect(rows).toHaveLength(expected.length);
    expect(new Set(rows.map((r) => r.jobId))).toEqual(new Set(expected));
    expect(rows.every((r) => r.status === 'Stopped' && r.runbook === 'list-b')).toBe(true);
  });

  it('filters by who started the jobs, from a shared link', async () => {
    await page.goto(`${host.url}/ui/#/jobs?runbook=list-a&startedBy=${encodeURIComponent(keyB.keyId)}`);
    const rows = await allRows(page);
    expect(rows).toHaveLength(jobIds.filter((_, i) => i % 2 === 0 && i % 4 >= 2).length);
    expect(rows.every((r) => r.runbook === 'list-a')).toBe(true);
    expect(await page.inputValue('input[name=startedBy]')).toBe(keyB.keyId);
  });

  it('shows a status change without a reload', async () => {
    await page.goto(`${host.url}/ui/#/jobs?status=Queued`);
    await page.locator('[data-testid=page-no]', { hasText: 'Page 1' }).waitFor();
    await page.locator('[data-testid=jobs-table][aria-busy=false]').waitFor();
    const top = (await page.locator('[data-testid=jobs-table] tbody tr').first().getAttribute('data-job'))!;
    await page.goto(`${host.url}/ui/#/jobs`);
    const row = page.locator(`tr[data-job="${top}"]`);
    await row.waitFor();
    expect(await row.getAttribute('data-status')).toBe('Queued');
    expect((await call('POST', `/api/v1/jobs/${top}/stop`)).json.status).toBe('Stopped');
    await waitFor(async () => (await row.getAttribute('data-status')) === 'Stopped', 'the row to turn Stopped', 60_000);
  });
});

/** The first `pages` pages (following "Older"). */
async function allRowsUpTo(p: Page, pages: number) {
  const seen: { jobId: string }[] = [];
  for (let pageNo = 1; pageNo <= pages; pageNo++) {
    await p.locator('[data-testid=page-no]', { hasText: `Page ${pageNo}` }).waitFor();
    await p.locator('[data-testid=jobs-table][aria-busy=false]').waitFor();
    seen.push(
      ...(await p
        .locator('[data-testid=jobs-table] tbody tr')
        .evaluateAll((trs) => trs.map((tr) => ({ jobId: tr.getAttribute('data-job')! })))),
    );
    if (pageNo < pages) await p.click('button:has-text("Older"):enabled');
  }
  return seen;
}
