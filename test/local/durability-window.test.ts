// The local host's durability window in disk mode, measured (issue 10 item 6). Azurite keeps its
// data in LokiJS and saves it every HOOKBOOK_AZURITE_SAVE_MS (2000 ms by default in disk mode;
// Azurite's own is 5000 ms). A SIGKILL of the whole process group (host and Azurite, as an OOM kill or a power
// loss would do) loses what was written since the last save; a kill of the host alone loses nothing
// (Azurite sees its parent go and shuts down gracefully, saving first).
//
// Each case: start the host on a fresh data directory, start a job (202), wait `delay`, kill, start
// again on the same directory, and look for the job. Past the window the job must be there; inside
// it the outcome is measured and printed, not asserted (it depends on where the save timer stands).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_SAVE_INTERVAL_MS } from '../../local/azurite';
import { api } from '../support/api';
import { startHost, type RunningHost } from '../support/host';

const SAVE_MS = DEFAULT_SAVE_INTERVAL_MS;
const KEY = `durability-admin:${randomBytes(18).toString('base64url')}`;
const RUNBOOK = 'rjgit-user_security_revoke-or-restore-access';
const dirs: string[] = [];
const hosts: RunningHost[] = [];
afterAll(async () => {
  for (const h of hosts) await h.stop().catch(() => undefined);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function jobSurvives(kill: 'group' | 'host', delayMs: number): Promise<boolean> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hookbook-durability-'));
  dirs.push(dataDir);
  const env = { HOOKBOOK_BOOTSTRAP_KEY: KEY }; // the default save interval, as `npm start` has it
  const first = await startHost({ storage: 'disk', dataDir, env, processGroup: true });
  hosts.push(first);
  const started = await api(first.url, KEY).call('POST', '/api/v1/jobs', {
    runbook: RUNBOOK,
    parameters: { UserName: 'durable@contoso.com' },
  });
  expect(started.status, started.text).toBe(202);
  if (delayMs) await sleep(delayMs); // the measured variable, not a wait for an event
  if (kill === 'group') await first.killGroup();
  else await first.kill();

  const second = await startHost({ storage: 'disk', dataDir, env });
  hosts.push(second);
  const found = await api(second.url, KEY).call('GET', `/api/v1/jobs/${started.json.jobId}`);
  await second.stop();
  expect([200, 404]).toContain(found.status);
  const kept = found.status === 200;
  console.log(
    `durability: save interval ${SAVE_MS} ms, kill ${kill === 'group' ? 'whole group' : 'host only'} ${delayMs} ms after the 202 → job ${kept ? 'kept' : 'LOST'}`,
  );
  return kept;
}

describe('disk mode durability window', () => {
  it('a kill of the host alone, right after the 202, loses nothing', async () => {
    expect(await jobSurvives('host', 0)).toBe(true);
  }, 240_000);

  it('a kill of the whole group past the save interval loses nothing', async () => {
    // interval + time for a save on a slow, busy machine
    expect(await jobSurvives('group', SAVE_MS + 4000)).toBe(true);
  }, 240_000);

  it('a kill of the whole group right after the 202 is measured (inside the window)', async () => {
    await jobSurvives('group', 0);
  }, 240_000);
});
