// A thin client for the integration suites: authenticated calls, job polling, runbook creation.
import { randomBytes } from 'node:crypto';
import { http, waitFor, type HttpResult } from './http';

export const basic = (key: string): string => `Basic ${Buffer.from(key).toString('base64')}`;
export const uniqueName = (prefix: string): string => `${prefix}-${randomBytes(4).toString('hex')}`;

export interface Api {
  url: string;
  key: string;
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<HttpResult>;
  waitForStatus(jobId: string, statuses: string[], timeoutMs?: number): Promise<any>;
  createRunbook(def: Record<string, unknown>, publish?: boolean): Promise<string>;
}

export function api(url: string, key: string): Api {
  const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    http(url, path, {
      method,
      headers: { Authorization: basic(key), ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
  return {
    url,
    key,
    call,
    async waitForStatus(jobId, statuses, timeoutMs = 45_000) {
      return waitFor(async () => {
        const r = await call('GET', `/api/v1/jobs/${jobId}`);
        return statuses.includes(r.json?.status) ? r.json : undefined;
      }, `job ${jobId} to reach ${statuses.join('|')}`, timeoutMs, 150);
    },
    async createRunbook(def, publish = true) {
      const r = await call('POST', '/api/v1/runbooks', def);
      if (r.status !== 201) throw new Error(`create runbook: ${r.status} ${r.text}`);
      if (publish) {
        const p = await call('POST', `/api/v1/runbooks/${def.name}/publish`);
        if (p.status !== 200) throw new Error(`publish runbook: ${p.status} ${p.text}`);
      }
      return String(def.name);
    },
  };
}
