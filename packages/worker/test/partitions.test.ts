import {
  type ConveyorError,
  createClient,
  defineSchedule,
  defineTask,
  defineWorkflow,
  memoryTransport,
  type TransportWith,
} from '@conveyor/core';
import { makeEnvelope } from '@conveyor/core/testing';
import { parsePartitionName, partitionNames } from '@conveyor/core/transport';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { createWorker } from '../src/index.js';
import { resolveWorkerOptions } from '../src/options.js';
import { reserveOrder } from '../src/reserve-order.js';
import { captureLogger, recordingTransport } from './helpers.js';
import { MINUTE, series, slotOf, useFleet } from './schedule-fleet.js';
import { settledAs, startWorkflow, useWorkflowWorkers } from './workflow-fixtures.js';

const done: number[] = [];
const notify = defineTask({
  name: 'p.notify',
  queue: { name: 'pmail', partitions: 4, partitionBy: 'customerId' },
  input: z.object({ customerId: z.string(), n: z.number() }),
  run: ({ n }) => {
    done.push(n);
    return n;
  },
});
const plain = defineTask({
  name: 'p.plain',
  queue: 'pother',
  input: z.object({ n: z.number() }),
  run: ({ n }) => n,
});

function errorOf(fn: () => unknown): ConveyorError {
  try {
    fn();
  } catch (error) {
    return error as ConveyorError;
  }
  throw new Error('expected a throw');
}

describe('a worker with partitioned queues', () => {
  it('reserves from every partition of a partitioned queue', () => {
    const transport = memoryTransport();
    const options = resolveWorkerOptions({ transport, tasks: [notify, plain] });
    // A partitioned queue's plain stored queue comes last: jobs from before it was partitioned.
    expect(options.queues).toEqual([...partitionNames('pmail', 4), 'pmail', 'pother']);
    expect(options.partitions).toEqual({ pmail: 4 });
    const configured = resolveWorkerOptions({
      transport,
      tasks: [plain],
      partitions: { pother: 3 },
    });
    expect(configured.queues).toEqual([...partitionNames('pother', 3), 'pother']);
    // One partition named outright: only that one.
    const one = resolveWorkerOptions({ transport, tasks: [notify], queues: ['pmail~2of4'] });
    expect(one.queues).toEqual(['pmail~2of4']);
    // Draining the partitions of a count being replaced: named outright, beside the new ones.
    const draining = resolveWorkerOptions({
      transport,
      tasks: [notify],
      queues: ['pmail', ...partitionNames('pmail', 2)],
    });
    expect(draining.queues).toEqual([
      ...partitionNames('pmail', 4),
      'pmail',
      ...partitionNames('pmail', 2),
    ]);
  });

  it.each([
    [{ tasks: [notify], partitions: { pmail: 8 } }, 'partitions.pmail 8'],
    [
      {
        tasks: [
          notify,
          defineTask({
            name: 'p.other',
            queue: { name: 'pmail', partitions: 2 },
            input: z.object({}),
            run: () => null,
          }),
        ],
      },
      'partitions of task "p.other" 2',
    ],
    [
      {
        tasks: [
          notify,
          defineTask({ name: 'p.bare', queue: 'pmail', input: z.object({}), run: () => null }),
        ],
      },
      'queue of task "p.bare" "pmail"',
    ],
    [{ tasks: [notify], queues: ['pmail~4of4'] }, 'queue "pmail~4of4"'],
    [{ tasks: [plain], partitions: { pother: 0 } }, 'partitions.pother 0'],
  ])('refuses disagreeing partitions with INVALID_OPTION (%#)', (options, quoted) => {
    const error = errorOf(() =>
      resolveWorkerOptions({ transport: memoryTransport(), ...(options as { tasks: never }) }),
    );
    expect(error.code).toBe('INVALID_OPTION');
    expect(error.message).toContain(quoted);
  });

  it('refuses a workflow step on a queue partitioned by the worker option only', () => {
    const flow = defineWorkflow({
      name: 'p.flow',
      input: z.object({ n: z.number() }),
      steps: (f) => f.step('only', plain, { input: (_, input) => ({ n: input.n }) }),
    });
    const error = errorOf(() =>
      resolveWorkerOptions({
        transport: memoryTransport(),
        tasks: [plain],
        workflows: [flow],
        partitions: { pother: 2 },
      }),
    );
    expect(error.code).toBe('INVALID_OPTION');
    expect(error.message).toContain('step "only" of workflow "p.flow" "pother"');
    expect(error.message).toContain('declare the partitions on task "p.plain"');
  });

  it('runs every job of every partition, and each key in order', async () => {
    done.length = 0;
    const transport = recordingTransport(memoryTransport());
    const client = createClient({ transport });
    const inputs = Array.from({ length: 60 }, (_, n) => ({ customerId: `c${n % 7}`, n }));
    const handles = await client.enqueueMany(notify, inputs);
    const used = new Set(
      handles.map(({ id }) => parsePartitionName(id.split(':')[0] as string)?.partition),
    );
    expect(used.size).toBe(4);
    const worker = createWorker({
      transport,
      tasks: [notify],
      logger: captureLogger(),
      reserveWaitMs: 20,
      // One at a time: the run order is the reserve order.
      concurrency: 1,
    });
    const running = worker.start();
    await vi.waitFor(() => expect(done).toHaveLength(60), { timeout: 10_000, interval: 10 });
    for (let key = 0; key < 7; key++) {
      const ran = done.filter((n) => n % 7 === key);
      expect(ran).toEqual([...ran].sort((a, b) => a - b));
    }
    // The reserve calls named every partition, and turned which one leads.
    const leaders = new Set(transport.calls.reserve.map((call) => call.queues[0]));
    expect(transport.calls.reserve[0]?.queues.slice().sort()).toEqual(
      [...partitionNames('pmail', 4), 'pmail'].sort(),
    );
    expect(transport.calls.reserve.every((call) => call.queues.at(-1) === 'pmail')).toBe(true);
    expect(leaders.size).toBe(Math.min(4, transport.calls.reserve.length));
    await worker.stop({ graceMs: 0 });
    await running;
  });
});

