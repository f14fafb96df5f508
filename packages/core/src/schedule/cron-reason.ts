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
  const message = cause.message.replace(/^CronPattern: /, '');
  return ` (${syntaxReason(String(pattern), message) ?? plainReason(message)})`;
}

/** `the month field "1-70"`: the first field of `pattern` that `holds` is true of. */
function fieldOf(pattern: string, holds: (field: string) => boolean): string {
  const parts = pattern.trim().split(/\s+/);
  const names = parts.length === 6 ? ENTRIES.slice(0, 6) : ENTRIES.slice(1, 6);
  const at = parts.findIndex(holds);
  return at < 0 ? 'a field' : `the ${names[at]} field ${JSON.stringify(parts[at])}`;
}

/**
 * croner's syntax errors, which name no field (or its own name for one, "day" for
 * day-of-month), said with the field and the value as written; undefined for the others.
 */
function syntaxReason(pattern: string, message: string): string | undefined {
  const empty = /^configuration entry (\w+) \(.*\) is empty/.exec(message);
  if (empty) {
    const name = FIELDS[empty[1] as string]?.name ?? empty[1];
    return `the ${name} field has an empty entry: two commas in a row, or one at an end`;
  }
  const backwards = /^From value is larger than to value: '([^']*)'/.exec(message);
  if (backwards) return backwardsReason(pattern, (backwards[1] as string).split('/')[0] as string);
  if (/^Syntax error, illegal stepping: 0/.test(message)) {
    return `${fieldOf(pattern, (field) => /\/0+(,|$)/.test(field))} steps by 0: a step is 1 or more`;
  }
  const tooBig = /^Syntax error, steps cannot be greater than maximum value of part \((\d+)\)/.exec(
    message,
  );
  if (tooBig) {
    const most = Number(tooBig[1]);
    const steps = (field: string) =>
      [...field.matchAll(/\/(\d+)/g)].some((step) => Number(step[1]) > most);
    return `${fieldOf(pattern, steps)} steps by more than its range: at most ${most} there`;
  }
  const nth = /^nth weekday out of range, should be 1-5 or L\. Value: (\w+)/.exec(message);
  if (nth) {
    return `the day-of-week field asks for weekday #${nth[1]} of the month: # takes 1–5 or L (the last)`;
  }
  return undefined;
}

/** Each field's values, and the names a month or day-of-week may be written with. */
const VALUES: Readonly<Record<string, { min: number; max: number; names?: readonly string[] }>> = {
  second: { min: 0, max: 59 },
  minute: { min: 0, max: 59 },
  hour: { min: 0, max: 23 },
  'day-of-month': { min: 1, max: 31 },
  month: {
    min: 1,
    max: 12,
    names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'],
  },
  'day-of-week': { min: 0, max: 6, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
};

/**
 * A range that runs backwards (croner quotes it with names as numbers: `DEC-FEB` as `12-2`),
 * with the field and the entry as written, and the fix that keeps what it meant: ranges do
 * not wrap, so `22-2` (overnight) is `22-23,0-2`, and `FRI-MON` is `FRI-SAT,SUN-MON`. Its
 * reversal (`2-22`) would pass, and fire at nearly the opposite times.
 */
function backwardsReason(pattern: string, range: string): string {
  const parts = pattern.trim().split(/\s+/);
  const fields = parts.length === 6 ? ENTRIES.slice(0, 6) : ENTRIES.slice(1, 6);
  for (const [at, written] of parts.entries()) {
    const field = fields[at] as string;
    const values = VALUES[field];
    if (values === undefined) continue;
    // Names count from the field's first value: JAN is 1, SUN 0.
    const number = (end: string) => {
      const name = values.names?.indexOf(end.toUpperCase()) ?? -1;
      return name < 0 ? end : String(name + values.min);
    };
    for (const entry of written.split(',')) {
      const [span = '', step] = entry.split('/');
      const [from = '', to = '', extra] = span.split('-');
      if (extra !== undefined || `${number(from)}-${number(to)}` !== range) continue;
      // A bound in the style of the end beside it: a name where the pattern used names.
      const styled = (value: number, like: string) =>
        values.names && Number.isNaN(Number(like))
          ? (values.names[value - values.min] as string)
          : String(value);
      const part = (a: string, b: string) => (number(a) === number(b) ? a : `${a}-${b}`);
      // With a step, each half of a split range would step from its own start (`22-23/3,0-2/3`
      // fires at 0, not 1) and a one-value half cannot take a step: the values themselves.
      const stepped = (by: number) => {
        const count = values.max - values.min + 1;
        const start = Number(number(from));
        const length = (Number(number(to)) - start + count) % count;
        const list: string[] = [];
        for (let offset = 0; offset <= length; offset += by) {
          list.push(styled(((start - values.min + offset) % count) + values.min, from));
        }
        return list.join(',');
      };
      // Day-of-week 7 is Sunday, the first day: `7-2` is `0-2`.
      const fix =
        field === 'day-of-week' && number(from) === '7'
          ? `0-${to}${step === undefined ? '' : `/${step}`}`
          : step !== undefined && Number(step) >= 1
            ? stepped(Number(step))
            : `${part(from, styled(values.max, from))},${part(styled(values.min, to), to)}`;
      return `the ${field} field ${JSON.stringify(written)} has the range ${span}, which runs backwards: a range does not wrap around, so write it as ${fix}`;
    }
  }
  return `a field has the range ${range}, which runs backwards: a range does not wrap around, so split it in two at the end of the field's values`;
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
