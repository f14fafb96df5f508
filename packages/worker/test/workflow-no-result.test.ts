import {
  addStepResults,
  createClient,
  defineTask,
  defineWorkflow,
  describeWorkflow,
  memoryTransport,
} from '@conveyor/core';
import { redisTransport } from '@conveyor/redis';
import { type RedisServer, startRedis } from '@conveyor/test-redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  resultOf,
  settledAs,
  startWorkflow,
  useWorkflowWorkers,
  type WorkflowTransport,
} from './workflow-fixtures.js';

// docs/workflows.md §1 and §4: what flows on from a step that has no result. A task that
// returns nothing gives `undefined`, as its job's result() does (not `null`); a map step
// skipped by `onFailure: 'continue'` gives `undefined` (not `[]`, which is a map whose items
// mapping returned none). On the memory transport and on a private redis-server alike.

let redis: RedisServer;
const opened: WorkflowTransport[] = [];
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await Promise.all(opened.map((transport) => transport.close()));
  await redis?.stop();
});

const TRANSPORTS: Record<string, () => WorkflowTransport> = {
  memory: () => memoryTransport(),
  redis: () => {
    const prefix = `nr-${Math.random().toString(36).slice(2, 8)}`;
    return redisTransport({ url: redis.url, prefix }) as WorkflowTransport;
  },
};

/** What a step received, as the tester's `describeIt` saw it. */
const described = (value: unknown) =>
  `typeof=${typeof value} isArray=${Array.isArray(value)} value=${JSON.stringify(value)}`;

const nothing = defineTask({
  name: 'nr.nothing',
  queue: 'nr',
  input: z.unknown(),
  run: (): void => undefined,
});
const item = defineTask({
  name: 'nr.item',
  queue: 'nr',
  input: z.object({ i: z.number() }),
  run: ({ i }) => ({ i }),
});
const seen: string[] = [];
const describeIt = defineTask({
  name: 'nr.describe',
  queue: 'nr',
  input: z.object({ s: z.string() }),
  run: ({ s }) => {
    seen.push(s);
    return s;
  },
});
const Mode = z.object({ mode: z.enum(['throw', 'big', 'two']) });

/** The tester's workflow: a map that may 'continue', then a step describing what it got. */
const mapThen = defineWorkflow({
  name: 'nr.mapThen',
  input: Mode,
  steps: (flow) =>
    flow
      .map('each', item, {
        items: (_, { mode }) => {
          if (mode === 'throw') throw new Error('items exploded');
          return Array.from({ length: mode === 'big' ? 20 : 2 }, (_, i) => ({ i }));
        },
        onFailure: 'continue',
      })
      .step('after', describeIt, { input: (rs) => ({ s: described(rs) }) }),
});
/** The same map as the last stage: its result is the workflow's. */
const mapLast = defineWorkflow({
  name: 'nr.mapLast',
  input: Mode,
  steps: (flow) =>
    flow.map('each', item, {
      items: (_, { mode }) => {
        if (mode === 'throw') throw new Error('items exploded');
        return Array.from({ length: mode === 'big' ? 20 : 2 }, (_, i) => ({ i }));
      },
      onFailure: 'continue',
    }),
});
/** Steps whose task returns nothing, one alone, in a group and in a map, then fan-ins. */
const voids = defineWorkflow({
  name: 'nr.voids',
  input: z.object({}),
  steps: (flow) =>
    flow
      .step('v', nothing)
      .step('check', describeIt, {
        // Typed code for a task typed void: it must get undefined, or this reads `.x` of null.
        input: (p) => ({ s: p === undefined ? 'undefined' : `other ${JSON.stringify(p)}` }),
      })
      .parallel({ g: { task: nothing }, h: { task: item, input: () => ({ i: 1 }) } })
      .step('group', describeIt, { input: (rs) => ({ s: described(rs) + String('g' in rs) }) })
      .map('m', nothing, { items: () => [1, 2] })
      .step('array', describeIt, { input: (rs) => ({ s: described(rs) + String(rs[0]) }) })
      .step('last', nothing),
});