describe('partitions of another count', () => {
  it('are named in a warning at start-up while they hold jobs, with the queues that read them', async () => {
    const transport = memoryTransport();
    // Jobs stored when pmail had 2 partitions, as a producer of that count stored them.
    await transport.enqueue(
      ['pmail~0of2', 'pmail~1of2'].map((queue, n) => ({
        envelope: makeEnvelope(queue, { task: 'p.notify', input: { customerId: 'a', n } }),
      })),
    );
    const logger = captureLogger();
    const worker = createWorker({ transport, tasks: [notify], logger, reserveWaitMs: 20 });
    const running = worker.start();
    const warned = () => logger.lines.find((line) => line.message.includes('another count'));
    await vi.waitFor(() => expect(warned()).toBeDefined(), { timeout: 10_000, interval: 10 });
    expect(warned()?.message).toContain("queues: ['pmail', ...partitionNames('pmail', 2)]");
    expect(warned()?.fields).toMatchObject({ queue: 'pmail', partitions: 4, jobs: 2 });
    await worker.stop({ graceMs: 0 });
    await running;
    // Read by a worker given both counts: no warning.
    const both = captureLogger();
    const draining = createWorker({
      transport,
      tasks: [notify],
      logger: both,
      reserveWaitMs: 20,
      queues: ['pmail', ...partitionNames('pmail', 2)],
    });
    const drained = draining.start();
    await vi.waitFor(
      async () =>
        expect(
          (await transport.admin.queueCounts(['pmail~0of2', 'pmail~1of2'])).every(
            (row) => row.waiting === 0,
          ),
        ).toBe(true),
      { timeout: 10_000, interval: 10 },
    );
    await draining.stop({ graceMs: 0 });
    await drained;
    expect(both.lines.some((line) => line.message.includes('another count'))).toBe(false);
  });

  it('are not called earlier when a live producer partitions the queue otherwise', async () => {
    const task = defineTask({ name: 'p.q', queue: 'plainq', input: z.object({}), run: () => 1 });
    const transport = memoryTransport();
    const client = createClient({ transport, partitions: { plainq: 2 } });
    await client.enqueueMany(task, [{}, {}, {}]);
    const logger = captureLogger();
    const worker = createWorker({
      transport,
      tasks: [task],
      logger,
      reserveWaitMs: 20,
      partitions: { plainq: 4 },
    });
    const running = worker.start();
    const warned = () => logger.lines.find((line) => line.fields.stalePartitions !== undefined);
    await vi.waitFor(() => expect(warned()).toBeDefined(), { timeout: 10_000, interval: 10 });
    await worker.stop({ graceMs: 0 });
    await running;
    expect(warned()?.fields).toMatchObject({ queue: 'plainq', partitions: 4, jobs: 3 });
    const message = warned()?.message ?? '';
    expect(message).not.toContain('earlier count (');
    expect(message).toContain('in partitions of another count (2: plainq~');
    expect(message).toContain('a producer may still partition the queue so');
    expect(message).toContain('Make the producers and workers agree on the count');
    expect(message).toContain("queues: ['plainq', ...partitionNames('plainq', 2)]");
    // And the command line's form, for an operator running `conveyor worker`.
    expect(message).toContain('conveyor worker --queues plainq,plainq~0of2,plainq~1of2 (');
  });

  it('counts dead jobs there: a retry would put them back where this worker does not read', async () => {
    // pmail ran with 2 partitions and one job ended dead; the task now declares 4.
    const transport = memoryTransport();
    await transport.enqueue([
      {
        envelope: makeEnvelope('pmail~1of2', {
          task: 'p.notify',
          input: { customerId: 'a', n: 0 },
        }),
      },
    ]);
    const [reservation] = await transport.reserve({
      queues: ['pmail~1of2'],
      max: 1,
      leaseMs: 60_000,
      consumer: 'test',
    });
    const error = { name: 'Error', message: 'boom' };
    await transport.settle([
      {
        type: 'fail',
        id: reservation?.envelope.id as string,
        token: reservation?.token as string,
        error,
        deadLetter: true,
      },
    ]);
    expect((await transport.admin.queueCounts(['pmail~1of2']))[0]).toMatchObject({
      waiting: 0,
      dead: 1,
    });
    const logger = captureLogger();
    const worker = createWorker({ transport, tasks: [notify], logger, reserveWaitMs: 20 });
    const running = worker.start();
    const warned = () => logger.lines.find((line) => line.fields.stalePartitions !== undefined);
    await vi.waitFor(() => expect(warned()).toBeDefined(), { timeout: 10_000, interval: 10 });
    await worker.stop({ graceMs: 0 });
    await running;
    expect(warned()?.level).toBe('warn');
    expect(warned()?.fields).toMatchObject({ queue: 'pmail', partitions: 4, jobs: 1, dead: 1 });
    expect(warned()?.message).toContain('queue "pmail": 1 job is dead in partitions of');
    expect(warned()?.message).toContain(
      'Retrying the dead job (conveyor retry --all-dead --queue pmail, or by id) puts it back on those partitions',
    );
  });

  it('a worker reading a queue unpartitioned is told when its partitions hold jobs, and how to read them', async () => {
    // A producer partitions pother (createClient's partitions option); the worker's task
    // does not. Before, the jobs waited unread and nothing said so.
    const transport = memoryTransport();
    await transport.enqueue(
      ['pother~1of3', 'pother~2of3'].map((queue, n) => ({
        envelope: makeEnvelope(queue, { task: 'p.plain', input: { n } }),
      })),
    );
    const logger = captureLogger();
    const worker = createWorker({ transport, tasks: [plain], logger, reserveWaitMs: 20 });
    const running = worker.start();
    const warned = () => logger.lines.find((line) => line.message.includes('unpartitioned'));
    await vi.waitFor(() => expect(warned()).toBeDefined(), { timeout: 10_000, interval: 10 });
    expect(warned()?.message).toContain(
      'queue "pother": 2 jobs wait in its partitions (pother~1of3, pother~2of3), which this worker does not read',
    );
    expect(warned()?.message).toContain('conveyor worker --partitions pother=3');
    expect(warned()?.fields).toMatchObject({ queue: 'pother', partitions: 1, jobs: 2 });
    await worker.stop({ graceMs: 0 });
    await running;
    // Given the count, the worker reads them: no warning.
    const given = captureLogger();
    const reading = createWorker({
      transport,
      tasks: [plain],
      logger: given,
      reserveWaitMs: 20,
      partitions: { pother: 3 },
    });
    const read = reading.start();
    await vi.waitFor(
      async () =>
        expect(
          (await transport.admin.queueCounts(['pother~1of3', 'pother~2of3'])).map((r) => r.waiting),
        ).toEqual([0, 0]),
      { timeout: 10_000, interval: 10 },
    );
    await reading.stop({ graceMs: 0 });
    await read;
    expect(given.lines.some((line) => line.message.includes('unpartitioned'))).toBe(false);
  });
});

