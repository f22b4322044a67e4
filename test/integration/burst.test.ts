// 500 jobs started concurrently all complete, counted one by one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHost, type RunningHost } from '../support/host';
import { api, uniqueName, type Api } from '../support/api';
import { waitFor } from '../support/http';

let host: RunningHost;
let a: Api;
beforeAll(async () => {
  host = await startHost();
  a = api(host.url, host.adminKey);
});
afterAll(async () => {
  await host?.stop();
});

describe('burst', () => {
  it('500 concurrent starts: every one accepted, every one Completed with its own output', async () => {
    const name = await a.createRunbook({
      name: uniqueName('burst'),
      type: 'bash',
      parameters: [{ name: 'I', type: 'int', mandatory: true }],
      content: 'echo "n=$I"',
    });
    const started = await Promise.all(
      Array.from({ length: 500 }, async (_, i) => {
        const r = await a.call('POST', '/api/v1/jobs', { runbook: name, parameters: { I: i } });
        expect(r.status, r.text).toBe(202);
        return { i, jobId: r.json.jobId as string };
      }),
    );
    expect(new Set(started.map((s) => s.jobId)).size).toBe(500);
    // Count completions through the listing (one page of 500), then check each job's own output.
    await waitFor(
      async () => {
        const r = await a.call('GET', `/api/v1/jobs?runbook=${name}&status=Completed&top=500`);
        return r.json.value.length === 500;
      },
      '500 completed jobs',
      300_000,
      1000,
    );
    let checked = 0;
    for (const { i, jobId } of started) {
      const out = await a.call('GET', `/api/external/runbook/jobs/${jobId}/output/text`);
      expect(out.text).toBe(`n=${i}`);
      checked++;
    }
    expect(checked).toBe(500);
  }, 400_000);
});
