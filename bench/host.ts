/**
 * A local host for the bench (the same child process `npm start` runs, started by the test
 * support's startHost) and the one API client (client/) to drive it. The bench's only door into
 * test/support/.
 */
import { HookbookClient } from '../client';
import { startHost, type RunningHost, type StartHostOptions } from '../test/support/host';

/** The pwsh the tests use (PATH or HOOKBOOK_PWSH_PATH), or undefined. */
export { testPwsh } from '../test/support/pwsh';
/** Real `hookbook worker` processes (bench/hybrid.ts). */
export { startWorker, type RunningWorker } from '../test/support/worker';

export interface BenchHost {
  host: RunningHost;
  api: HookbookClient;
  /** Creates and publishes a runbook. */
  runbook(name: string, type: 'bash' | 'node' | 'python3' | 'pwsh', content: string): Promise<void>;
  /** Creates a webhook; its URL. */
  webhook(name: string, runbook: string): Promise<string>;
  /** Starts a job; its id. */
  start(runbook: string): Promise<string>;
  /** Follows the job's stream until `end`; its status. */
  waitEnd(jobId: string): Promise<string>;
  stop(): Promise<number>;
}

export async function benchHost(opts: StartHostOptions): Promise<BenchHost> {
  const host = await startHost(opts);
  const api = new HookbookClient({ url: host.url, credentials: { key: host.adminKey } });
  return {
    host,
    api,
    async runbook(name, type, content) {
      await api.runbooks.create({ name, type, content });
      await api.runbooks.publish(name);
    },
    async webhook(name, runbook) {
      return (await api.webhooks.create({ name, runbook })).uri;
    },
    async start(runbook) {
      return (await api.jobs.start(runbook)).jobId;
    },
    async waitEnd(jobId) {
      return (await api.jobs.follow(jobId, { onRecord: () => {} })).status;
    },
    stop: () => host.stop(),
  };
}

/**
 * One webhook call as a load loop's operation. Plain fetch on purpose: the loop measures the
 * service, so it does no more per request than read the answer.
 */
export const postHook = (uri: string) => async (): Promise<boolean> => {
  const res = await fetch(uri, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
  await res.arrayBuffer();
  return res.status === 202;
};
