// Shared by the dashboard's browser tests: Chromium (Debian's, through playwright-core), a signed-in
// page, screenshots into docs/img, and API calls made beside the browser.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { expect } from 'vitest';
import { http, repoRoot, type HttpResult } from '../support/host';

// Screenshots refresh the pictures in docs/ only when asked (HOOKBOOK_UPDATE_SCREENSHOTS=1), so that an
// ordinary test run leaves the work tree clean; otherwise they go to the ignored test-results/.
export const IMG =
  process.env.HOOKBOOK_UPDATE_SCREENSHOTS === '1' ? path.join(repoRoot, 'docs', 'img') : path.join(repoRoot, 'test-results', 'screenshots');

export async function launch(): Promise<Browser> {
  return launchChromium();
}

/** A fresh context (own sessionStorage) at 1280×720, signed in with `key`; CSP violations collected. */
export async function signedIn(
  browser: Browser,
  url: string,
  key: string,
  opts: { viewport?: { width: number; height: number }; colorScheme?: 'light' | 'dark' } = {},
): Promise<{ context: BrowserContext; page: Page; cspViolations: string[] }> {
  const context = await browser.newContext({
    viewport: opts.viewport ?? { width: 1280, height: 720 },
    colorScheme: opts.colorScheme ?? 'light',
  });
  const page = await context.newPage();
  page.setDefaultTimeout(25_000);
  const cspViolations: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(`${m.text()} at ${page.url()} ${JSON.stringify(m.location())}`);
  });
  await page.goto(`${url}/ui/`);
  await page.fill('#apikey', key);
  await page.click('button[type=submit]');
  await page.waitForSelector('[data-testid=whoami]', { state: 'attached' });
  return { context, page, cspViolations };
}

export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(IMG, { recursive: true });
  await page.screenshot({ path: path.join(IMG, `dashboard-${name}.png`) });
}

export function apiCaller(url: string, key: string) {
  return async (method: string, p: string, body?: unknown): Promise<HttpResult> =>
    http(url, p, {
      method,
      headers: { Authorization: `Bearer ${key}`, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
}

export async function createKey(
  call: ReturnType<typeof apiCaller>,
  role: string,
  description: string,
): Promise<{ keyId: string; key: string }> {
  const r = await call('POST', '/api/v1/keys', { role, description });
  expect(r.status, r.text).toBe(201);
  return r.json;
}

/** Run `f` over `items`, `n` at a time. */
export async function inBatches<T>(items: T[], n: number, f: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) await f(items[next++]!);
    }),
  );
}
