/**
 * Local wall-clock time in an IANA zone, as ms "as if UTC" (`Date.UTC` of the local
 * fields), and back. Cron patterns are matched on wall-clock time; these functions turn a
 * matching wall time into the one instant it fires at, by the daylight-saving rules of
 * docs/schedules.md: a wall time that occurs twice maps to its first occurrence, one that
 * does not exist (a spring-forward gap) to the first instant after the gap.
 */

const DAY_MS = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/**
 * The zone's name in its usual case (`europe/berlin` is `Europe/Berlin`, `utc` is `UTC`), for a
 * zone this runtime knows; a link (`US/Eastern`) stays the link, not the zone it points at.
 * Two spellings of one zone stored as one: otherwise each reads as a changed timing, and
 * workers whose definitions differ only so replace each other's stored schedule.
 */
export function zoneSpelling(timeZone: string): string {
  const canonical = formatterFor(timeZone).resolvedOptions().timeZone;
  if (canonical.toLowerCase() === timeZone.toLowerCase()) return canonical;
  const lower = timeZone.toLowerCase();
  const listed = Intl.supportedValuesOf?.('timeZone').find((zone) => zone.toLowerCase() === lower);
  return listed ?? timeZone;
}

/** True when `timeZone` is an IANA zone this runtime knows (`Intl`). */
export function isTimeZone(timeZone: unknown): timeZone is string {
  if (typeof timeZone !== 'string' || timeZone === '') return false;
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock time of `instant` in `timeZone`, as ms as if UTC. */
export function wallTimeOf(timeZone: string, instant: number): number {
  if (timeZone === 'UTC') return instant;
  const second = Math.floor(instant / 1_000) * 1_000;
  const fields: Record<string, string> = {};
  for (const part of formatterFor(timeZone).formatToParts(second)) fields[part.type] = part.value;
  const year = Number(fields.year) * (fields.era === 'BC' || fields.era === 'B' ? -1 : 1);
  const wall = Date.UTC(
    year,
    Number(fields.month) - 1,
    Number(fields.day),
    Number(fields.hour),
    Number(fields.minute),
    Number(fields.second),
  );
  return wall + (instant - second);
}

const HOUR_MS = 3_600_000;
/** Per zone and hour since the epoch: the offset all through that hour, or null if it changes. */
const hourOffsets = new Map<string, Map<number, number | null>>();
const CACHED_HOURS = 100_000;

/** The zone's UTC offset at `instant`, in ms (wall time minus instant). */
export function offsetAt(timeZone: string, instant: number): number {
  if (timeZone === 'UTC') return 0;
  // Asking Intl costs microseconds, and slot math asks often: an hour whose offset is the
  // same at both ends has it all through (zones change offset at most once in hours).
  let hours = hourOffsets.get(timeZone);
  if (!hours) {
    hours = new Map();
    hourOffsets.set(timeZone, hours);
  }
  const hour = Math.floor(instant / HOUR_MS);
  let known = hours.get(hour);
  if (known === undefined) {
    const start = exactOffsetAt(timeZone, hour * HOUR_MS);
    const end = exactOffsetAt(timeZone, (hour + 1) * HOUR_MS - 1_000);
    known = start === end ? start : null;
    if (hours.size >= CACHED_HOURS) hours.clear();
    hours.set(hour, known);
  }
  return known ?? exactOffsetAt(timeZone, instant);
}

function exactOffsetAt(timeZone: string, instant: number): number {
  return wallTimeOf(timeZone, instant) - instant;
}

/**
 * The smallest and largest UTC offsets in force within a day of `instant`. Wall times
 * near `instant` lie within these of it. (Zones change offset at most once a day.)
 */
export function offsetRange(timeZone: string, instant: number): { min: number; max: number } {
  if (timeZone === 'UTC') return { min: 0, max: 0 };
  const offsets = [
    offsetAt(timeZone, instant - DAY_MS),
    offsetAt(timeZone, instant),
    offsetAt(timeZone, instant + DAY_MS),
  ];
  return { min: Math.min(...offsets), max: Math.max(...offsets) };
}

/**
 * The instant a wall-clock time fires at: its first occurrence when it occurs twice
 * (fall back), the first instant after the gap when it does not occur (spring forward).
 * Monotonic: a later wall time never maps to an earlier instant.
 */
export function instantOfWallTime(timeZone: string, wall: number): number {
  if (timeZone === 'UTC') return wall;
  const before = offsetAt(timeZone, wall - DAY_MS);
  const after = offsetAt(timeZone, wall + DAY_MS);
  const candidates = before === after ? [wall - before] : [wall - before, wall - after];
  candidates.sort((a, b) => a - b);
  for (const candidate of candidates) {
    if (candidate + offsetAt(timeZone, candidate) === wall) return candidate;
  }
  // In a gap: find the transition, the first instant whose wall time is past `wall`.
  // Offsets change on whole seconds, so search whole seconds.
  let low = Math.floor(Math.min(wall - before, wall - after) / 1_000); // wall time before `wall`
  let high = Math.ceil(Math.max(wall - before, wall - after) / 1_000); // wall time after it
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (middle * 1_000 + offsetAt(timeZone, middle * 1_000) > wall) high = middle;
    else low = middle;
  }
  return high * 1_000;
}
