// Timer triggers: %SETTING% in the schedule, runOnStartup, the timer object Azure passes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureEnv, http, startHost, waitFor, type RunningHost } from '../support/host';

let host: RunningHost;
beforeAll(async () => {
  host = await startHost({ env: fixtureEnv({ FIXTURE_CRON: '*/2 * * * * *' }) });
});
afterAll(async () => {
  if (host) expect(await host.stop()).toBe(0);
});

describe('timer trigger', () => {
  it('resolves %FIXTURE_CRON%, runs on startup, then on the schedule', async () => {
    expect(host.output()).toContain('fixtureTimer: timer "*/2 * * * * *"');
    type Tick = { at: string; timer: { isPastDue: boolean; schedule: unknown; scheduleStatus: { last: string; next: string } } };
    const ticks = await waitFor(
      async () => {
        const t = (await http(host.url, 'api/ticks')).json as Tick[];
        return t.length >= 3 ? t : undefined;
      },
      'three ticks',
      30_000,
      200,
    );
    expect(ticks[0].timer).toMatchObject({
      isPastDue: false,
      schedule: { adjustForDST: false },
      scheduleStatus: { last: '0001-01-01T00:00:00' },
    });
    // Scheduled ticks land on even seconds, UTC.
    for (const t of ticks.slice(1)) expect(new Date(t.timer.scheduleStatus.next).getUTCSeconds() % 2).toBe(0);
    expect(Date.parse(ticks[2].timer.scheduleStatus.last)).toBeGreaterThan(Date.parse(ticks[0].at) - 1000);
  });
});
