/** 4e. PowerShell's own start-up, without Hookbook: what a warm host could save at most. */
import { execFileSync } from 'node:child_process';
import { pct } from '../measure';

export interface PwshStart {
  samples: number;
  p50ms: number;
  p99ms: number;
}

/** Wall time of `pwsh -NoLogo -NoProfile -NonInteractive -Command exit`, n times. */
export function bareStart(pwsh: string, n: number): PwshStart {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    execFileSync(pwsh, ['-NoLogo', '-NoProfile', '-NonInteractive', '-Command', 'exit'], { stdio: 'ignore' });
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { samples: n, p50ms: pct(times, 50), p99ms: pct(times, 99) };
}
