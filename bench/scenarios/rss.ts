/** 4d. Resident memory of the host process and of its Azurite, idle and after the load. */
import type { RunningHost } from '../../test/support/host';
import { childPids, cmdline, vmRssMb } from '../machine';

export interface Rss {
  hostMb: number;
  azuriteMb: number;
}

/** Measures `host` and the Azurite processes it started (found once, by command line). */
export function rssOf(host: RunningHost): () => Rss {
  const azuritePids = childPids(host.pid).filter((p) => /azurite/.test(cmdline(p)));
  return () => ({ hostMb: vmRssMb(host.pid), azuriteMb: azuritePids.reduce((s, p) => s + vmRssMb(p), 0) });
}
