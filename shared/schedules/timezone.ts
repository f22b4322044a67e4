/**
 * Wall-clock time in an IANA time zone, without a date library.
 *
 * A "wall time" here is a number of milliseconds that reads, as if it were UTC, as the local date
 * and time on a clock in the zone (2025-03-30 02:30 in Berlin is `Date.UTC(2025, 2, 30, 2, 30)`).
 * Cron expressions are matched against wall times; `instantOfWallTime` turns a wall time back into
 * a real instant, which is where the daylight-saving policy lives:
 *
 * - a wall time that occurs twice (autumn, clocks go back) maps to its FIRST instant, so the
 *   repeated hour runs once;
 * - a wall time that does not exist (spring, clocks jump forward) maps to the instant of the jump
 *   (the first instant after the gap), so everything due in the skipped hour runs once, at the jump.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** IANA zone names (`Europe/Berlin`, `America/Argentina/Buenos_Aires`, `UTC`, `Etc/GMT+5`). */
const ZONE_NAME = /^(?:UTC|GMT|[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+){0,2})$/;

/** Undefined when `timeZone` is a usable IANA zone, else the reason it is not. */
export function timeZoneProblem(timeZone: string): string | undefined {
  if (!ZONE_NAME.test(timeZone)) return `'${timeZone}' is not an IANA time zone name (e.g. Europe/Berlin, America/New_York, UTC)`;
  try {
    formatter(timeZone);
    return undefined;
  } catch {
    return `'${timeZone}' is not a time zone this service knows (use an IANA name such as Europe/Berlin, America/New_York or UTC)`;
  }
}

/** The wall time in `timeZone` at `instant` (milliseconds kept). */
export function wallTimeOf(instant: number, timeZone: string): number {
  const parts = formatter(timeZone).formatToParts(new Date(instant));
  const get = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  let year = get('year');
  if (parts.find((p) => p.type === 'era')?.value === 'BC') year = 1 - year;
  const ms = ((instant % 1000) + 1000) % 1000;
  const d = new Date(0);
  d.setUTCFullYear(year, get('month') - 1, get('day'));
  d.setUTCHours(get('hour'), get('minute'), get('second'), ms);
  return d.getTime();
}

/** UTC offset in milliseconds at `instant` (Berlin in summer: +2 h). */
export const offsetAt = (instant: number, timeZone: string): number => wallTimeOf(instant, timeZone) - instant;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface WallTimeResolution {
  /** The instant the wall time runs at, under the DST policy above. */
  instant: number;
  kind: 'unique' | 'repeated' | 'skipped';
}

/** Every instant whose wall time is exactly `wall` (0, 1 or 2 of them), ascending. */
export function instantsOfWallTime(wall: number, timeZone: string): number[] {
  const offsets = new Set([offsetAt(wall - DAY, timeZone), offsetAt(wall, timeZone), offsetAt(wall + DAY, timeZone)]);
  const found = new Set<number>();
  for (const o of offsets) {
    const t = wall - o;
    if (wallTimeOf(t, timeZone) === wall) found.add(t);
  }
  return [...found].sort((a, b) => a - b);
}

/** The instant a wall time runs at: the first of a repeated time, the jump for a skipped one. */
export function instantOfWallTime(wall: number, timeZone: string): WallTimeResolution {
  const found = instantsOfWallTime(wall, timeZone);
  if (found.length === 1) return { instant: found[0]!, kind: 'unique' };
  if (found.length > 1) return { instant: found[0]!, kind: 'repeated' };
  // In a gap: the offset before the jump is smaller than the one after it. Search for the jump
  // between "wall read with the offset after" (before the jump) and "with the offset before".
  const candidates = [offsetAt(wall - DAY, timeZone), offsetAt(wall + DAY, timeZone)];
  let lo = wall - Math.max(...candidates);
  let hi = wall - Math.min(...candidates);
  if (lo > hi) [lo, hi] = [hi, lo];
  const before = offsetAt(lo, timeZone);
  // Invariant: offsetAt(lo) === before, offsetAt(hi) !== before; hi is the first instant after.
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetAt(mid, timeZone) === before) lo = mid;
    else hi = mid;
  }
  return { instant: hi, kind: 'skipped' };
}

/** ISO 8601 text of a wall time with the zone's offset at `instant` (for messages and docs). */
export function isoInZone(instant: number, timeZone: string): string {
  const wall = wallTimeOf(instant, timeZone);
  const off = Math.round((wall - instant) / 60_000);
  const sign = off < 0 ? '-' : '+';
  const abs = Math.abs(off);
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return (
    new Date(wall)
      .toISOString()
      .replace(/\.\d{3}Z$/, '')
      .replace(/Z$/, '') + `${sign}${hh}:${mm}`
  );
}
