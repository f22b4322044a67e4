// Helpers for the webhook suites (test/integration/webhooks*.test.ts).
import { expect } from 'vitest';
import { uniqueName, type Api } from '../support/api';
import { http, type HttpResult } from '../support/http';

export interface CreatedHook {
  name: string;
  uri: string;
  token: string;
  /** Path and query for http(): `/webhooks?token=...`. */
  path: string;
  body: any;
}

export async function createHook(a: Api, def: Record<string, unknown>): Promise<CreatedHook> {
  const name = (def.name as string | undefined) ?? uniqueName('hook');
  const r = await a.call('POST', '/api/v1/webhooks', { name, ...def });
  expect(r.status, r.text).toBe(201);
  const uri = String(r.json.uri);
  const u = new URL(uri);
  return { name, uri, token: u.searchParams.get('token')!, path: `${u.pathname}${u.search}`, body: r.json };
}

/** POST to a webhook path with a raw body (string or bytes) and headers. */
export function invoke(url: string, path: string, body: string | Buffer = '', headers: Record<string, string> = {}): Promise<HttpResult> {
  return http(url, path, { method: 'POST', body: typeof body === 'string' ? body : new Uint8Array(body), headers });
}

export async function jobOf(a: Api, r: HttpResult): Promise<string> {
  expect(r.status, r.text).toBe(202);
  expect(r.headers.get('content-type')).toMatch(/application\/json/);
  expect(Object.keys(r.json)).toEqual(['JobIds']);
  expect(r.json.JobIds).toHaveLength(1);
  return r.json.JobIds[0] as string;
}

export async function outputText(a: Api, jobId: string): Promise<string> {
  await a.waitForStatus(jobId, ['Completed', 'Failed', 'Stopped']);
  const r = await a.call('GET', `/api/external/runbook/jobs/${jobId}/output/text`);
  expect(r.status, r.text).toBe(200);
  return r.text;
}

/** A node runbook that records nothing but succeeds; its parameters are what the job record shows. */
export async function paramRunbook(a: Api, parameters: unknown[], content?: string): Promise<string> {
  return a.createRunbook({
    name: uniqueName('whrb'),
    type: 'node',
    parameters,
    content: content ?? "module.exports = async (params, ctx) => { ctx.output('ok'); };",
  });
}

export async function jobCount(a: Api, runbook: string): Promise<number> {
  const r = await a.call('GET', `/api/v1/jobs?runbook=${encodeURIComponent(runbook)}&top=100`);
  expect(r.status, r.text).toBe(200);
  return (r.json.value as unknown[]).length;
}
