/**
 * The cost of notifications on job throughput: the same burst of webhook jobs on one host three
 * times, with no target, with a target that answers at once, and with one that never answers (each
 * attempt cut at its time limit), as ratios against the first measured in the same run. The
 * receivers are HTTP servers in the bench process, on loopback (HOOKBOOK_NOTIFY_ALLOW_PRIVATE).
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { benchHost, post, type BenchHost } from '../host';
import { r1, sleep } from '../measure';
import { log, QUICK } from '../settings';

export interface NotifyCost {
  jobs: number;
  /** Jobs/s from the first webhook call to the last job's end. */
  perSecond: { none: number; quick: number; hanging: number };
  /** quick / none and hanging / none (1 = no cost). */
  ratio: { quick: number; hanging: number };
  /** Deliveries the quick receiver had accepted when the last job of its phase ended, and later. */
  quickDelivered: { atEnd: number; after: number };
}

async function receivers(): Promise<{ quickUrl: string; hangUrl: string; accepted: () => number; close: () => Promise<void> }> {
  let accepted = 0;
  const held = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url?.startsWith('/hang')) held.add(res);
      else {
        accepted++;
        res.writeHead(204).end();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    quickUrl: `http://127.0.0.1:${port}/quick`,
    hangUrl: `http://127.0.0.1:${port}/hang`,
    accepted: () => accepted,
    close: async () => {
      for (const r of held) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** `jobs` webhook calls at concurrency 16; resolves with jobs/s once every job of `runbook` has ended. */
async function phase(c: BenchHost, runbook: string, jobs: number): Promise<number> {
  await c.runbook(runbook, 'bash', 'echo hello');
  const uri = await c.webhook(runbook, runbook);
  const t0 = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < jobs) {
        next++;
        if ((await post(uri, '{}')).status !== 202) throw new Error('a webhook call was not accepted');
      }
    }),
  );
  for (;;) {
    let ended = 0;
    let token: string | undefined;
    do {
      const page = await c.api.jobs.list({ runbook, top: 500, continuationToken: token });
      ended += page.value.filter((j) => ['Completed', 'Failed', 'Stopped'].includes(j.status)).length;
      token = page.continuationToken;
    } while (token);
    if (ended >= jobs) return jobs / ((Date.now() - t0) / 1000);
    await sleep(250);
  }
}

export async function notifyCost(): Promise<NotifyCost> {
  const jobs = QUICK ? 60 : 200;
  const rx = await receivers();
  const c = await benchHost({
    env: { HOOKBOOK_LOG_TRANSITIONS: 'false', HOOKBOOK_NOTIFY_ALLOW_PRIVATE: 'true', HOOKBOOK_NOTIFY_TIMEOUT_SECONDS: '5' },
  });
  try {
    const target = async (name: string, url: string, runbook: string) =>
      c.api.request('POST', '/api/v1/notification-targets', {
        body: { name, url, runbooks: [runbook], events: ['job.started', 'job.completed'] },
      });
    await target('bench-quick', rx.quickUrl, 'nt-quick');
    await target('bench-hang', rx.hangUrl, 'nt-hang');
    await phase(c, 'nt-warm', Math.ceil(jobs / 4)); // the host's first jobs are slower: not measured
    const none = await phase(c, 'nt-none', jobs);
    log(`notifications: no target ${r1(none)} jobs/s`);
    const quick = await phase(c, 'nt-quick', jobs);
    const atEnd = rx.accepted();
    log(`notifications: a quick target ${r1(quick)} jobs/s (${atEnd} of ${2 * jobs} deliveries accepted by then)`);
    const hanging = await phase(c, 'nt-hang', jobs);
    log(`notifications: a hanging target ${r1(hanging)} jobs/s`);
    return {
      jobs,
      perSecond: { none: r1(none), quick: r1(quick), hanging: r1(hanging) },
      ratio: { quick: Math.round((quick / none) * 100) / 100, hanging: Math.round((hanging / none) * 100) / 100 },
      quickDelivered: { atEnd, after: rx.accepted() },
    };
  } finally {
    await c.stop();
    await rx.close();
  }
}
