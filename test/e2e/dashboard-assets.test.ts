// The dashboard's assets page in a real browser over the real local host: a credential created in
// the page is read by a job of a runbook that declares it, and its password is nowhere the browser
// can show or keep it (DOM, every response body, storage); a variable edited in the page is what the
// next job reads; the audit trail links the job; and the New schedule form's generated parameter
// fields schedule a runbook with a mandatory parameter (issue 25, defect 2).
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startHost, waitFor, type RunningHost } from '../support/host';
import { ensureUi } from '../../scripts/ui-ensure';
import { apiCaller, launch, shot, signedIn } from './dashboard-support';

let host: RunningHost;
let browser: Browser;
let page: Page;
let csp: string[];
let call: ReturnType<typeof apiCaller>;
/** Every response body the page received (SSE bodies included once they end). */
const bodies: Promise<string>[] = [];
/** Uncaught errors in the page: a render that throws leaves a blank screen. */
const pageErrors: string[] = [];

const PASSWORD = `pw-${Math.random().toString(36).slice(2)}-Zq9!`;
const NEW_GREETING = 'hello from the page';
const TOKEN = `tok-${Math.random().toString(36).slice(2)}-secret`;

async function publish(name: string, content: string, extra: Record<string, unknown>): Promise<void> {
  const created = await call('POST', '/api/v1/runbooks', { name, type: 'bash', content, ...extra });
  expect(created.status, created.text).toBe(201);
  const published = await call('POST', `/api/v1/runbooks/${name}/publish`);
  expect(published.status, published.text).toBe(200);
}

async function runToEnd(runbook: string, parameters: Record<string, unknown> = {}): Promise<{ jobId: string; output: string }> {
  const started = await call('POST', '/api/v1/jobs', { runbook, parameters });
  expect(started.status, started.text).toBe(202);
  const jobId = started.json.jobId as string;
  const job = await waitFor(
    async () => {
      const j = (await call('GET', `/api/v1/jobs/${jobId}`)).json;
      return ['Completed', 'Failed', 'Stopped'].includes(j.status) && j;
    },
    `job ${jobId} to end`,
    90_000,
  );
  const streams = (await call('GET', `/api/v1/jobs/${jobId}/streams`)).json.value as { streamType: string; streamText: string }[];
  const output = streams.map((s) => s.streamText).join('\n');
  expect(job.status, `${job.exception ?? ''}\n${output}`).toBe('Completed');
  return { jobId, output };
}

beforeAll(async () => {
  ensureUi();
  host = await startHost();
  call = apiCaller(host.url, host.adminKey);
  browser = await launch();
  ({ page, cspViolations: csp } = await signedIn(browser, host.url, host.adminKey));
  page.on('response', (r) => bodies.push(r.text().catch(() => '')));
  page.on('pageerror', (e) => pageErrors.push(String(e.stack ?? e)));
  await publish(
    'uses-credential',
    [
      'user=$(hookbook-asset credential svc-account --user)',
      'pass=$(hookbook-asset credential svc-account --password)',
      'echo "user $user"',
      'echo "password sha $(printf %s "$pass" | sha256sum | cut -c1-16)"',
      'echo "greeting $(hookbook-asset get greeting)"',
      '',
    ].join('\n'),
    { assets: { credentials: ['svc-account'], variables: ['greeting'] } },
  );
  await publish('needs-name', 'echo "hi $Name"\n', { parameters: [{ name: 'Name', type: 'string', mandatory: true }] });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await host?.stop();
});