describe('reserveOrder', () => {
  it('turns plain queues one step per call', () => {
    const orderOf = reserveOrder(['a', 'b', 'c']);
    expect([0, 1, 2, 3].map(orderOf)).toEqual([
      ['a', 'b', 'c'],
      ['b', 'c', 'a'],
      ['c', 'a', 'b'],
      ['a', 'b', 'c'],
    ]);
  });

  it("counts a queue's partitions as one queue, and turns them once per round", () => {
    const emails = partitionNames('emails', 4);
    const orderOf = reserveOrder([...emails, 'reports']);
    const calls = Array.from({ length: 16 }, (_, call) => orderOf(call));
    // Each queue leads every second call.
    expect(calls.filter((order) => order[0] === 'reports')).toHaveLength(8);
    // Each partition leads equally often among the calls emails leads.
    const leads = calls.map((order) => order[0]).filter((queue) => queue !== 'reports');
    for (const name of emails) expect(leads.filter((queue) => queue === name)).toHaveLength(2);
    // Every call names every queue once.
    for (const order of calls) expect([...order].sort()).toEqual([...emails, 'reports'].sort());
  });
});

describe('schedules on a partitioned queue', () => {
  const fleet = useFleet();
  const tick = defineTask({
    name: 'p.tick',
    queue: { name: 'psched', partitions: 4 },
    input: z.object({ n: z.number() }),
    run: () => null,
  });

  it('fire each slot exactly once among 5 workers', async () => {
    const t0 = Date.UTC(2026, 0, 1, 12);
    const every = defineSchedule({ id: 'p.every', task: tick, every: '1m', input: { n: 1 } });
    const { clock, add, jobs, transport } = fleet(t0 - 30_000, { schedules: [every] });
    for (let i = 0; i < 5; i++) add({ tasks: [tick] });
    await clock.advance(0);
    const { schedules } = await transport.schedules.list();
    expect(schedules).toHaveLength(1);
    const queue = schedules[0]?.spec.queue as string;
    expect(parsePartitionName(queue)).toMatchObject({ queue: 'psched', partitions: 4 });
    for (let minute = 0; minute < 10; minute++) await clock.advance(MINUTE);
    const all = await jobs(queue);
    expect(all.map(slotOf)).toEqual(series(t0, 10, MINUTE));
    // Run by the workers, not left waiting.
    expect(all.every((job) => job.state === 'completed')).toBe(true);
  });
});

