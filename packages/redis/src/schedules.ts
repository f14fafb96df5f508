import type { TransportSchedules } from '@conveyor/core';
import type { Cluster, Redis } from 'ioredis';
import { redisCall } from './errors.js';
import { schedulesKey } from './keys.js';
import { runScript } from './scripts.js';
import {
  assertEncodable,
  decodeScheduleMark,
  fireArgs,
  readFireReply,
} from './wire/enqueue-calls.js';

export interface RedisSchedulesOptions {
  commands: Redis | Cluster;
  prefix: string;
  /** The 21 keys of a queue (`queueKeys`). */
  queueKeys(queue: string): readonly string[];
  /** The two arguments every queue script starts with: default result TTL, finished kept. */
  commonArgs: ReadonlyArray<string | number>;
  defaultDedupeWindowMs: number;
  /** Records queues in the registry that `listQueues` reads. */
  registerQueues(queues: readonly string[]): Promise<void>;
}

/**
 * `TransportSchedules` on Redis [S1–S5]: fire-schedule.lua reads the schedule's mark,
 * checks overlap, enqueues the job as enqueue.lua does and moves the mark, in one script
 * on Redis `TIME`; the marks are a hash per queue, under the queue's hash tag.
 * `createTransport` checks the arguments and sets the job's id.
 */
export function redisSchedules(options: RedisSchedulesOptions): TransportSchedules {
  const { commands, prefix, queueKeys, commonArgs, defaultDedupeWindowMs, registerQueues } =
    options;
  return {
    async fire(request) {
      assertEncodable(request.job);
      const { queue } = request.job.envelope;
      const args = fireArgs(request, queue, defaultDedupeWindowMs);
      const keys = [...queueKeys(queue), schedulesKey(prefix, queue)];
      const [reply] = await Promise.all([
        redisCall('fire-schedule', () =>
          runScript(commands, 'fire-schedule', keys, commonArgs, args),
        ) as Promise<unknown[]>,
        registerQueues([queue]),
      ]);
      return readFireReply(reply, request, queue);
    },

    async lastFired(queue, scheduleIds) {
      const marks = await redisCall('hmget', () =>
        commands.hmget(schedulesKey(prefix, queue), ...scheduleIds),
      );
      return marks.map((mark) => decodeScheduleMark(mark, queue));
    },
  };
}
