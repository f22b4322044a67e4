/**
 * A local host for the bench (the same child process `npm start` runs, started by the test
 * support's startHost) and the one API client (client/) to drive it. The bench's only door into
 * test/support/.
 */
import http from 'node:http';
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
 * The load generator's HTTP client: node:http on kept-alive connections, the way autocannon (the
 * load generator of the comparison) sends requests. The load loop shares the machine's
 * cores with the service and its storage, so what it spends per request is taken from them: fetch
 * (undici's web-standard Request/Response, web streams) costs ~0.6 ms of CPU per call here,
 * node:http about a third of that. Nothing of the service's work is skipped: the whole answer is
 * read.
 */
const loadAgent = new http.Agent({ keepAlive: true, maxSockets: 256 });

export function post(uri: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      uri,
      {
        method: 'POST',
        agent: loadAgent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** One webhook call as a load loop's operation. */
export const postHook = (uri: string) => async (): Promise<boolean> => (await post(uri, '{}')).status === 202;
