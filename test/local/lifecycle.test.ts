// Start-up and shutdown of the whole local host process.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { QueueServiceClient } from '@azure/storage-queue';
import { describe, expect, it } from 'vitest';
import { portAccepts } from '../../local/azurite';
import { DEVELOPMENT_ACCOUNT_KEY, developmentStorage } from '../../local/settings';
import { fixtureEnv, http as call, startHost, waitFor, type RunningHost } from '../support/host';

function azuritePorts(host: RunningHost): number[] {
  const m = /Azurite: queue 127\.0\.0\.1:(\d+), table 127\.0\.0\.1:(\d+)/.exec(host.output());
  if (!m) throw new Error(`no Azurite ports in:\n${host.output()}`);
  return [Number(m[1]), Number(m[2])];
}

/** Opens the fixture SSE stream and resolves once its first event arrived (an invocation in flight). */
function openStream(url: string): Promise<http.ClientRequest> {
  return new Promise((resolve, reject) => {
    const req = http.get(new URL('api/stream', `${url}/`), (res) => res.once('data', () => resolve(req)));
    req.on('error', () => {}); // the host cuts it at shutdown
    setTimeout(() => reject(new Error('stream did not start')), 20_000).unref();
  });
}

describe('lifecycle', () => {
  it('SIGTERM exits 0, and Azurite is stopped with it', async () => {
    const host = await startHost({ env: fixtureEnv() });
    const ports = azuritePorts(host);
    expect(await Promise.all(ports.map((p) => portAccepts(p)))).toEqual([true, true]);
    expect(await host.stop()).toBe(0);
    expect(host.output()).toContain('SIGTERM: shutting down');
    expect(await Promise.all(ports.map((p) => portAccepts(p)))).toEqual([false, false]);
    await expect(call(host.url, 'api/health')).rejects.toThrow();
  });

  it('waits for running work only up to HOOKBOOK_SHUTDOWN_GRACE_SECONDS; a second signal exits at once', async () => {
    const graceful = await startHost({ env: fixtureEnv({ HOOKBOOK_SHUTDOWN_GRACE_SECONDS: '1' }) });
    await openStream(graceful.url);
    expect(await graceful.stop()).toBe(0);

    const impatient = await startHost({ env: fixtureEnv({ HOOKBOOK_SHUTDOWN_GRACE_SECONDS: '120' }) });
    const ports = azuritePorts(impatient);
    await openStream(impatient.url);
    process.kill(impatient.pid, 'SIGTERM');
    await waitFor(() => impatient.output().includes('SIGTERM: shutting down'), 'the first signal to be seen');
    process.kill(impatient.pid, 'SIGTERM');
    expect(await impatient.exited).toBe(1);
    // Even without the orderly stop, Azurite must not outlive the host (parent-guard.cjs).
    await waitFor(async () => !(await portAccepts(ports[0])) && !(await portAccepts(ports[1])), 'Azurite to go away', 20_000);
  });

  it('keeps data on disk under HOOKBOOK_DATA_DIR across restarts', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hookbook-data-'));
    try {
      const first = await startHost({ storage: 'disk', dataDir, env: fixtureEnv({ HOOKBOOK_AZURITE_KEY: DEVELOPMENT_ACCOUNT_KEY }) });
      const [q1, t1] = azuritePorts(first);
      await QueueServiceClient.fromConnectionString(developmentStorage(q1, t1)).createQueue('persisted-queue');
      expect(await first.stop()).toBe(0);
      expect(readdirSync(path.join(dataDir, 'azurite')).length).toBeGreaterThan(0);

      const second = await startHost({ storage: 'disk', dataDir, env: fixtureEnv({ HOOKBOOK_AZURITE_KEY: DEVELOPMENT_ACCOUNT_KEY }) });
      const [q2, t2] = azuritePorts(second);
      expect(await QueueServiceClient.fromConnectionString(developmentStorage(q2, t2)).getQueueClient('persisted-queue').exists()).toBe(
        true,
      );
      expect(await second.stop()).toBe(0);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
