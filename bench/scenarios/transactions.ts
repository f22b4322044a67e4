/**
 * 2. Storage transactions per job: the job core run in this process against the bench's Azurite
 * (ingest through the webhook and through startJob, the trigger's receive/delete, the worker),
 * counted by the pipeline policy the storage clients already carry (storageCounter).
 */
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { log } from '../settings';

export interface TxCount {
  job: string;
  lines: number;
  ingest: number;
  trigger: number;
  worker: number;
  streamBatches: number;
  app: number;
  total: number;
  byMethod: Record<string, number>;
}

export async function transactions(connectionString: string): Promise<{ viaApi: TxCount[]; viaWebhook: TxCount[]; repository: TxCount }> {
  process.env.AzureWebJobsStorage = connectionString;
  // Job statistics are written per flush, not per job (docs/dashboard.md): keep a flush timer out of these per-job counts.
  process.env.HOOKBOOK_STATS_FLUSH_SECONDS = '3600';
  process.env.HOOKBOOK_LOG_TRANSITIONS = 'false';
  process.env.HOOKBOOK_PUBLIC_URL = 'http://bench.invalid';
  delete process.env.AzureWebJobsStorage__accountName;
  // Loaded only now: settings() reads the environment once.
  const { storageCounter, queue, table } = await import('../../shared/store/clients');
  const { catalog } = await import('../../shared/runbooks/catalog');
  const { startJob } = await import('../../shared/jobs/start');
  const { runJob } = await import('../../shared/jobs/run');
  const { createWebhook } = await import('../../shared/webhooks/manage');
  const { invokeWebhook } = await import('../../shared/webhooks/invoke');
  const { HttpRequest } = await import('@azure/functions');
  const { JobMessage } = await import('../../shared/model/job');

  let batches = 0;
  const batchCounter: PipelinePolicy = {
    name: 'benchBatchCounter',
    sendRequest(req, next) {
      if (req.url.includes('$batch')) batches++;
      return next(req);
    },
  };
  (await table('streams')).pipeline.addPolicy(batchCounter);

  const quiet = {
    log() {},
    warn: (...a: unknown[]) => log(`worker warn: ${a.join(' ')}`),
    error: (...a: unknown[]) => log(`worker error: ${a.join(' ')}`),
  };
  const scriptFor = (lines: number) =>
    lines === 1 ? 'echo ok' : `for i in $(seq 1 ${lines}); do echo "line $i of the benchmark output"; done`;
  for (const lines of [1, 10, 100, 1000]) {
    const name = `tx-${lines}`;
    await catalog.create({ name, type: 'bash', content: scriptFor(lines), parameters: [], description: '' } as never);
    await catalog.publish(name);
  }
  const hooks: Record<number, string> = {};
  for (const lines of [10, 1000]) hooks[lines] = (await createWebhook({ name: `tx-hook-${lines}`, runbook: `tx-${lines}` } as never)).uri;
  const jobsQueue = await queue('jobs');

  /** One job: ingest → receive → run → delete, counting each phase. */
  async function one(job: string, lines: number, ingest: () => Promise<string>): Promise<TxCount> {
    const base = { ...storageCounter.byMethod };
    const c0 = storageCounter.requests;
    const jobId = await ingest();
    const c1 = storageCounter.requests;
    const got = (await jobsQueue.receiveMessages({ numberOfMessages: 1 })).receivedMessageItems[0];
    if (!got) throw new Error('no queue message after ingest');
    const c2 = storageCounter.requests;
    batches = 0;
    // As the queue-triggered worker does: the message may carry the claim (no read before it).
    const message = JobMessage.parse(JSON.parse(Buffer.from(got.messageText, 'base64').toString('utf8')));
    await runJob(jobId, quiet, message.claim);
    const streamBatches = batches;
    const c3 = storageCounter.requests;
    await jobsQueue.deleteMessage(got.messageId, got.popReceipt);
    const c4 = storageCounter.requests;
    const byMethod: Record<string, number> = {};
    for (const [m, n] of Object.entries(storageCounter.byMethod)) if (n - (base[m] ?? 0)) byMethod[m] = n - (base[m] ?? 0);
    const ingestN = c1 - c0;
    const worker = c3 - c2;
    return {
      job,
      lines,
      ingest: ingestN,
      trigger: c2 - c1 + (c4 - c3),
      worker,
      streamBatches,
      app: ingestN + worker,
      total: c4 - c0,
      byMethod,
    };
  }
  const viaStart = (runbook: string) => async () => (await startJob({ runbook, startedBy: 'bench' })).jobId;
  const viaHook = (uri: string) => async () => {
    const res = await invokeWebhook(
      new HttpRequest({ method: 'POST', url: uri, body: { string: '{}' }, headers: { 'content-type': 'application/json' } }),
    );
    if (res.status !== 202) throw new Error(`webhook answered ${res.status}: ${String(res.body)}`);
    return (JSON.parse(String(res.body)) as { JobIds: string[] }).JobIds[0]!;
  };

  // Warm-up: table and queue creation happen once per process, and a runbook's published version
  // is read once per process (then cached): neither is a job's cost in the steady state.
  for (const lines of [1, 10, 100, 1000]) await one('warm-up', lines, viaStart(`tx-${lines}`));
  for (const lines of [10, 1000]) await one('warm-up', lines, viaHook(hooks[lines]!));
  await one('warm-up', 1, viaStart('root_restart_process'));
  const viaApi = [];
  for (const lines of [1, 10, 100, 1000])
    viaApi.push(await one(`POST /api/v1/jobs, ${lines} line${lines > 1 ? 's' : ''}`, lines, viaStart(`tx-${lines}`)));
  const viaWebhook = [];
  for (const lines of [10, 1000]) viaWebhook.push(await one(`POST /webhooks, ${lines} lines`, lines, viaHook(hooks[lines]!)));
  const repository = await one('repository runbook root_restart_process (1 line)', 1, viaStart('root_restart_process'));
  for (const t of [...viaApi, ...viaWebhook, repository])
    log(
      `transactions ${t.job}: app ${t.app} (ingest ${t.ingest} + worker ${t.worker}), trigger ${t.trigger}, stream batches ${t.streamBatches}`,
    );
  return { viaApi, viaWebhook, repository };
}
