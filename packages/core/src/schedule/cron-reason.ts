/**
 * Why croner refused a cron pattern, said in the terms of docs/schedules.md. croner's own
 * text names its internal fields (`dayOfWeek`, `nearestWeekdays`, "configuration entry 4")
 * and, for day-of-month and month, quotes the value minus one (it stores them from 0):
 * `0 0 * 13 *` read "Invalid value for month: 12", a value the pattern does not hold.
 */

/** The fields croner names, as the docs name them, with the values each takes. */
const FIELDS: Readonly<Record<string, { name: string; values: string; shift: number }>> = {
  second: { name: 'second', values: '0–59', shift: 0 },
  minute: { name: 'minute', values: '0–59', shift: 0 },
  hour: { name: 'hour', values: '0–23', shift: 0 },
  // croner stores days and months from 0: add back the 1 it took away.
  day: { name: 'day-of-month', values: '1–31', shift: 1 },
  nearestWeekdays: { name: 'day-of-month', values: '1–31', shift: 1 },
  month: { name: 'month', values: '1–12 or JAN–DEC', shift: 1 },
  dayOfWeek: { name: 'day-of-week', values: '0–7 (0 and 7 are Sunday) or SUN–SAT', shift: 0 },
};

/** croner's "configuration entry <n>": its 7 parts, seconds first and a year last. */
const ENTRIES = ['second', 'minute', 'hour', 'day-of-month', 'month', 'day-of-week', 'year'];

/** The nicknames croner reads (`@reboot` is no schedule). */
export const CRON_NICKNAMES = [
  '@yearly',
  '@annually',
  '@monthly',
  '@weekly',
  '@daily',
  '@midnight',
  '@hourly',
] as const;

/**
 * The reason to add to "expected a cron pattern of 5 fields … or 6", in parentheses, for a
 * pattern croner refused with `cause`; '' when there is nothing to add.
 */
export function cronReason(pattern: unknown, cause: unknown): string {
  if (typeof pattern === 'string' && pattern.trim().startsWith('@')) {
    // croner's text for an unknown nickname counts "five, six, or seven" parts.
    return ` (${JSON.stringify(pattern.trim())} is not one of the nicknames ${CRON_NICKNAMES.join(', ')}; for an interval, use every, such as every: '5m')`;
  }
  const fields =
    typeof pattern === 'string' ? pattern.trim().split(/\s+/).filter(Boolean).length : undefined;
  if (fields !== undefined && fields !== 5 && fields !== 6) {
    // A wrong count of fields is said in Conveyor's terms: croner's own text allows 7.
    return ` (it has ${fields} field${fields === 1 ? '' : 's'})`;
  }
  if (!(cause instanceof Error)) return '';
  return ` (${plainReason(cause.message.replace(/^CronPattern: /, ''))})`;
}

function plainReason(message: string): string {
  const value = /^Invalid value for (\w+): (-?\d+)$/.exec(message);
  const field = value?.[1] === undefined ? undefined : FIELDS[value[1]];
  if (field !== undefined) {
    const given = Number(value?.[2]) + field.shift;
    return `${field.name} ${given} is out of range: ${field.name} takes ${field.values}`;
  }
  const entry = /^configuration entry (\d) \((.*)\) contains illegal characters\.?$/.exec(message);
  const entryName = entry?.[1] === undefined ? undefined : ENTRIES[Number(entry[1])];
  if (entryName !== undefined) {
    return `the ${entryName} field ${JSON.stringify(entry?.[2])} holds characters cron does not allow`;
  }
  return message
    .replace(/\bdayOfWeek\b/g, 'day-of-week')
    .replace(/\bnearestWeekdays\b/g, 'day-of-month');
}
