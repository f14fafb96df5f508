import { assertTask } from '../call-options.js';
import { InvalidOptionError, ValidationError } from '../errors.js';
import { checkJsonValue } from '../json.js';
import { revived } from '../json-boundary.js';
import { assertKnownKeys, type KnownKeys } from '../known-keys.js';
import { type ValidationOutcome, validateNow } from '../schema.js';
import type { AnyTaskContract, TaskInput } from '../task.js';
import { isScheduleId, SCHEDULE_ID_RULE, type ScheduleOverlap } from '../transport-schedules.js';
import { cronProblem } from './cron.js';
import { parseEvery } from './duration.js';
import { isTimeZone, zoneSpelling } from './wall-clock.js';

/**
 * What runs for slots missed while no worker ticked (an outage, a deploy): none (`'skip'`),
 * the newest (`'latest'`), or up to `n` of the newest, oldest first (`{ catchUp: n }`).
 */
export type MisfirePolicy = 'skip' | 'latest' | { readonly catchUp: number };

/** Whether a slot fires while the schedule's previous job is still active. */
export type OverlapPolicy = ScheduleOverlap;

/** When a schedule fires: exactly one of `every` or `cron`. */
export type ScheduleTiming =
  | {
      /** Interval in ms (integer, 1,000 or more) or a duration: `'30s'`, `'5m'`, `'1h30m'`, `'1d'`. */
      every: number | string;
      cron?: undefined;
      /** `every` slots are instants (multiples of the interval since the epoch): no zone. */
      tz?: undefined;
    }
  | {
      every?: undefined;
      /** 5 fields (`m h dom mon dow`) or 6 with seconds first, parsed by croner. */
      cron: string;
      /** IANA zone the cron pattern is read in. Default `'UTC'`. */
      tz?: string;
    };

export type ScheduleConfig<T extends AnyTaskContract> = ScheduleTiming & {
  /** 1–128 characters from A–Z, a–z, 0–9, `_`, `.`, `:` and `-`; stable across deploys. */
  id: string;
  /** The task (or codegen contract) each slot enqueues a job of. */
  task: T;
  /** The job's input, checked against the task's input schema now. */
  input: NoInfer<TaskInput<T>>;
  /** Default `'latest'`. */
  misfire?: MisfirePolicy;
  /** Default `'allow'`. */
  overlap?: OverlapPolicy;
  /** Default `true`. A disabled schedule has no due slots. */
  enabled?: boolean;
};

/** A checked, frozen schedule. `kind: 'schedule'` lets module scanning find it. */
export interface ScheduleDefinition<T extends AnyTaskContract = AnyTaskContract> {
  readonly kind: 'schedule';
  readonly id: string;
  readonly task: T;
  readonly input: TaskInput<T>;
  /** Interval in ms, for an `every` schedule. */
  readonly every: number | undefined;
  /** The cron pattern, for a `cron` schedule. */
  readonly cron: string | undefined;
  /** IANA zone of the cron pattern; `'UTC'` for `every` schedules. */
  readonly tz: string;
  readonly misfire: MisfirePolicy;
  readonly overlap: OverlapPolicy;
  readonly enabled: boolean;
}

// biome-ignore lint/suspicious/noExplicitAny: the widest schedule, for lists of them.
export type AnySchedule = ScheduleDefinition<any>;

const MAX_CATCH_UP = 1_000;

/**
 * A config's keys, which its error messages list. A config spread from a definition also has
 * `kind: 'schedule'`, a tag rather than an option: allowed, and never listed.
 */
const SCHEDULE_KEYS = {
  id: true,
  task: true,
  input: true,
  every: true,
  cron: true,
  tz: true,
  misfire: true,
  overlap: true,
  enabled: true,
} as const satisfies KnownKeys<Omit<ScheduleDefinition, 'kind'>>;

/**
 * Names other schedulers give these options (croner, node-cron, BullMQ, Agenda), which
 * are too far from ours for the spelling suggestion: `timezone` is 6 edits from `tz`.
 */
