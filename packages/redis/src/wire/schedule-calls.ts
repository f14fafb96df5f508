import type { ScheduleMark, ScheduleSpec, ScheduleState, UpsertOutcome } from '@conveyor/core';
import { RedisTransportError } from '../errors.js';
import { idOf } from './script-calls.js';

// How the stored schedules look in Redis and what their scripts answer: upsert-schedules,
// fence-schedules, set-schedule-paused, remove-schedule and list-schedules. fire-schedule's
// arguments and reply are enqueue-calls.ts's, next to enqueue's, whose job format it shares.

/** A schedule as upsert-schedules.lua takes it: its id and its spec's JSON. */
export function upsertArgs(specs: readonly ScheduleSpec[]): string[] {
  return specs.flatMap((spec) => [spec.id, JSON.stringify(spec)]);
}

const OUTCOMES: Readonly<Record<string, UpsertOutcome>> = {
  c: 'created',
  m: 'changed',
  u: 'unchanged',
};

/** upsert-schedules.lua's takeover tokens: `` for none. */
export function takeoverArgs(count: number, token: number | undefined): string[] {
  return new Array<string>(count).fill(token === undefined ? '' : String(token));
}

/**
 * upsert-schedules.lua's reply, a character per schedule, as outcomes, and whether each copy
 * is superseded after the call (an upper-case letter).
 */
export function readUpsertReply(
  reply: unknown,
  count: number,
): { outcomes: UpsertOutcome[]; superseded: boolean[] } {
  const text = String(reply);
  const outcomes = [...text].map((char) => OUTCOMES[char.toLowerCase()]);
  if (outcomes.length !== count || outcomes.some((outcome) => outcome === undefined)) {
    throw corrupt(`upsert-schedules answered ${JSON.stringify(text)} for ${count} schedules`);
  }
  const superseded = [...text].map((char) => char !== char.toLowerCase());
  return { outcomes: outcomes as UpsertOutcome[], superseded };
}

/** Whether a fence (`<active> <superseded>`, fence-schedules.lua) says the copy is superseded. */
function isSuperseded(fence: string | undefined): boolean {
  const match = fence === undefined ? null : /^(\d+) (\d+)$/.exec(fence);
  return match !== null && Number(match[2]) > Number(match[1]);
}

// `<revision> <updatedAt> <paused 0|1> <enabled 0|1> <overlap> <spec JSON>`
const RECORD = /^(\d+) (\d+) ([01]) [01] \S+ (.*)$/s;

/** A stored schedule (`<prefix>:{q}:specs`) with its mark, as `list` answers it. */
export function decodeScheduleRecord(
  text: string,
  mark: string | undefined,
  queue: string,
): ScheduleState {
  const match = RECORD.exec(text);
  if (!match) throw corrupt(`a schedule of queue "${queue}" is stored as ${JSON.stringify(text)}`);
  return {
    spec: JSON.parse(match[4] as string) as ScheduleSpec,
    paused: match[3] === '1',
    revision: Number(match[1]),
    updatedAt: Number(match[2]),
    mark: mark === undefined ? null : decodeScheduleMark(mark, queue),
  };
}

/**
 * A schedule mark as fire-schedule.lua stores it: `<slotAt> <jobSlotAt> <firedAt> <unique
 * id>`, or `<slotAt>` alone while no job has fired since (upsert-schedules.lua made it).
 */
export function decodeScheduleMark(text: string, queue: string): ScheduleMark | null {
  const match = /^(\d+)(?: (\d+) (\d+) (.+))?$/s.exec(text);
  if (!match) return null;
  const slotAt = Number(match[1]);
  if (match[4] === undefined) return { slotAt };
  return {
    slotAt,
    jobId: idOf(queue, match[4]),
    jobSlotAt: Number(match[2]),
    firedAt: Number(match[3]),
  };
}

/** An HGETALL reply as a map. */
function fieldsOf(reply: readonly string[]): Map<string, string> {
  const fields = new Map<string, string>();
  for (let i = 0; i + 1 < reply.length; i += 2) {
    fields.set(reply[i] as string, reply[i + 1] as string);
  }
  return fields;
}

/**
 * list-schedules.lua's (and fence-schedules.lua's) reply, `{now, schedules HGETALL, marks
 * HGETALL, fences HGETALL}`, for one queue.
 */
export function readListReply(
  reply: readonly unknown[],
  queue: string,
): { now: number; schedules: ScheduleState[] } {
  const [now, records, marks, fences] = reply as [string, string[], string[], string[]];
  const markOf = fieldsOf(marks);
  const fenceOf = fieldsOf(fences ?? []);
  const schedules: ScheduleState[] = [];
  for (let i = 0; i + 1 < records.length; i += 2) {
    const id = records[i] as string;
    const state = decodeScheduleRecord(records[i + 1] as string, markOf.get(id), queue);
    if (isSuperseded(fenceOf.get(id))) state.superseded = true;
    schedules.push(state);
  }
  schedules.sort((a, b) => (a.spec.id < b.spec.id ? -1 : a.spec.id > b.spec.id ? 1 : 0));
  return { now: Number(now), schedules };
}

function corrupt(what: string): RedisTransportError {
  return new RedisTransportError(
    'CORRUPT',
    'schedules',
    new Error(
      `${what}, not as this @conveyor/redis writes schedules; remove the schedule and put it again`,
    ),
  );
}
