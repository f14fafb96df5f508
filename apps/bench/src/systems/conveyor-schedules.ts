/**
 * Conveyor's periodic schedules for the schedules case: the definitions, the harness's
 * declaration through `transport.schedules`, and a worker that runs them
 * (`createWorker({ schedules })`), all through the public API.
 */
import {
  type AnySchedule,
  defineSchedule,
  defineTask,
  scheduleSpec,
  silentLogger,
  type UpsertOutcome,
} from '@conveyor/core';
import { type RedisTransport, redisTransport } from '@conveyor/redis';
import { createWorker } from '@conveyor/worker';
import { type BenchPayload, benchPayloadSchema, payload } from '../payload.js';
import type { Consumer, ConsumerHooks, ScheduleSet, Schedules } from './types.js';

/** Specs per `upsert` call when the harness declares the set. */
const UPSERT_BATCH = 1_000;

/** A task that does nothing, on the set's queue: a schedule's jobs go to its task's queue. */
function scheduledTask(queue: string, hooks?: ConsumerHooks) {
  return defineTask({
    name: 'bench.scheduled',
    input: benchPayloadSchema,
    queue,
    retry: { attempts: 1 },
    run(job: BenchPayload) {
      hooks?.onStart?.(job);
      return null;
    },
  });
}

/** `bench-0` … `bench-<count - 1>`, every one on the same cron pattern, in UTC. */
function scheduleDefinitions(set: ScheduleSet, task: ReturnType<typeof scheduledTask>) {
  return Array.from(
    { length: set.count },
    (_, i): AnySchedule =>
      defineSchedule({ id: `bench-${i}`, task, cron: set.cron, tz: 'UTC', input: payload(i) }),
  );
}

/** The harness's side: declares the set as a deploy's first worker would, and counts. */
export async function conveyorSchedules({ url }: { url: string }): Promise<Schedules> {
  const transport = redisTransport({ url, logger: silentLogger });
  return {
    async declare(set) {
      const specs = scheduleDefinitions(set, scheduledTask(set.queue)).map((schedule) =>
        scheduleSpec(schedule, 'code'),
      );
      for (let from = 0; from < specs.length; from += UPSERT_BATCH) {
        await transport.schedules.upsert(specs.slice(from, from + UPSERT_BATCH));
      }
    },
    async stored(set) {
      const { schedules } = await transport.schedules.list([set.queue]);
      return schedules.length;
    },
    async unfinished(set) {
      const [counts] = await transport.admin.queueCounts([set.queue]);
      return counts ? counts.waiting + counts.active : 0;
    },
    close: () => transport.close(),
  };
}

/**
 * The transport with `schedules.upsert` watched: `onDeclared` runs once upserts have
 * covered `count` specs, which is when a worker's start-up declaration is done.
 */
function watchDeclaration(
  transport: RedisTransport,
  count: number,
  onDeclared: () => void,
): RedisTransport {
  let seen = 0;
  const schedules = {
    ...transport.schedules,
    async upsert(specs: Parameters<RedisTransport['schedules']['upsert']>[0]) {
      const outcomes: UpsertOutcome[] = await transport.schedules.upsert(specs);
      seen += specs.length;
      if (seen >= count) onDeclared();
      return outcomes;
    },
  };
  return new Proxy(transport, {
    get: (target, key, receiver) =>
      key === 'schedules' ? schedules : Reflect.get(target, key, receiver),
  });
}

/**
 * A Conveyor worker given the set (`createWorker({ schedules })`): it declares them at start,
 * ticks, fires each due slot and runs the jobs. `start` resolves once it has declared them.
 */
export async function conveyorScheduleConsumer(
  options: { url: string; concurrency: number; prefetch: number },
  set: ScheduleSet,
  hooks: ConsumerHooks,
): Promise<Consumer> {
  let declared: () => void = () => {};
  const declaration = new Promise<void>((resolve) => {
    declared = resolve;
  });
  const transport = watchDeclaration(
    redisTransport({ url: options.url, logger: silentLogger }),
    set.count,
    () => declared(),
  );
  // One read opens the connection, so that start-up is not timed.
  await transport.getJob(`${set.queue}:warmup`);
  const task = scheduledTask(set.queue, hooks);
  const worker = createWorker({
    transport,
    tasks: [task],
    queues: [set.queue],
    schedules: scheduleDefinitions(set, task),
    concurrency: options.concurrency,
    prefetch: options.prefetch,
    logger: silentLogger,
  });
  worker.on((event) => {
    if (event.type === 'completed') hooks.onCompleted();
    else if (event.type === 'retried') hooks.onRetried();
  });
  let running: Promise<void> | undefined;
  return {
    async start() {
      running = worker.start();
      await Promise.race([declaration, running]);
    },
    async stop() {
      if (running) {
        await worker.stop();
        await running;
      }
      await transport.close();
    },
  };
}