const OTHER_NAMES: Readonly<Record<string, keyof typeof SCHEDULE_KEYS>> = {
  timezone: 'tz',
  timeZone: 'tz',
  pattern: 'cron',
  interval: 'every',
};

/** BullMQ's repeat options that have no counterpart here, and what to do instead (§7). */
const NO_COUNTERPART: Readonly<Record<string, string>> = {
  startDate:
    'there is no start date: a schedule fires from when it is stored, so store it then, or define it with enabled: false and enable it then',
  endDate: 'there is no end date: pause the schedule, set enabled: false, or remove it',
  limit: 'there is no run limit: pause the schedule, set enabled: false, or remove it',
  immediately: 'to run it once now as well, call client.schedules.runNow(id) after it is stored',
};

/** Throws for an option under another scheduler's name, suggesting ours or what to do. */
function assertNoOtherNames(config: object, what: string): void {
  const given = (name: string) =>
    Object.hasOwn(config, name) && (config as Record<string, unknown>)[name] !== undefined;
  const known = Object.keys(SCHEDULE_KEYS).join(', ');
  for (const [name, ours] of Object.entries(OTHER_NAMES)) {
    if (!given(name)) continue;
    throw new InvalidOptionError(
      what,
      name,
      `one of ${known} (did you mean ${JSON.stringify(ours)}?)`,
    );
  }
  for (const [name, advice] of Object.entries(NO_COUNTERPART)) {
    if (given(name)) throw new InvalidOptionError(what, name, `one of ${known} (${advice})`);
  }
}

/**
 * Declares a periodic schedule: a task's job, with a fixed input, at every slot of an
 * interval or a cron pattern. Workers that are given it fire each slot exactly once
 * between them (see docs/schedules.md). The input is validated by the task's schema
 * here, in the form the worker will receive it, so a bad input fails at startup.
 *
 * @example
 * export const lowStockReport = defineSchedule({
 *   id: 'shop.lowStockReport',
 *   task: sendLowStockReport,
 *   cron: '0 7 * * *',
 *   tz: 'Europe/Berlin',
 *   input: { threshold: 5 },
 *   misfire: 'latest',
 * });
 */
export function defineSchedule<T extends AnyTaskContract>(
  config: ScheduleConfig<T>,
): ScheduleDefinition<T> {
  if (typeof config !== 'object' || config === null) {
    throw new InvalidOptionError(
      'schedule',
      config,
      'an object with id, task, input and every or cron',
    );
  }
  const { id } = config;
  if (!isScheduleId(id)) throw new InvalidOptionError('schedule id', id, SCHEDULE_ID_RULE);
  const what = `schedule ${JSON.stringify(id)} option`;
  assertNoOtherNames(config, what);
  const { kind, ...options } = config as ScheduleConfig<T> & { kind?: unknown };
  assertKnownKeys(kind === 'schedule' ? options : config, SCHEDULE_KEYS, what);
  const label = `of schedule ${JSON.stringify(id)}`;
  const task = config.task;
  assertTask(task, `task ${label}`);
  const { every, cron, tz } = timingOf(config, label);
  const definition: ScheduleDefinition<T> = {
    kind: 'schedule',
    id,
    task,
    input: checkedInput(task, config.input, id),
    every,
    cron,
    tz,
    misfire: misfireOf(config.misfire, label),
    overlap: overlapOf(config.overlap, label),
    enabled: enabledOf(config.enabled, label),
  };
  return Object.freeze(definition);
}

/** True for a value made by {@link defineSchedule}: what module scanning collects. */
export function isSchedule(value: unknown): value is AnySchedule {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { kind?: unknown }).kind === 'schedule' &&
    typeof (value as { id?: unknown }).id === 'string'
  );
}

