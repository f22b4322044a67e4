/**
 * The CLI's start time: `hookbook --help` as a user runs it (node cli/bin.cjs, the bundle built once),
 * against node's own start on the same machine at the same moment (`node -e 0`, the floor no CLI in
 * JavaScript can beat). The ratio is what a regression moves; the target is 0.5 s absolute.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { pct } from '../measure';

export interface CliStart {
  samples: number;
  p50ms: number;
  nodeFloorP50ms: number;
  /** p50 of `hookbook --help` over p50 of `node -e 0`. */
  ratio: number;
}

function wall(args: string[]): number {
  const t = performance.now();
  execFileSync(process.execPath, args, { stdio: 'ignore' });
  return performance.now() - t;
}

export function cliStart(repoRoot: string, n: number): CliStart {
  const bin = path.join(repoRoot, 'cli', 'bin.cjs');
  wall([bin, '--help']); // builds the bundle when it is missing or stale: not what a call costs
  const cli: number[] = [];
  const floor: number[] = [];
  // Interleaved, so that both see the same load.
  for (let i = 0; i < n; i++) {
    cli.push(wall([bin, '--help']));
    floor.push(wall(['-e', '0']));
  }
  cli.sort((a, b) => a - b);
  floor.sort((a, b) => a - b);
  const p50ms = pct(cli, 50);
  const nodeFloorP50ms = pct(floor, 50);
  return { samples: n, p50ms, nodeFloorP50ms, ratio: p50ms / nodeFloorP50ms };
}
