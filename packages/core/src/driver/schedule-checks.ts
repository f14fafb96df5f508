import { isStoredQueueName, storedQueueNameRule } from '../envelope.js';
import { InvalidOptionError, PayloadTooLargeError } from '../errors.js';
import { MAX_SLOT_AT, scheduleJobId } from '../ids.js';
import { assertIndexOption } from '../input-index.js';
import { assertJsonValue, type JsonValue } from '../json.js';
import { cronProblem } from '../schedule/cron.js';
import { MIN_EVERY_MS } from '../schedule/duration.js';
import { isTimeZone, zoneSpelling } from '../schedule/wall-clock.js';
import type { EnqueueRequest } from '../transport.js';
import {
  type FireRequest,
  isScheduleId,
  SCHEDULE_ID_RULE,
  type ScheduleMisfire,
  type ScheduleSpec,
} from '../transport-schedules.js';
import { checkEnqueueRequests } from './checks.js';

// The argument checks of `transport.schedules` [S6]: one copy, so that every transport
// refuses the same schedule with the same coded error.

/** Most slots a `{ catchUp: n }` misfire policy fires after an outage. */
const MAX_CATCH_UP = 1_000;

export function assertScheduleId(id: unknown): asserts id is string {
  if (!isScheduleId(id)) throw new InvalidOptionError('schedule id', id, SCHEDULE_ID_RULE);
}

export function assertScheduleQueue(queue: unknown): asserts queue is string {
  if (!isStoredQueueName(queue)) {
    throw new InvalidOptionError('schedule queue', queue, storedQueueNameRule(queue));
  }
}

/**
 * A spec as a driver stores it: every field checked, in one fixed order, with the input
 * as its JSON round trip, so that the same schedule always serializes to the same text
 * (which is how `upsert` tells `unchanged` from `changed`). Unknown fields are dropped.
 */
export function checkScheduleSpec(spec: unknown, maxPayloadBytes: number): ScheduleSpec {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    throw new InvalidOptionError('schedule spec', spec, 'an object: { id, queue, task, … }');
  }
  const s = spec as Partial<Record<keyof ScheduleSpec, unknown>>;
  assertScheduleId(s.id);
  assertScheduleQueue(s.queue);
  const label = `of schedule ${JSON.stringify(s.id)}`;
  const bad = (field: string, expected: string): never => {
    throw new InvalidOptionError(`${field} ${label}`, s[field as keyof ScheduleSpec], expected);
  };
  if (typeof s.task !== 'string' || s.task === '') bad('task', 'a task name');
  const timing = timingOf(s, bad);
  if (typeof s.enabled !== 'boolean') bad('enabled', 'true or false');
  if (s.source !== 'code' && s.source !== 'runtime') bad('source', "'code' or 'runtime'");
  if (s.overlap !== 'allow' && s.overlap !== 'skip') bad('overlap', "'allow' or 'skip'");
  if (typeof s.maxAttempts !== 'number' || !Number.isFinite(s.maxAttempts)) {
    bad('maxAttempts', 'a finite number');
  }
  if (typeof s.priority !== 'number' || !Number.isInteger(s.priority)) bad('priority', '0 to 9');
  if ((s.priority as number) < 0 || (s.priority as number) > 9) bad('priority', '0 to 9');
  if (s.schema !== undefined && (typeof s.schema !== 'string' || s.schema === '')) {
    bad('schema', 'a schema fingerprint (a non-empty string) or nothing');
  }
  if (s.index !== undefined) assertIndexOption(s.index, `index ${label}`);
  const checked: ScheduleSpec = {
    id: s.id,
    queue: s.queue,
    task: s.task as string,
    ...timing,
    input: inputOf(s.input, s.task as string, label, maxPayloadBytes),
    misfire: misfireOf(s.misfire, bad),
    overlap: s.overlap as ScheduleSpec['overlap'],
    enabled: s.enabled as boolean,
    source: s.source as ScheduleSpec['source'],
    maxAttempts: s.maxAttempts as number,
    priority: s.priority as number,
  };
  if (s.schema !== undefined) checked.schema = s.schema as string;
  // Absent when empty: a task without indexed fields stores the spec it stored before.
  if (s.index !== undefined && s.index.length > 0) checked.index = [...s.index];
  return checked;
}