function timingOf(
  config: ScheduleTiming,
  label: string,
): { every: number | undefined; cron: string | undefined; tz: string } {
  const hasEvery = config.every !== undefined;
  const hasCron = config.cron !== undefined;
  if (hasEvery === hasCron) {
    throw new InvalidOptionError(
      `timing ${label}`,
      // The timing as given: `{}` for neither (a phrase here read as a quoted value).
      { every: config.every, cron: config.cron },
      "exactly one of every (ms or a duration such as '5m') and cron (such as '0 7 * * *')",
    );
  }
  if (hasEvery) {
    const { tz } = config as { tz?: unknown };
    if (tz !== undefined) {
      throw new InvalidOptionError(
        `tz ${label}`,
        tz,
        'no tz with every (its slots are instants, multiples of the interval since the epoch); use cron with tz for wall-clock times',
      );
    }
    return { every: parseEvery(config.every, `every ${label}`), cron: undefined, tz: 'UTC' };
  }
  const tz = config.tz ?? 'UTC';
  if (!isTimeZone(tz)) {
    throw new InvalidOptionError(
      `tz ${label}`,
      tz,
      "an IANA time zone such as 'Europe/Berlin' or 'UTC'",
    );
  }
  // Spaces around and between fields are no part of the timing: stored as one spelling.
  const written: unknown = config.cron;
  const pattern = typeof written === 'string' ? written.trim().replace(/\s+/g, ' ') : written;
  const problem = cronProblem(pattern);
  if (problem !== undefined) throw new InvalidOptionError(`cron ${label}`, written, problem);
  return { every: undefined, cron: pattern as string, tz: zoneSpelling(tz) };
}

function checkedInput<T extends AnyTaskContract>(
  task: T,
  input: unknown,
  id: string,
): TaskInput<T> {
  const outcome = validateNow(task.input, input);
  // A schema that validates asynchronously is checked at each enqueue, as every job is.
  if (outcome instanceof Promise) {
    outcome.catch(() => {});
    return input as TaskInput<T>;
  }
  throwIfInvalid(task, outcome, id, false, input);
  let exact: boolean;
  try {
    exact = checkJsonValue(input, 'input');
  } catch (error) {
    throw named(error, id);
  }
  if (!exact) {
    // JSON changes the value (a Date, an undefined property): check what the worker gets.
    const received = revived(task.input, JSON.parse(JSON.stringify(input)));
    const again = validateNow(task.input, received);
    if (!(again instanceof Promise)) throwIfInvalid(task, again, id, true, received);
    else again.catch(() => {});
  }
  return input as TaskInput<T>;
}

/** `value`: what was validated, quoted at each issue's path. */
function throwIfInvalid(
  task: AnyTaskContract,
  outcome: ValidationOutcome<unknown>,
  id: string,
  afterJson: boolean,
  value: unknown,
): void {
  if (outcome.ok) return;
  throw named(new ValidationError(task.name, 'input', outcome.issues, { afterJson, value }), id);
}

/** Starts an error's message with the schedule it is about. */
function named(error: unknown, id: string): unknown {
  if (error instanceof Error) error.message = `Schedule ${JSON.stringify(id)}: ${error.message}`;
  return error;
}

function misfireOf(value: unknown, label: string): MisfirePolicy {
  if (value === undefined) return 'latest';
  if (value === 'skip' || value === 'latest') return value;
  if (typeof value === 'object' && value !== null && Object.keys(value).join() === 'catchUp') {
    const n = (value as { catchUp: unknown }).catchUp;
    if (typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= MAX_CATCH_UP) {
      return Object.freeze({ catchUp: n });
    }
  }
  throw new InvalidOptionError(
    `misfire ${label}`,
    value,
    `'skip', 'latest' or { catchUp: n } with n an integer from 1 to ${MAX_CATCH_UP}`,
  );
}

function overlapOf(value: unknown, label: string): OverlapPolicy {
  if (value === undefined) return 'allow';
  if (value === 'allow' || value === 'skip') return value;
  throw new InvalidOptionError(`overlap ${label}`, value, "'allow' or 'skip'");
}

function enabledOf(value: unknown, label: string): boolean {
  if (value === undefined) return true;
  if (typeof value === 'boolean') return value;
  throw new InvalidOptionError(`enabled ${label}`, value, 'true or false');
}
