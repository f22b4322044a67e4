import { lastOccurrences, occurrencesBetween, type Recurrence } from './recurrence';

/**
 * Which occurrences a scheduler tick must turn into jobs: pure, the clock is a parameter.
 *
 * A tick at `now` owns every occurrence in (cursor, now], where the cursor is the schedule's
 * stored `lastRun` cursor (the time up to which earlier ticks have dealt with it).
 *
 * - An occurrence no older than `lateAfterMs` is on time: a tick could not have seen it sooner
 *   (ticks come once per scheduler period). All of them run.
 * - Older ones were missed (the host was down, a tick failed or fired late). They run marked
 *   late, bounded by the catch-up policy: none older than `maxAgeMs`, and only the most recent
 *   `maxOccurrences` of them. The rest are skipped (and counted, for the log).
 */
export interface CatchupPolicy {
  /** At most this many missed occurrences are caught up per schedule and tick (0: none). */
  maxOccurrences: number;
  /** Missed occurrences older than this are skipped. */
  maxAgeMs: number;
  /** An occurrence older than this at tick time was missed (late); default: scheduler period + 30 s. */
  lateAfterMs: number;
}

export const DEFAULT_CATCHUP: CatchupPolicy = { maxOccurrences: 10, maxAgeMs: 24 * 3_600_000, lateAfterMs: 90_000 };

export interface DueOccurrence {
  /** Epoch ms of the occurrence (the job id is derived from it). */
  at: number;
  late: boolean;
}

export interface DuePlan {
  /** Ascending. */
  occurrences: DueOccurrence[];
  /** Missed occurrences left out by the policy (a lower bound when there were very many). */
  skipped: number;
  /** The cursor once these are dealt with: `now` (or the last one taken, when capped). */
  cursor: number;
}

/** Never more than this many on-time occurrences in one tick (a per-second cron gives ~90). */
const MAX_ON_TIME = 1000;

export function planDue(rec: Recurrence, cursor: number, now: number, policy: CatchupPolicy = DEFAULT_CATCHUP): DuePlan {
  if (now <= cursor) return { occurrences: [], skipped: 0, cursor };
  const onTimeFrom = Math.max(cursor, now - policy.lateAfterMs);
  const onTime = occurrencesBetween(rec, onTimeFrom, now, MAX_ON_TIME).map((at) => ({ at, late: false }));
  let late: DueOccurrence[] = [];
  let skipped = 0;
  if (onTimeFrom > cursor) {
    const oldest = Math.max(cursor, now - policy.maxAgeMs);
    if (oldest < onTimeFrom && policy.maxOccurrences > 0) {
      // One more than allowed tells whether some were left out.
      const found = lastOccurrences(rec, oldest, onTimeFrom, policy.maxOccurrences + 1);
      if (found.length > policy.maxOccurrences) skipped += found.length - policy.maxOccurrences;
      late = found.slice(-policy.maxOccurrences).map((at) => ({ at, late: true }));
    } else if (oldest < onTimeFrom) {
      skipped += occurrencesBetween(rec, oldest, onTimeFrom, 1).length;
    }
    // Anything older than maxAge is skipped too; say so when there is at least one.
    if (oldest > cursor) skipped += occurrencesBetween(rec, cursor, oldest, 1).length;
  }
  // Capped: the next tick goes on from the last one taken.
  const cursorAfter = onTime.length === MAX_ON_TIME ? onTime[onTime.length - 1]!.at : now;
  return { occurrences: [...late, ...onTime], skipped, cursor: cursorAfter };
}
