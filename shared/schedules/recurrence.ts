import { Cron } from 'croner';
import { instantOfWallTime, timeZoneProblem, wallTimeOf } from './timezone';

/**
 * When a schedule runs, as pure functions of (recurrence, time): no clock, no storage.
 *
 * A recurring schedule is a cron expression (5 fields, or 6 with seconds first) matched against
 * the WALL CLOCK of its time zone, optionally thinned out by an Azure-Automation-style interval
 * ("every 2nd week", anchored at the start time). Each matching wall time becomes one instant via
 * `instantOfWallTime`, which carries the daylight-saving policy:
 *
 * - spring forward (a skipped hour): every wall time inside the gap maps to the instant of the
 *   jump, and equal instants count once; so a skipped hour runs ONCE, at the jump (02:30 in
 *   Berlin on the last Sunday of March runs at 03:00 CEST), and never twice;
 * - fall back (a repeated hour): a wall time that occurs twice runs at its first occurrence only,
 *   so the repeated hour runs ONCE (02:30 in Berlin on the last Sunday of October runs at
 *   02:30 CEST, not again at 02:30 CET).
 *
 * Because the wall-time → instant mapping never goes backwards, occurrences can be enumerated in
 * wall-time order and come out in instant order.
 */
export type IntervalUnit = 'minute' | 'hour' | 'day' | 'week' | 'month';

export interface Recurrence {
  timeZone: string;
  /** The cron expression (wall clock of timeZone); absent for a one-time schedule. */
  cron?: string;
  /** Keep only every n-th unit counted from the anchor (a wall time). */
  every?: { unit: IntervalUnit; n: number; anchor: number };
  /** Epoch ms: the first possible occurrence; for a one-time schedule, the only one. */
  startTime?: number;
  /** Epoch ms: no occurrence after it. */
  expiryTime?: number;
}

const crons = new Map<string, Cron>();

/** A parsed cron, or throws with croner's reason. `?` means "any" (Quartz), not "now". */
function cronOf(expr: string): Cron {
  let c = crons.get(expr);
  if (!c) {
    // utcOffset 0: wall times are matched as plain numbers (croner's `timezone` path is ~300x slower).
    c = new Cron(normalizeCron(expr), { utcOffset: 0, paused: true, legacyMode: true });
    if (crons.size > 1000) crons.clear();
    crons.set(expr, c);
  }
  return c;
}

export const normalizeCron = (expr: string): string => expr.trim().replace(/\s+/g, ' ').replace(/\?/g, '*');

/** Undefined when `expr` is a usable cron expression, else the reason it is not. */
export function cronProblem(expr: string): string | undefined {
  const fields = normalizeCron(expr).split(' ');
  if (!expr.trim().startsWith('@') && fields.length !== 5 && fields.length !== 6) {
    return `cron expression '${expr}' has ${fields.length} field${fields.length === 1 ? '' : 's'}; use 5 (minute hour day month weekday) or 6 (second minute hour day month weekday)`;
  }
  let c: Cron;
  try {
    c = cronOf(expr);
  } catch (error) {
    const why = (error as Error).message.replace(/^CronPattern:\s*/, '');
    return `cron expression '${expr}' is invalid: ${why}`;
  }
  if (!c.nextRun(new Date(Date.UTC(2000, 0, 1)))) return `cron expression '${expr}' never fires (no such date)`;
  return undefined;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Which interval bucket a wall time falls in (weeks start on Monday). */
function bucket(unit: IntervalUnit, wall: number): number {
  switch (unit) {
    case 'minute':
      return Math.floor(wall / MINUTE);
    case 'hour':
      return Math.floor(wall / HOUR);
    case 'day':
      return Math.floor(wall / DAY);
    case 'week':
      return Math.floor((Math.floor(wall / DAY) + 3) / 7); // 1970-01-01 was a Thursday
    case 'month': {
      const d = new Date(wall);
      return d.getUTCFullYear() * 12 + d.getUTCMonth();
    }
  }
}

function keeps(rec: Recurrence, wall: number): boolean {
  if (!rec.every || rec.every.n <= 1) return true;
  const diff = bucket(rec.every.unit, wall) - bucket(rec.every.unit, rec.every.anchor);
  return ((diff % rec.every.n) + rec.every.n) % rec.every.n === 0;
}

/** Guard against pathological expressions (a per-second cron inside a repeated hour loops ~3600). */
const MAX_STEPS = 200_000;

/**
 * Occurrences in (after, until], ascending, at most `limit` of them.
 */
export function occurrencesBetween(rec: Recurrence, after: number, until: number, limit = Infinity): number[] {
  const out: number[] = [];
  if (limit <= 0 || until <= after) return out;
  const last = rec.expiryTime !== undefined ? Math.min(until, rec.expiryTime) : until;
  if (rec.cron === undefined) {
    const t = rec.startTime;
    if (t !== undefined && t > after && t <= last) out.push(t);
    return out;
  }
  const cron = cronOf(rec.cron);
  const from = rec.startTime !== undefined ? Math.max(after, rec.startTime - 1) : after;
  let wall = wallTimeOf(from, rec.timeZone);
  for (let step = 0; step < MAX_STEPS && out.length < limit; step++) {
    const next = cron.nextRun(new Date(wall));
    if (!next) break;
    wall = next.getTime();
    if (!keeps(rec, wall)) continue;
    const at = instantOfWallTime(wall, rec.timeZone).instant;
    if (at <= after || (rec.startTime !== undefined && at < rec.startTime)) continue; // a repeated hour's second pass
    if (at > last) break;
    if (out.length && out[out.length - 1] === at) continue; // several skipped wall times → one jump
    out.push(at);
  }
  return out;
}

/** The first occurrence after `after`, or undefined when there is none (expired, one-time done). */
export function nextOccurrence(rec: Recurrence, after: number): number | undefined {
  // Search far enough ahead for yearly expressions (Feb 29 needs up to 8 years).
  return occurrencesBetween(rec, after, after + 9 * 366 * DAY, 1)[0];
}

/**
 * The last `n` occurrences in (after, until], ascending: searched backwards in growing windows, so
 * that a per-second schedule missed for a day costs a few hundred steps, not 86,400.
 */
export function lastOccurrences(rec: Recurrence, after: number, until: number, n: number): number[] {
  if (n <= 0 || until <= after) return [];
  for (let window = MINUTE; ; window *= 4) {
    const from = Math.max(after, until - window);
    const found = occurrencesBetween(rec, from, until);
    if (found.length >= n || from === after) return found.slice(-n);
  }
}

export { timeZoneProblem };
