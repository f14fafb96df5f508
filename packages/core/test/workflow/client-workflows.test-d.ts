import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { type Client, createClient } from '../../src/client.js';
import { memoryTransport } from '../../src/memory/memory-transport.js';
import { defineSchedule } from '../../src/schedule/define-schedule.js';
import { defineTask } from '../../src/task.js';
import {
  bindWorkflow,
  type WorkflowInputOf,
  type WorkflowResultOf,
  workflowContract,
} from '../../src/workflow/contract.js';
import { defineWorkflow } from '../../src/workflow/define-workflow.js';
import type { WorkflowHandle } from '../../src/workflow/handle.js';
import { workflowPlan } from '../../src/workflow/plan.js';
import { OrderInput, placeOrder } from './fixtures.js';

/** docs/workflows.md §2 in the types: stubs take the input type and give the typed result. */

const client: Client = createClient({ transport: memoryTransport() });
const order = { orderId: 'o-1', items: [{ sku: 'a', quantity: 1 }] };

const contract = workflowContract<
  'shop.placeOrder',
  typeof OrderInput,
  WorkflowResultOf<typeof placeOrder>
>({ name: 'shop.placeOrder', input: OrderInput, plan: workflowPlan(placeOrder) });

describe('workflow stubs', () => {
  it('refuse an input that does not fit the workflow schema', () => {
    const stub = bindWorkflow(client, placeOrder);
    // @ts-expect-error orderId is a string
    void stub.delay({ orderId: 1, items: [] });
    // @ts-expect-error items is required
    void stub.start({ orderId: 'o-1' });
    // @ts-expect-error the same through client.workflows.start
    void client.workflows.start(placeOrder, { orderId: 'o-1', items: 'none' });
    // @ts-expect-error and through a contract's stub
    void bindWorkflow(client, contract).delay({ orderId: 1, items: [] });
    void stub.delay(order, { idempotencyKey: 'k', timeoutMs: 1_000 });
    // @ts-expect-error an unknown option
    void stub.delay(order, { idempotencyKeys: 'k' });
  });

  it('are not tasks: a workflow does not type-check where a task goes', () => {
    // @ts-expect-error client.workflows.start starts a workflow; enqueue takes a task
    void client.enqueue(placeOrder, order);
    // @ts-expect-error and so does bind
    void client.bind(placeOrder);
    // @ts-expect-error a contract neither
    void client.enqueueMany(contract, [order]);
    // @ts-expect-error a schedule runs a task
    void defineSchedule({ id: 'nightly.order', task: placeOrder, every: '1d', input: order });
  });

  it('give the JSON form of the last stage result', async () => {
    const run = await bindWorkflow(client, placeOrder).delay(order);
    expectTypeOf(await run.result()).toEqualTypeOf<{ status: 'fulfilled' }>();

    const at = defineTask({
      name: 't.at',
      input: z.object({ n: z.number() }),
      run: ({ n }) => ({ n, at: new Date(n) }),
    });
    const decoded = defineTask({
      name: 't.decoded',
      input: z.object({ n: z.number() }),
      output: z.object({ at: z.date() }),
      run: ({ n }) => ({ at: new Date(n) }),
    });
    const group = defineWorkflow({
      name: 't.group',
      input: z.object({ n: z.number() }),
      steps: (flow) =>
        flow.parallel({ plain: { task: at }, typed: { task: decoded, onFailure: 'continue' } }),
    });
    const groupRun = await client.workflows.start(group, { n: 1 });
    expectTypeOf(await groupRun.result()).toEqualTypeOf<{
      plain: { n: number; at: string };
      typed: { at: Date } | undefined;
    }>();

    const fan = defineWorkflow({
      name: 't.fan',
      input: z.object({ ns: z.array(z.number()) }),
      steps: (flow) => flow.map('each', at, { items: (_, { ns }) => ns.map((n) => ({ n })) }),
    });
    const fanRun = await client.workflows.start(fan, { ns: [1] });
    expectTypeOf(await fanRun.result()).toEqualTypeOf<{ n: number; at: string }[]>();
  });

  it('are the same for a contract and for its definition', () => {
    const fromDefinition = bindWorkflow(client, placeOrder);
    const fromContract = bindWorkflow(() => client, contract);
    expectTypeOf<Parameters<typeof fromContract.delay>>().toEqualTypeOf<
      Parameters<typeof fromDefinition.delay>
    >();
    expectTypeOf<ReturnType<typeof fromContract.delay>>().toEqualTypeOf<
      ReturnType<typeof fromDefinition.delay>
    >();
    expectTypeOf(fromContract.handle('wf_x')).toEqualTypeOf<
      WorkflowHandle<{ status: 'fulfilled' }>
    >();
    expectTypeOf<WorkflowInputOf<typeof contract>>().toEqualTypeOf<
      WorkflowInputOf<typeof placeOrder>
    >();
    expectTypeOf(fromContract.name).toEqualTypeOf<'shop.placeOrder'>();
  });

  it('an untyped handle by id gives unknown', () => {
    expectTypeOf(client.workflows.handle('wf_x').result()).toEqualTypeOf<Promise<unknown>>();
    expectTypeOf(client.workflows.handle(placeOrder, 'wf_x').result()).toEqualTypeOf<
      Promise<{ status: 'fulfilled' }>
    >();
  });
});