describe('dashboard: assets', () => {
  it('creates a credential a declaring runbook reads, and never shows or keeps its password', async () => {
    await page.goto(`${host.url}/ui/#/assets/credentials`);
    await page.getByText('No credentials yet').waitFor();
    const form = page.locator('form[aria-label="New credential"]');
    await form.locator('input[name=name]').fill('svc-account');
    await form.locator('input[name=userName]').fill('CONTOSO\\svc');
    await form.locator('#new-credential-password').fill(PASSWORD);
    await form.locator('#new-credential-password-repeat').fill(`${PASSWORD}x`);
    await form.locator('button[type=submit]').click();
    // Two entries that differ are not sent, and both fields are emptied.
    await form.getByText('The two entries of the password differ').waitFor();
    expect(await form.locator('#new-credential-password').inputValue()).toBe('');
    expect((await call('GET', '/api/v1/assets/credentials')).json.value).toEqual([]);
    await form.locator('#new-credential-password').fill(PASSWORD);
    await form.locator('#new-credential-password-repeat').fill(PASSWORD);
    await form.locator('button[type=submit]').click();
    const row = page.locator('tr[data-asset=svc-account]');
    await row.waitFor();
    // The runbook's manifest declares it: the list says so.
    await row.getByRole('link', { name: 'uses-credential' }).waitFor();
    expect(await form.locator('#new-credential-password').inputValue()).toBe('');
    expect(await form.locator('#new-credential-password-repeat').inputValue()).toBe('');

    // The API's own message for a name it refuses, shown as it came.
    await form.locator('input[name=name]').fill('bad/name');
    await form.locator('input[name=userName]').fill('x');
    await form.locator('#new-credential-password').fill('whatever-1');
    await form.locator('#new-credential-password-repeat').fill('whatever-1');
    await form.locator('button[type=submit]').click();
    await form.getByText(/must hold only letters, digits/).waitFor();
    await form.locator('input[name=name]').fill('');

    const sha = createHash('sha256').update(PASSWORD).digest('hex').slice(0, 16);
    const { jobId, output } = await runToEnd('uses-credential');
    expect(output).toContain('user CONTOSO\\svc');
    expect(output).toContain(`password sha ${sha}`);

    // The asset's page: no password, the declaring runbook, and the job's read in the audit trail.
    await page.goto(`${host.url}/ui/#/assets/credentials/svc-account`);
    await page.locator('[data-testid=declared-by]').getByText('uses-credential').waitFor();
    const read = page.locator(`[data-testid=asset-audit] tr[data-action=read] a[href="#/jobs/${jobId}"]`).first();
    await read.waitFor();
    await page.locator('[data-testid=asset-audit] tr[data-action=create]').getByText(host.adminKey.split(':')[0]!).waitFor();
    await shot(page, 'asset');
    await read.click();
    await page.waitForURL(new RegExp(`#/jobs/${jobId}$`));
    await page.locator('[data-testid=streams]').getByText('user CONTOSO').waitFor();

    // Rotated in the page: the next job reads the new password.
    await page.goto(`${host.url}/ui/#/assets/credentials/svc-account`);
    const edit = page.locator('form[aria-label="Edit svc-account"]');
    const ROTATED = `${PASSWORD}-rotated`;
    await edit.locator('#edit-password').fill(ROTATED);
    await edit.locator('#edit-password-repeat').fill(ROTATED);
    await edit.locator('button[type=submit]').click();
    await edit.getByText('Saved.').waitFor();
    expect(await edit.locator('#edit-password').inputValue()).toBe('');
    const rotatedSha = createHash('sha256').update(ROTATED).digest('hex').slice(0, 16);
    expect((await runToEnd('uses-credential')).output).toContain(`password sha ${rotatedSha}`);
    await page.locator('[data-testid=asset-audit] tr[data-action=update]').first().waitFor();

    // Nowhere in the browser: the DOM (with every field's value), storage, any response it received.
    const dom = await page.evaluate(
      () =>
        document.documentElement.outerHTML +
        document.body.innerText +
        [...document.querySelectorAll('input, textarea')].map((e) => (e as HTMLInputElement).value).join('\n'),
    );
    const storage = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
    await page.goto(`${host.url}/ui/#/`); // ends the live job view's SSE body so it can be read
    const received = await Promise.all(bodies);
    expect(received.length).toBeGreaterThan(10);
    for (const secret of [PASSWORD, ROTATED]) {
      expect(dom).not.toContain(secret);
      expect(storage).not.toContain(secret);
      expect(received.filter((b) => b.includes(secret))).toEqual([]);
    }
  });

  it('edits a variable in the page, and the next job reads the new value', async () => {
    expect((await call('POST', '/api/v1/assets/variables', { name: 'greeting', value: 'hello from the API' })).status).toBe(201);
    expect((await runToEnd('uses-credential')).output).toContain('greeting hello from the API');
    // From the runbook's page, through what it declares, to the variable's page.
    await page.goto(`${host.url}/ui/#/runbooks/uses-credential`);
    const declares = page.locator('[data-testid=runbook-declares]');
    await declares.getByRole('link', { name: 'svc-account' }).waitFor();
    await declares.getByRole('link', { name: 'greeting' }).click();
    await page.waitForURL(/#\/assets\/variables\/greeting$/);
    const edit = page.locator('form[aria-label="Edit greeting"]');
    await edit.locator('#edit-value').fill(NEW_GREETING);
    await edit.locator('button[type=submit]').click();
    await edit.getByText('Saved.').waitFor();
    expect((await runToEnd('uses-credential')).output).toContain(`greeting ${NEW_GREETING}`);

    // The list shows the new value, and a value of the wrong type gets the API's sentence.
    await page.goto(`${host.url}/ui/#/assets/variables`);
    await page.locator('tr[data-asset=greeting]').getByText(NEW_GREETING).waitFor();
    await page.click('summary:has-text("New variable")');
    const form = page.locator('form[aria-label="New variable"]');
    await form.locator('input[name=name]').fill('retries');
    await form.locator('select[name=type]').selectOption('int');
    await form.locator('#new-variable-value').fill('three');
    await form.locator('button[type=submit]').click();
    await form.getByText("variable 'retries' is of type int: the value must be an integer.").waitFor();
    await form.locator('#new-variable-value').fill('3');
    await form.locator('button[type=submit]').click();
    await page.locator('tr[data-asset=retries]').waitFor();
    expect((await call('GET', '/api/v1/assets/variables/retries')).json).toMatchObject({ type: 'int', value: 3 });

    // An encrypted one: typed twice, listed without its value.
    await form.locator('input[name=name]').fill('api-token');
    await form.locator('select[name=type]').selectOption('string');
    await form.locator('input[name=encrypted]').check();
    await form.locator('#new-variable-value').fill(TOKEN);
    await form.locator('#new-variable-value-repeat').fill(TOKEN);
    await form.locator('button[type=submit]').click();
    await page.locator('tr[data-asset=api-token]').getByText('encrypted').waitFor();
    expect((await call('GET', '/api/v1/assets/variables/api-token')).json).toMatchObject({ encrypted: true });
    expect(await form.locator('#new-variable-value').inputValue()).toBe('');
    await page.click('summary:has-text("New variable")');
    await shot(page, 'assets');
    expect(await page.content()).not.toContain(TOKEN);
  });

  it('creates a connection with its secret field write-only', async () => {
    expect(pageErrors).toEqual([]);
    await page.goto(`${host.url}/ui/#/assets/connections`);
    const form = page.locator('form[aria-label="New connection"]');
    await form.locator('input[name=name]').fill('graph-app');
    await form.locator('select[name=connectionType]').selectOption('EntraApp');
    await form.locator('#field-TenantId').fill('contoso.onmicrosoft.com');
    await form.locator('#field-ClientId').fill('11111111-2222-3333-4444-555555555555');
    await form.locator('#field-ClientSecret').fill(TOKEN);
    await form.locator('#field-ClientSecret-repeat').fill(TOKEN);
    await form.locator('button[type=submit]').click();
    const row = page.locator('tr[data-asset=graph-app]');
    await row.getByText('ClientSecret (secret)').waitFor();
    const got = (await call('GET', '/api/v1/assets/connections/graph-app')).json;
    expect(got).toMatchObject({
      connectionType: 'EntraApp',
      secretFields: ['ClientSecret'],
      fields: { TenantId: 'contoso.onmicrosoft.com' },
    });
    await row.getByRole('link', { name: 'graph-app' }).click();
    await page.locator('[data-testid=asset-facts]').getByText('secret: never shown').waitFor();
    const edit = page.locator('form[aria-label="Edit graph-app"]');
    expect(await edit.locator('#edit-field-ClientSecret').inputValue()).toBe('');
    expect(await edit.locator('#edit-field-TenantId').inputValue()).toBe('contoso.onmicrosoft.com');
    expect(await page.content()).not.toContain(TOKEN);

    // Deleted from its page, after asking once more.
    await page.click('button:has-text("Delete")');
    await page.click('button:has-text("Delete connection graph-app")');
    await page.waitForURL(/#\/assets\/connections$/);
    await page.getByText('No connections yet').waitFor();
    expect((await call('GET', '/api/v1/assets/connections/graph-app')).status).toBe(404);
  });

  it('schedules a runbook with a mandatory parameter from the generated fields', async () => {
    await page.goto(`${host.url}/ui/#/schedules`);
    const form = page.locator('form[aria-label="New schedule"]');
    await form.locator('input[name=name]').fill('daily-hi');
    await form.locator('select[name=runbook]').selectOption('needs-name');
    const name = form.locator('#param-Name');
    await name.waitFor();
    expect(await name.getAttribute('required')).not.toBeNull();
    await name.fill('Ada');
    await form.locator('button[type=submit]').click();
    await page.locator('tr[data-schedule=daily-hi], form[aria-label="New schedule"] .error').first().waitFor();
    if (await form.locator('.error').count()) throw new Error(`the dashboard says: ${await form.locator('.error').innerText()}`);
    const s = await call('GET', '/api/v1/schedules/daily-hi');
    expect(s.status, s.text).toBe(200);
    expect(s.json.parameters).toEqual({ Name: 'Ada' });
    expect(csp).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