describe.each(Object.keys(TRANSPORTS))('steps without a result, on %s', (name) => {
  const workers = useWorkflowWorkers();
  const open = () => {
    const transport = (TRANSPORTS[name] as () => WorkflowTransport)();
    opened.push(transport);
    return transport;
  };

  it.each([
    ['throw', 'WORKFLOW_MAPPING_FAILED'],
    ['big', 'WORKFLOW_TOO_LARGE'],
  ] as const)(
    "a map step skipped by 'continue' (%s: %s) hands on undefined, not []",
    async (mode, code) => {
      const transport = open();
      workers.start({ workflows: [mapThen, mapLast], maxWorkflowChildren: 10 }, transport);
      const client = createClient({ transport });
      const id = await startWorkflow(transport, mapThen, { mode });
      const record = await settledAs(transport, id, 'completed');
      expect(record.steps.find((step) => step.step === 'each')).toMatchObject({
        state: 'skipped',
        error: { code },
      });
      expect(await resultOf(transport, id, 'after')).toBe(
        'typeof=undefined isArray=false value=undefined',
      );
      // As the last stage: the workflow's result.
      const last = await startWorkflow(transport, mapLast, { mode });
      await settledAs(transport, last, 'completed');
      expect(await client.workflows.handle(mapLast, last).result({ timeout: 10_000 })).toBe(
        undefined,
      );
      // A map that ran still hands on its array.
      const ran = await startWorkflow(transport, mapLast, { mode: 'two' });
      await settledAs(transport, ran, 'completed');
      expect(await client.workflows.handle(mapLast, ran).result({ timeout: 10_000 })).toEqual([
        { i: 0 },
        { i: 1 },
      ]);
    },
  );

  it('a task that returns nothing hands on undefined, in a group and a map too, as its job’s result() says', async () => {
    const transport = open();
    workers.start({ workflows: [voids] }, transport);
    const client = createClient({ transport });
    const id = await startWorkflow(transport, voids, {});
    const record = await settledAs(transport, id, 'completed');
    expect(await resultOf(transport, id, 'check')).toBe('undefined');
    expect(await resultOf(transport, id, 'group')).toBe(
      'typeof=object isArray=false value={"h":{"i":1}}true',
    );
    expect(await resultOf(transport, id, 'array')).toBe(
      'typeof=object isArray=true value=[null,null]undefined',
    );
    expect(await transport.workflows.results(id, 'v')).toEqual([undefined]);
    expect(await transport.workflows.results(id, 'm')).toEqual([undefined, undefined]);
    expect(await client.workflows.handle(voids, id).result({ timeout: 10_000 })).toBe(undefined);
    // The step's own job: no result, as the step has none.
    const job = record.steps.find((step) => step.step === 'v')?.jobId as string;
    expect(await client.job(job).result({ timeout: 10_000 })).toBe(undefined);
    // Seen by an operator: completed, no result.
    const view = await addStepResults(transport.workflows, describeWorkflow(record));
    const v = view.stages[0]?.steps[0];
    expect(v?.state).toBe('completed');
    expect(v).not.toHaveProperty('result');
    const children = view.stages[4]?.steps[0]?.children?.shown ?? [];
    expect(children.map((child) => child.state)).toEqual(['completed', 'completed']);
    for (const child of children) expect(child).not.toHaveProperty('result');
  });

  it('a completed step job whose outcome a sweeper records gives no result either', async () => {
    const transport = open();
    const id = await startWorkflow(transport, voids, {});
    // A worker ran step v and settled its job, then died before recording its outcome.
    const [reservation] = await transport.reserve({
      queues: ['nr'],
      max: 1,
      leaseMs: 10_000,
      consumer: 'died',
      waitMs: 0,
    });
    expect(reservation?.envelope.workflow).toMatchObject({ id, step: 'v' });
    expect(await transport.workflows.claim(id, { step: 'v' })).toBe('claimed');
    const { id: jobId } = reservation?.envelope ?? { id: '' };
    const token = reservation?.token as string;
    await transport.settle([{ type: 'complete', id: jobId, token, result: undefined }]);
    workers.start({ workflows: [voids], workflowSweepMs: 50 }, transport);
    await settledAs(transport, id, 'completed');
    expect(await transport.workflows.results(id, 'v')).toEqual([undefined]);
    expect(await resultOf(transport, id, 'check')).toBe('undefined');
  });
});
