import type {
  ScheduleSpec,
  ScheduleState,
  TransportSchedules,
  UpsertOutcome,
} from '@conveyor/core';
import { baseQueueOf, type ScheduleCarry, scheduleCarry } from '@conveyor/core/transport';
import type { Cluster, Redis } from 'ioredis';
import { redisCall } from './call.js';
import {
  scheduleFenceCounterKey,
  scheduleFencesKey,
  scheduleQueuesKey,
  scheduleSpecsKey,
  schedulesKey,
} from './keys.js';
import { runScript } from './scripts.js';
import { assertEncodable, fireArgs, readFireReply } from './wire/enqueue-calls.js';
import { readListReply, readUpsertReply, takeoverArgs, upsertArgs } from './wire/schedule-calls.js';
import { namingWrongKey } from './wrong-type.js';

/** Schedules per upsert-schedules.lua call: bounds how long one call holds Redis. */
const UPSERT_CHUNK = 500;

export interface RedisSchedulesOptions {
  commands: Redis | Cluster;
  prefix: string;
  /** The 21 keys of a queue (`queueKeys`). */
  queueKeys(queue: string): readonly string[];
  /** The two arguments every queue script starts with: default result TTL, finished kept. */
  commonArgs: ReadonlyArray<string | number>;
  defaultDedupeWindowMs: number;
  /** False: a fired job gets its own hash (`RedisTransportOptions.packWaitingJobs`). */
  packWaitingJobs: boolean;
  /** Records queues in the registry that `listQueues` reads. */
  registerQueues(queues: readonly string[]): Promise<void>;
}

/**
 * `TransportSchedules` on Redis [S1–S14]. Per queue, under its hash tag, a hash of its
 * schedules (spec, revision, flags) and a hash of their marks; fire-schedule.lua checks
 * the schedule and its mark, enqueues the job as enqueue.lua does and moves the mark, in
 * one script on Redis `TIME`. A set of the queues with schedules serves `list()` without
 * queues, and `upsert` finds there the other copies of a schedule on its base queue (other
 * partition counts): it fences them (a hash of fences per queue, which fire-schedule.lua
 * checks) before it reads their mark and pause, which the copy takes (`scheduleCarry`), so
 * one copy of an id fires at a time (docs/partitions.md, "Schedules").
 * `createTransport` checks the arguments and puts specs in their stored form.
 */
