import type {
  ScheduleSpec,
  ScheduleState,
  TransportSchedules,
  UpsertOutcome,
} from '@conveyor/core';
import { baseQueueOf, type ScheduleCarry, scheduleCarry } from '@conveyor/core/transport';
import type { Cluster, Redis } from 'ioredis';
import { redisCall } from './call.js';
import { scheduleQueuesKey, scheduleSpecsKey, schedulesKey } from './keys.js';
import { runScript } from './scripts.js';
import { assertEncodable, fireArgs, readFireReply } from './wire/enqueue-calls.js';
import { readListReply, readUpsertReply, upsertArgs } from './wire/schedule-calls.js';

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
 * partition counts), whose mark and pause a copy takes (`scheduleCarry`, docs/partitions.md).
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
  const ownKeys = (queue: string) => [scheduleSpecsKey(prefix, queue), schedulesKey(prefix, queue)];

  async function upsertChunk(
    queue: string,
    specs: readonly ScheduleSpec[],
    others: readonly ScheduleState[],
  ) {
    const carries = specs.map((spec) => carryArg(scheduleCarry(queue, spec.id, others)));
    const reply = await redisCall(
      'upsert-schedules',
      () =>
        runScript(commands, 'upsert-schedules', ownKeys(queue), [...upsertArgs(specs), ...carries]),
      commands,
    );
    return readUpsertReply(reply, specs.length);
  }

  /**
   * The stored schedules of the other queues with schedules that share a base queue with one
   * of `queues` (other partition counts of it), for {@link scheduleCarry}. They are in other
   * hash slots, so this read is not atomic with the upsert: a copy that fires meanwhile (old
   * and new counts' workers side by side) may be one slot ahead of what is carried.
   */
  async function otherCopies(queues: readonly string[]): Promise<ScheduleState[]> {
    const bases = new Set(queues.map(baseQueueOf));
    const own = new Set(queues);
    const registered = await redisCall(
      'list-schedule-queues',
      () => commands.smembers(scheduleQueuesKey(prefix)),
      commands,
    );
    const others = registered.filter((name) => !own.has(name) && bases.has(baseQueueOf(name)));
    const lists = await Promise.all(others.sort().map(listQueue));
    return lists.flatMap((list) => list.schedules);
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
      // Registered first, so that a queue that holds schedules is in the set, and again
      // after, in case a removal of the queue's last schedule took it out meanwhile.
      await register([...positions.keys()]);
      const others = await otherCopies([...positions.keys()]);
      const outcomes: UpsertOutcome[] = new Array(specs.length);
      await Promise.all(
        [...positions].map(async ([queue, own]) => {
          for (let start = 0; start < own.length; start += UPSERT_CHUNK) {
            const chunk = own.slice(start, start + UPSERT_CHUNK);
            const answered = await upsertChunk(
              queue,
              chunk.map((position) => specs[position] as ScheduleSpec),
              others,
            );
            chunk.forEach((position, i) => {
              outcomes[position] = answered[i] as UpsertOutcome;
            });
          }
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
        () => runScript(commands, 'set-schedule-paused', ownKeys(queue), [id, paused ? '1' : '0']),
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
      ];
      const [reply] = await Promise.all([
        redisCall(
          'fire-schedule',
          () => runScript(commands, 'fire-schedule', keys, commonArgs, args),
          commands,
        ) as Promise<unknown[]>,
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