type Bad = (field: string, expected: string) => never;

function timingOf(
  s: Partial<Record<keyof ScheduleSpec, unknown>>,
  bad: Bad,
): Pick<ScheduleSpec, 'every' | 'cron' | 'tz'> {
  if ((s.every === undefined) === (s.cron === undefined)) {
    bad('every', 'exactly one of every (ms) and cron (a pattern)');
  }
  if (s.every !== undefined) {
    const every = s.every;
    if (typeof every !== 'number' || !Number.isSafeInteger(every) || every < MIN_EVERY_MS) {
      bad('every', `an integer number of ms, ${MIN_EVERY_MS} or more`);
    }
    if (s.tz !== 'UTC') bad('tz', "'UTC' for an every schedule (its slots are instants)");
    return { every: every as number, tz: 'UTC' };
  }
  if (typeof s.cron !== 'string' || s.cron.trim() === '') bad('cron', 'a cron pattern');
  // As defineSchedule checks it: a stored pattern no worker can read never fires, silently.
  const problem = cronProblem(s.cron);
  if (problem !== undefined) bad('cron', problem);
  if (!isTimeZone(s.tz)) bad('tz', 'an IANA time zone, e.g. "Europe/Berlin" or "UTC"');
  // One spelling per timing, as defineSchedule stores it, for a spec written by hand too
  // (a raw transport.schedules.upsert): two spellings were two revisions of one schedule.
  return {
    cron: (s.cron as string).trim().replace(/\s+/g, ' '),
    tz: zoneSpelling(s.tz as string),
  };
}

function misfireOf(value: unknown, bad: Bad): ScheduleMisfire {
  if (value === 'skip' || value === 'latest') return value;
  if (typeof value === 'object' && value !== null && Object.keys(value).join() === 'catchUp') {
    const n = (value as { catchUp: unknown }).catchUp;
    if (typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= MAX_CATCH_UP) {
      return { catchUp: n };
    }
  }
  return bad('misfire', `'skip', 'latest' or { catchUp: n } with n from 1 to ${MAX_CATCH_UP}`);
}

/** The input as its JSON round trip, within the payload cap. */
function inputOf(input: unknown, task: string, label: string, maxBytes: number): JsonValue {
  if (input === undefined) {
    throw new InvalidOptionError(`input ${label}`, input, 'a JSON value (null for none)');
  }
  assertJsonValue(input, `input ${label}`);
  const json = JSON.stringify(input);
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > maxBytes) throw new PayloadTooLargeError(task, bytes, maxBytes, undefined, 'input');
  return JSON.parse(json) as JsonValue;
}

/** A fire request as the driver gets it: checked, the job's id the slot's [S4, S6]. */
export function checkFire(request: FireRequest, maxPayloadBytes: number): FireRequest {
  if (typeof request !== 'object' || request === null) {
    throw new InvalidOptionError('fire request', request, '{ scheduleId, revision, slotAt, job }');
  }
  const { scheduleId, revision, slotAt, job } = request;
  assertScheduleId(scheduleId);
  if (typeof revision !== 'number' || !Number.isSafeInteger(revision) || revision < 1) {
    throw new InvalidOptionError(
      'revision',
      revision,
      "the schedule's revision from list(): an integer, 1 or more",
    );
  }
  if (
    typeof slotAt !== 'number' ||
    !Number.isInteger(slotAt) ||
    slotAt < 0 ||
    slotAt > MAX_SLOT_AT
  ) {
    throw new InvalidOptionError(
      'slotAt',
      slotAt,
      `a slot time in ms since the epoch: an integer from 0 to ${MAX_SLOT_AT}`,
    );
  }
  if (
    typeof job !== 'object' ||
    job === null ||
    typeof job.envelope !== 'object' ||
    !job.envelope
  ) {
    throw new InvalidOptionError('fire job', job, 'an enqueue request: { envelope, … }');
  }
  assertScheduleQueue(job.envelope.queue);
  const id = scheduleJobId(job.envelope.queue, scheduleId, slotAt);
  const slotJob: EnqueueRequest = { ...job, envelope: { ...job.envelope, id } };
  checkEnqueueRequests([slotJob], maxPayloadBytes);
  return { scheduleId, revision, slotAt, job: slotJob };
}