export function redisSchedules(options: RedisSchedulesOptions): TransportSchedules {
  const {
    commands,
    prefix,
    queueKeys,
    commonArgs,
    defaultDedupeWindowMs,
    packWaitingJobs,
    registerQueues,
  } = options;
  const ownKeys = (queue: string) => [
    scheduleSpecsKey(prefix, queue),
    schedulesKey(prefix, queue),
    scheduleFencesKey(prefix, queue),
  ];

  /**
   * Stores `specs` of `queue`. With `others` (the other registered queues of its base queue:
   * other partition counts) or `takeover`, the copies take the schedule over (docs/partitions.md,
   * "Schedules"): a token from the shared counter fences the ids in every other queue, whose
   * marks and flags, read back after the fence (final: a fenced copy claims no slot more), are
   * carried over (`scheduleCarry`), and the copies are activated with the token. Without,
   * one call, as for an unpartitioned queue.
   */
  async function upsertChunk(
    queue: string,
    specs: readonly ScheduleSpec[],
    others: readonly string[],
    takeover = others.length > 0,
  ) {
    let token: number | undefined;
    let fenced: ScheduleState[] = [];
    if (takeover) {
      token = await redisCall(
        'schedule-fence-token',
        () => commands.incr(scheduleFenceCounterKey(prefix)),
        commands,
      );
      const ids = specs.map((spec) => spec.id);
      const lists = await Promise.all(others.map((other) => fenceQueue(other, token ?? 0, ids)));
      fenced = lists.flatMap((list) => list.schedules);
    }
    const carries = specs.map((spec) => carryArg(scheduleCarry(queue, spec.id, fenced)));
    const args = [...upsertArgs(specs), ...carries, ...takeoverArgs(specs.length, token)];
    const reply = await redisCall(
      'upsert-schedules',
      () => runScript(commands, 'upsert-schedules', ownKeys(queue), args),
      commands,
    );
    return readUpsertReply(reply, specs.length);
  }

  async function fenceQueue(queue: string, token: number, ids: readonly string[]) {
    const reply = (await redisCall(
      'fence-schedules',
      () => runScript(commands, 'fence-schedules', ownKeys(queue), [String(token), ...ids]),
      commands,
    )) as unknown[];
    return readListReply(reply, queue);
  }

  /** The other registered queues of `queue`'s base queue (its other partition counts). */
  async function otherQueues(): Promise<(queue: string) => string[]> {
    const registered = await redisCall(
      'list-schedule-queues',
      () => commands.smembers(scheduleQueuesKey(prefix)),
      commands,
    );
    registered.sort();
    return (queue) =>
      registered.filter((name) => name !== queue && baseQueueOf(name) === baseQueueOf(queue));
  }

  /** Stores `specs` of `queue` in chunks; their outcomes, in order. */
  async function upsertQueue(
    queue: string,
    specs: readonly ScheduleSpec[],
    others: readonly string[],
  ): Promise<UpsertOutcome[]> {
    const outcomes: UpsertOutcome[] = [];
    for (let start = 0; start < specs.length; start += UPSERT_CHUNK) {
      const chunk = specs.slice(start, start + UPSERT_CHUNK);
      const { outcomes: answered, superseded } = await upsertChunk(queue, chunk, others);
      outcomes.push(...answered);
      // Stored superseded with no takeover: another copy's takeover fenced this id while it
      // was not stored (both first stored at once), or a copy fenced before is stored again
      // with no other copy left. Take it over now, with the queues registered since.
      const behind = chunk.filter((_, i) => superseded[i]);
      if (others.length === 0 && behind.length > 0) {
        const othersOf = await otherQueues();
        await upsertChunk(queue, behind, othersOf(queue), true);
      }
    }
    return outcomes;
  }

  const register = async (queues: readonly string[]): Promise<void> => {
    if (queues.length === 0) return;
    await redisCall(
      'register-schedule-queues',
      () => commands.sadd(scheduleQueuesKey(prefix), ...queues),
      commands,
    );
  };
  const schedulesIn = (queue: string) =>
    redisCall('count-schedules', () => commands.hlen(scheduleSpecsKey(prefix, queue)), commands);

  /**
   * Takes `queue` out of the set of queues with schedules when it has none left. The set is
   * in a slot of its own, so this cannot be one atomic step with the queue's schedules: the
   * count is read again after the removal and the queue put back when a schedule came
   * meanwhile, and `upsert` registers its queues again after writing, so that whatever the
   * order, a queue that holds schedules ends in the set.
   */
  async function unregisterIfEmpty(queue: string): Promise<void> {
    if ((await schedulesIn(queue)) > 0) return;
    await redisCall(
      'unregister-schedule-queue',
      () => commands.srem(scheduleQueuesKey(prefix), queue),
      commands,
    );
    if ((await schedulesIn(queue)) > 0) await register([queue]);
  }

  async function listQueue(queue: string) {
    const reply = (await redisCall(
      'list-schedules',
      () => runScript(commands, 'list-schedules', ownKeys(queue), []),
      commands,
    )) as unknown[];
    return readListReply(reply, queue);
  }

  return {
    async upsert(specs) {
      const positions = new Map<string, number[]>();
      specs.forEach((spec, position) => {
        const own = positions.get(spec.queue);
        if (own) own.push(position);
        else positions.set(spec.queue, [position]);
      });
      // Registered first, so that a queue that holds schedules is in the set (and a takeover
      // of another copy sees it), and again after, in case a removal of the queue's last
      // schedule took it out meanwhile.
      await register([...positions.keys()]);
      const othersOf = await otherQueues();
      const outcomes: UpsertOutcome[] = new Array(specs.length);
      await Promise.all(
        [...positions].map(async ([queue, own]) => {
          const ofQueue = own.map((position) => specs[position] as ScheduleSpec);
          const answered = await upsertQueue(queue, ofQueue, othersOf(queue));
          own.forEach((position, i) => {
            outcomes[position] = answered[i] as UpsertOutcome;
          });
        }),
      );
      await register([...positions.keys()]);
      return outcomes;
    },

    async remove(queue, id) {
      const removed = await redisCall(
        'remove-schedule',
        () => runScript(commands, 'remove-schedule', ownKeys(queue), [id]),
        commands,
      );
      if (Number(removed) === 1) await unregisterIfEmpty(queue);
      return Number(removed) === 1;
    },

    async setPaused(queue, id, paused) {
      const set = await redisCall(
        'set-schedule-paused',
        () =>
          runScript(commands, 'set-schedule-paused', ownKeys(queue).slice(0, 2), [
            id,
            paused ? '1' : '0',
          ]),
        commands,
      );
      return Number(set) === 1;
    },

    async list(queues) {
      const names =
        queues ??
        (await redisCall(
          'list-schedule-queues',
          () => commands.smembers(scheduleQueuesKey(prefix)),
          commands,
        ));
      if (names.length === 0) {
        const [seconds, micros] = await redisCall('time', () => commands.time(), commands);
        return { now: Number(seconds) * 1000 + Math.floor(Number(micros) / 1000), schedules: [] };
      }
      const sorted = [...names].sort();
      const lists = await Promise.all(sorted.map(listQueue));
      // Queues whose schedules are all gone (removed before removals unregistered them) leave
      // the set as a whole listing finds them.
      if (queues === undefined) {
        await Promise.all(
          sorted.filter((_, n) => lists[n]?.schedules.length === 0).map(unregisterIfEmpty),
        );
      }
      const schedules: ScheduleState[] = [];
      let now = 0;
      for (const list of lists) {
        schedules.push(...list.schedules);
        now = Math.max(now, list.now);
      }
      return { now, schedules };
    },

    async fire(request) {
      assertEncodable(request.job);
      const { queue } = request.job.envelope;
      const args = fireArgs(request, queue, defaultDedupeWindowMs, packWaitingJobs);
      const keys = [
        ...queueKeys(queue),
        schedulesKey(prefix, queue),
        scheduleSpecsKey(prefix, queue),
        scheduleFencesKey(prefix, queue),
      ];
      const [reply] = await Promise.all([
        (
          redisCall(
            'fire-schedule',
            () => runScript(commands, 'fire-schedule', keys, commonArgs, args),
            commands,
          ) as Promise<unknown[]>
        ).catch((error: unknown) => namingWrongKey(error, commands, prefix, queue)),
        registerQueues([queue]),
      ]);
      return readFireReply(reply, request, queue);
    },
  };
}

/** upsert-schedules.lua's carry argument: `` for none, else `<paused 0|1>[ <slotAt>]`. */
function carryArg(carry: ScheduleCarry | undefined): string {
  if (carry === undefined) return '';
  const paused = carry.paused ? '1' : '0';
  return carry.slotAt === undefined ? paused : `${paused} ${carry.slotAt}`;
}
