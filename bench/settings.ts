/** The bench's own knobs (environment), the repository root and the run's clock and log. */
import path from 'node:path';

export const repoRoot = path.resolve(__dirname, '..');
/** BENCH_QUICK=1: fewer samples and shorter phases (a smoke run). */
export const QUICK = process.env.BENCH_QUICK === '1';
/** How long one load phase lasts (ms). */
export const PHASE_MS = Number(process.env.BENCH_PHASE_MS ?? (QUICK ? 1500 : 4000));

const started = Date.now();
export const elapsedSeconds = (): number => Math.round((Date.now() - started) / 1000);
export const log = (s: string): void => {
  process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ${s}\n`);
};

/** BENCH_ONLY=burst,run,breakdown,ingest: only those scenarios, raw figures printed as JSON (for working on one). */
export const ONLY = process.env.BENCH_ONLY;
export const want = (part: string): boolean => !ONLY || ONLY.split(',').includes(part);
/** How many webhook jobs the big burst sends. */
export const BURST_JOBS = Number(process.env.BENCH_BURST_JOBS ?? (QUICK ? 1000 : 6000));
