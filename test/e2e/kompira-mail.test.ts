// End to end, in a real browser (Debian's chromium driven by playwright-core): the notification
// e-mail of seed 003 is rendered by POST /api/v1/kompira/mail, opened, its button clicked; the
// browser lands on Kompira's answer `"/process/<jobId>"`, and that process completes.
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { http, waitFor } from '../support/http';

const url = inject('hookbookUrl');
const admin = inject('hookbookAdminKey');
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

async function renderMail(body: Record<string, unknown>): Promise<{ html: string; url: string }> {
  const r = await http(url, '/api/v1/kompira/mail', {
    method: 'POST',
    headers: { Authorization: `Token ${admin}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(r.status, r.text).toBe(201);
  return r.json;
}

async function processWhenEnded(jobId: string): Promise<any> {
  return waitFor(
    async () => {
      const r = await http(url, `/kompira/process/${jobId}?format=json`, { headers: { Authorization: `Token ${admin}` } });
      return ['DONE', 'ABORTED'].includes(r.json?.status) ? r.json : undefined;
    },
    `process ${jobId} to end`,
    60_000,
    200,
  );
}

describe('the Kompira notification e-mail in a browser', () => {
  it('the button starts the jobflow; the browser shows "/process/<id>" and the job completes', async () => {
    const mail = await renderMail({
      path: '/root/restart_process',
      subject: '[ALERT] Server Down',
      message: 'サーバーがダウンしました',
      buttonLabel: 'httpd をリブート',
      parameters: { service: 'httpd' },
    });
    const page = await browser.newPage();
    try {
      await page.setContent(mail.html);
      expect(await page.textContent('body')).toContain('サーバーがダウンしました');
      await Promise.all([page.waitForURL(/\/kompira\/root\/restart_process\.execute/), page.click('input[type=submit]')]);
      // As in the seed: the browser shows the JSON string with the process id.
      const shown = (await page.textContent('body'))?.trim() ?? '';
      const jobId = /^"\/process\/([0-9a-f-]{36})"$/.exec(shown)?.[1];
      expect(jobId, `the page shows ${shown}`).toBeDefined();
      const p = await processWhenEnded(jobId!);
      expect(p).toMatchObject({
        status: 'DONE',
        hookbook_status: 'Completed',
        result: true,
        job: '/root/restart_process',
        parameters: { service: 'httpd' },
      });
      expect(p.console).toContain('httpd restarted');
    } finally {
      await page.close();
    }
  });

  it('with format html, a person lands on a page that links to the live process page', async () => {
    const mail = await renderMail({ path: '/root/restart_process', format: 'html', parameters: { service: 'nginx' } });
    const page = await browser.newPage();
    try {
      await page.setContent(mail.html);
      await Promise.all([page.waitForURL(/\.execute/), page.click('input[type=submit]')]);
      expect(await page.textContent('h1')).toBe('Job started');
      await Promise.all([page.waitForURL(/\/kompira\/process\/[0-9a-f-]{36}\?sig=/), page.click('a#process')]);
      const jobId = /\/process\/([0-9a-f-]{36})/.exec(page.url())![1]!;
      // The page refreshes itself until the process ends; wait for the browser to show DONE.
      await waitFor(
        async () => (await page.textContent('#status', { timeout: 5_000 }).catch(() => null)) === 'DONE',
        'the page to show DONE',
        60_000,
        200,
      );
      expect(await page.textContent('#console')).toContain('nginx restarted');
      expect(await page.textContent('#result')).toBe('true');
      // The key is nowhere on the pages the person saw.
      const key = decodeURIComponent(/token=([^&]+)/.exec(mail.url)![1]!);
      expect(await page.content()).not.toContain(key.split(':')[1]);
      expect((await processWhenEnded(jobId)).status).toBe('DONE');
    } finally {
      await page.close();
    }
  });
});
