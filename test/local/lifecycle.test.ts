// Start-up and shutdown of the whole local host process.
import { describe, expect, it } from 'vitest';
import { portAccepts } from '../../local/azurite';
import { fixtureEnv, http, startHost } from '../support/host';

describe('lifecycle', () => {
  it('SIGTERM exits 0, and Azurite is stopped with it', async () => {
    const host = await startHost({ env: fixtureEnv() });
    const m = /Azurite: queue 127\.0\.0\.1:(\d+), table 127\.0\.0\.1:(\d+)/.exec(host.output());
    expect(m, host.output()).not.toBeNull();
    const ports = [Number(m![1]), Number(m![2])];
    expect(await Promise.all(ports.map((p) => portAccepts(p)))).toEqual([true, true]);
    expect(await host.stop()).toBe(0);
    expect(host.output()).toContain('SIGTERM: shutting down');
    expect(await Promise.all(ports.map((p) => portAccepts(p)))).toEqual([false, false]);
    await expect(http(host.url, 'api/health')).rejects.toThrow();
  });

});