describe('a workflow whose step task is on a partitioned queue', () => {
  const workers = useWorkflowWorkers();

  it('completes', async () => {
    const double = defineTask({
      name: 'p.double',
      queue: { name: 'pwf', partitions: 3 },
      input: z.object({ n: z.number() }),
      run: ({ n }) => ({ n: n * 2 }),
    });
    const flow = defineWorkflow({
      name: 'p.twice',
      input: z.object({ n: z.number() }),
      steps: (f) =>
        f
          .step('first', double, { input: (_, input) => ({ n: input.n }) })
          .step('second', double, { input: (first) => ({ n: first.n }) })
          .map('each', double, {
            items: (second) => [1, 2, 3].map((k) => ({ n: second.n + k })),
          }),
    });
    const { transport } = workers.start({ workflows: [flow] });
    const id = await startWorkflow(transport as TransportWith<'workflows'>, flow, { n: 1 });
    const record = await settledAs(transport, id, 'completed');
    expect(record.status).toBe('completed');
    // Its step jobs ran on the queue's partitions.
    const jobIds = record.steps.map((step) => step.jobId ?? '');
    expect(jobIds.every((jobId) => /^pwf~\dof3:/.test(jobId))).toBe(true);
    const results = await transport.workflows.results(id, 'each');
    expect(results.map((result) => (result as { n: number }).n).sort()).toEqual([10, 12, 14]);
  });
});
