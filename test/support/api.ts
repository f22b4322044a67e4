// The integration suites' view of the API: the one client (client/) with an admin or scoped key,
// its raw `call` for asserting on any answer, job polling and runbook creation.
import { randomBytes } from 'node:crypto';
import { basicAuth, HookbookClient } from '../../client';
import { waitFor, type HttpResult } from './http';

export const basic = basicAuth;
export const uniqueName = (prefix: string): string => `${prefix}-${randomBytes(4).toString('hex')}`;

export interface Api {
  url: string;
  key: string;
  client: HookbookClient;
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<HttpResult>;
  /** The job as JSON (suites read into its parameters and result freely). */
  waitForStatus(jobId: string, statuses: string[], timeoutMs?: number): Promise<any>;
  createRunbook(def: Record<string, unknown>, publish?: boolean): Promise<string>;
}

export function api(url: string, key: string): Api {
  const client = new HookbookClient({ url, credentials: { key } });
  const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpResult> =>
    client.request(method, path, { body, headers });
  return {
    url,
    key,
    client,
    call,
    async waitForStatus(jobId, statuses, timeoutMs = 45_000) {
      return waitFor(
        async () => {
          const r = await call('GET', `/api/v1/jobs/${jobId}`);
          return statuses.includes(r.json?.status) ? r.json : undefined;
        },
        `job ${jobId} to reach ${statuses.join('|')}`,
        timeoutMs,
        150,
      );
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
