import { defineTask, defineWorkflow, memoryTransport, type Transport } from '@conveyor/core';
import { workflowJobId } from '@conveyor/core/transport';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  settledAs,
  startWorkflow,
  useWorkflowWorkers,
  type WorkflowTransport,
} from './workflow-fixtures.js';

const Input = z.object({ count: z.number() });

/** split → map `each` over `count` items (its task's attempts as given) → join. */
function fanOut(name: string, attempts: number, onFailure: 'fail' | 'continue' = 'fail') {
  const runs = new Map<number, number>();
  let joins = 0;
  const split = defineTask({
    name: `${name}.split`,
    queue: 'ex',
    input: z.unknown(),
    run: () => 'split',
  });
  const each = defineTask({
    name: `${name}.each`,
    queue: 'ex',
    input: z.number(),
    retry: { attempts, backoff: { type: 'fixed', delay: 100 } },
    run: (n) => {
      runs.set(n, (runs.get(n) ?? 0) + 1);
      return n * 2;
    },
  });
  const join = defineTask({
    name: `${name}.join`,
    queue: 'ex',
    input: z.unknown(),
    run: () => {
      joins += 1;
      return 'joined';
    },
  });
  const workflow = defineWorkflow({
    name,
    input: Input,
    steps: (flow) =>
      flow
        .step('split', split)
        .map('each', each, {
          items: (_, input) => Array.from({ length: input.count }, (_, n) => n),
          onFailure,
        })
        .step('join', join, { input: () => null }),
  });
  return { workflow, runs, joins: () => joins };
}

/** A memory transport whose enqueue of the first job id matching `refuse` fails `times` times. */
function refusing(refuse: (id: string) => boolean, times: number) {
  const inner = memoryTransport();
  let refused = 0;
  const transport = {
    ...inner,
    enqueue(requests) {
      if (refused < times && requests.some((request) => refuse(request.envelope.id))) {
        refused += 1;
        return Promise.reject(new Error('connection reset'));
      }
      return inner.enqueue(requests);
    },
  } as WorkflowTransport & Pick<Transport, 'enqueue'>;
  return { inner, transport, refused: () => refused };
}

describe('a map stage expand job (docs/workflows.md §3, W7)', () => {
  const workers = useWorkflowWorkers();

  it('enqueues the children in chunks; one refused half-way is enqueued by its retry, each child runs once, and sweepers meanwhile take no child for lost', async () => {
    const { workflow, runs, joins } = fanOut('ex.retry', 3);
    // The second chunk of children (ids from 1,000 on) is refused once.
    const { inner, transport, refused } = refusing((id) => /\.each\.1\d{3}$/.test(id), 1);
    workers.start({ workflows: [workflow], workflowSweepMs: 20 }, transport);
    const id = await startWorkflow(transport, workflow, { count: 2_500 });
    // 0.4 s alone; the wait is long for a machine busy with the rest of the suite (2,420 of
    // the children had run after 60 s in a \`pnpm test\` at a load average of 19), and says how
    // far the run got if it ends anyway.
    const record = await settledAs(transport, id, 'completed', 200_000).catch((error: Error) => {
      throw new Error(`${error.message}; ${runs.size} of 2,500 children ran, ${refused()} refusal`);
    });
    expect(refused()).toBe(1);
    expect(runs.size).toBe(2_500);
    expect([...runs.values()].every((n) => n === 1)).toBe(true);
    expect(joins()).toBe(1);
    expect(record.steps.filter((s) => s.child !== undefined && s.state !== 'completed')).toEqual(
      [],
    );
    expect(await transport.workflows.results(id, 'each', { from: 2_498, count: 2 })).toEqual([
      4_996, 4_998,
    ]);
    await inner.close();
  }, 240_000);

  it("an expand job that cannot enqueue its children on its last attempt fails the map step: its children are cancelled, and the step's policy applies", async () => {
    const { workflow, runs, joins } = fanOut('ex.last', 1, 'continue');
    const { inner, transport } = refusing((id) => /\.each\.1\d{3}$/.test(id), 10);
    workers.start({ workflows: [workflow], workflowSweepMs: 20 }, transport);
    const id = await startWorkflow(transport, workflow, { count: 1_500 });
    const record = await settledAs(transport, id, 'completed', 60_000);
    const each = record.steps.find((s) => s.step === 'each' && s.child === undefined);
    expect(each).toMatchObject({ state: 'skipped', error: { message: 'connection reset' } });
    const children = record.steps.filter((s) => s.child !== undefined);
    expect(children).toHaveLength(1_500);
    // The first chunk may have run before the failure; none after it, and none twice.
    expect([...runs.values()].every((n) => n === 1)).toBe(true);
    expect(children.every((s) => s.state === 'completed' || s.state === 'cancelled')).toBe(true);
    expect(children.filter((s) => s.state === 'cancelled').length).toBeGreaterThanOrEqual(500);
    expect(joins()).toBe(1);
    expect(await inner.getJob(workflowJobId('ex', id, 'each', 1_200))).toBeNull();
    await inner.close();
  });

  it('items that are not JSON fail the map step at once with NOT_JSON and their path, not retried', async () => {
    let mapped = 0;
    const each = defineTask({
      name: 'ex.json.each',
      queue: 'ex',
      input: z.unknown(),
      retry: { attempts: 3, backoff: { type: 'fixed', delay: 1 } },
      run: () => 'ran',
    });
    const after = defineTask({
      name: 'ex.json.after',
      queue: 'ex',
      input: z.unknown(),
      run: () => 'after',
    });
    const workflow = defineWorkflow({
      name: 'ex.json',
      input: z.null(),
      steps: (flow) =>
        flow.step('after', after).map('kids', each, {
          items: () => {
            mapped += 1;
            return [{ a: 1 }, { b: 10n }, { c: undefined }] as never;
          },
        }),
    });
    const { transport } = workers.start({ workflows: [workflow] });
    const id = await startWorkflow(transport, workflow, null);
    const record = await settledAs(transport, id, 'failed');
    const kids = record.steps.find((s) => s.step === 'kids' && s.child === undefined);
    expect(kids?.state).toBe('failed');
    expect(kids?.error).toMatchObject({
      code: 'NOT_JSON',
      message:
        'Map step "kids" of workflow "ex.json": items[1].b is not JSON-serializable (10n): JSON has no bigint; send it as a string. Its items mapping must return JSON task inputs, one per child job.',
    });
    // Deterministic: the expand job ran once, on its first of 3 attempts.
    expect(mapped).toBe(1);
    const job = await transport.getJob(kids?.jobId as string);
    expect(job).toMatchObject({ state: 'failed', attempts: 1, envelope: { maxAttempts: 3 } });
  });
});
