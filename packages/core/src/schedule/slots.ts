/**
 * Slot math: the instants a schedule fires at, as pure functions of injected instants (no
 * clock reads), so every worker computes the same slots. `every` slots are the multiples
 * of the interval since the epoch; `cron` slots are the pattern's wall-clock matches in
 * the schedule's zone, each mapped to one instant by the DST rules of `wall-clock.ts`.
 */
import type { Cron } from 'croner';
import { InvalidOptionError } from '../errors.js';
import { compileCron } from './cron.js';
import type { MisfirePolicy } from './define-schedule.js';
import { instantOfWallTime, offsetRange } from './wall-clock.js';

/**
 * When a schedule fires, as the slot math reads it: a {@link ScheduleDefinition} and a
 * stored `ScheduleSpec` both have this shape. Exactly one of `every` (ms) and `cron`.
 */
export interface SlotTiming {
  readonly every?: number | undefined;
  readonly cron?: string | undefined;
  /** IANA zone the cron pattern is read in. */
  readonly tz: string;
}

/** A timing with what {@link dueSlots} needs too: the misfire policy and the enabled flag. */
export interface SlotPolicy extends SlotTiming {
  readonly misfire: MisfirePolicy;
  readonly enabled: boolean;
}

/**
 * How late a slot may be reached and still count as on time for `misfire: 'skip'` (and
 * for a schedule's first slot): a worker's timer can wake late under load, and a slot
 * reached within this is fired, not skipped as missed.
 */
export const FIRE_GRACE_MS = 5_000;

/** Compiled patterns by text: specs come fresh from each `list`, so not cached per object. */
const compiled = new Map<string, Cron>();
const MAX_COMPILED = 10_000;

function cronOf(pattern: string): Cron {
  let cron = compiled.get(pattern);
  if (!cron) {
    cron = compileCron(pattern);
    // Oldest out first (a Map iterates in insertion order): a bound, not an LRU.
    if (compiled.size >= MAX_COMPILED) compiled.delete(compiled.keys().next().value as string);
    compiled.set(pattern, cron);
  }
  return cron;
}

/** Slots strictly after `after`, ascending, without end (unless the pattern runs out). */
function* slotsAfter(schedule: SlotTiming, after: number): Generator<number> {
  const { every, cron } = schedule;
  if (every !== undefined) {
    for (let slot = (Math.floor(after / every) + 1) * every; ; slot += every) yield slot;
  }
  if (cron === undefined) return;
  const pattern = cronOf(cron);
  const { tz } = schedule;
  // A wall time firing after `after` is later than `after` plus the smallest offset near it.
  let cursor = after + offsetRange(tz, after).min;
  let last = after;
  for (;;) {
    const wall = pattern.nextRun(new Date(cursor))?.getTime();
    if (wall === undefined) return;
    cursor = wall;
    const slot = instantOfWallTime(tz, wall);
    // Skips wall times already past (a repeated hour) and gap times mapped onto one instant.
    if (slot > last) {
      last = slot;
      yield slot;
    }
  }
}

/** Slots at or before `atOrBefore`, newest first, without end. */
function* slotsUpTo(schedule: SlotTiming, atOrBefore: number): Generator<number> {
  const { every, cron } = schedule;
  if (every !== undefined) {
    for (let slot = Math.floor(atOrBefore / every) * every; ; slot -= every) yield slot;
  }
  if (cron === undefined) return;
  const pattern = cronOf(cron);
  const { tz } = schedule;
  // A wall time firing at or before `atOrBefore` is at most it plus the largest offset near it.
  let cursor = atOrBefore + offsetRange(tz, atOrBefore).max + 1;
  let last = atOrBefore + 1;
  for (;;) {
    const [previous] = pattern.previousRuns(1, new Date(cursor));
    if (previous === undefined) return;
    const wall = previous.getTime();
    cursor = wall;
    const slot = instantOfWallTime(tz, wall);
    if (slot < last) {
      last = slot;
      yield slot;
    }
  }
}

/**
 * The next `count` fire instants strictly after `after` (ms since the epoch), ascending.
 *
 * @example
 * nextSlots(defineSchedule({ id: 'tick', task, every: '5m', input: {} }), Date.UTC(2026, 0, 1), 2);
 * // [Date.UTC(2026, 0, 1, 0, 5), Date.UTC(2026, 0, 1, 0, 10)]
 */
export function nextSlots(schedule: SlotTiming, after: number, count: number): number[] {
  assertSchedule(schedule);
  assertInstant(after, 'after');
  assertCount(count, 'count');
  const out: number[] = [];
  for (const slot of slotsAfter(schedule, after)) {
    if (out.length >= count) break;
    out.push(slot);
  }
  return out;
}

/** The slots in `(from, to]`, ascending, at most `limit` of them (the earliest). */
export function slotsBetween(
  schedule: SlotTiming,
  from: number,
  to: number,
  limit: number,
): number[] {
  assertSchedule(schedule);
  assertInstant(from, 'from');
  assertInstant(to, 'to');
  assertCount(limit, 'limit');
  const out: number[] = [];
  if (to <= from) return out;
  for (const slot of slotsAfter(schedule, from)) {
    if (slot > to || out.length >= limit) break;
    out.push(slot);
  }
  return out;
}

/**
 * The slots to fire now, oldest first, given the last slot fired (undefined: never) and
 * the current instant, by the schedule's misfire policy: `'skip'` fires the current slot
 * only when it is reached on time (within {@link FIRE_GRACE_MS}), none missed; `'latest'`
 * the newest slot not yet fired; `{ catchUp: n }` up to the newest `n`. A schedule that
 * has never fired starts with a slot reached on time; a disabled one has none due.
 *
 * @example
 * // an every-minute schedule back after 10 minutes down, misfire { catchUp: 3 }
 * dueSlots(schedule, t0, t0 + 600_000); // [t0 + 480_000, t0 + 540_000, t0 + 600_000]
 */
export function dueSlots(
  schedule: SlotPolicy,
  lastFiredSlot: number | undefined,
  now: number,
): number[] {
  assertSchedule(schedule);
  assertInstant(now, 'now');
  if (lastFiredSlot !== undefined) assertInstant(lastFiredSlot, 'lastFiredSlot');
  if (!schedule.enabled) return [];
  const { misfire } = schedule;
  const onTime = now - FIRE_GRACE_MS;
  const floor = lastFiredSlot === undefined ? onTime - 1 : lastFiredSlot;
  const limit = typeof misfire === 'object' && lastFiredSlot !== undefined ? misfire.catchUp : 1;
  const newest: number[] = [];
  for (const slot of slotsUpTo(schedule, now)) {
    if (slot <= floor || newest.length >= limit) break;
    newest.push(slot);
  }
  if (misfire === 'skip') {
    const current = newest[0];
    return current !== undefined && current >= onTime ? [current] : [];
  }
  return newest.reverse();
}

function assertInstant(value: unknown, option: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InvalidOptionError(
      option,
      value,
      'an instant in ms since the epoch (a finite number)',
    );
  }
}

function assertSchedule(value: unknown): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidOptionError(
      'schedule',
      value,
      'a schedule: what defineSchedule returns, or a stored schedule spec',
    );
  }
}

function assertCount(value: unknown, option: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 100_000) {
    throw new InvalidOptionError(option, value, 'an integer from 0 to 100000');
  }
}
