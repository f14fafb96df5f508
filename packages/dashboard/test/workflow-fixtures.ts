import {
  defineTask,
  defineWorkflow,
  newWorkflowId,
  type StepAddress,
  type StepOutcome,
  type Transport,
  type TransportWith,
  workflowPlan,
} from '@conveyor/core';
import { applyWorkflowEffects, enqueueMapChildren } from '@conveyor/core/worker';
import { z } from 'zod';

// A workflow to show on the dashboard, started and moved by hand as a worker would (start,
// claim, record, applyWorkflowEffects): no worker runs in these tests.

const Order = z.object({ orderId: z.string() });
const reserve = defineTask({
  name: 'shop.updateInventory',
  input: Order,
  queue: 'inventory',
  retry: { attempts: 4 },
  run: () => ({ reserved: true }),
});
const ship = defineTask({ name: 'shop.notifyWarehouse', input: Order, run: () => ({ id: 's' }) });
const confirm = defineTask({
  name: 'shop.sendOrderConfirmation',
  input: Order,
  run: () => ({ sent: true }),
});
const charge = defineTask({
  name: 'shop.chargeLine',
  input: z.object({ sku: z.string() }),
  run: () => 1,
});
const fulfil = defineTask({ name: 'shop.markOrderFulfilled', input: Order, run: () => 'ok' });
const reject = defineTask({
  name: 'shop.rejectOrder',
  input: z.object({ orderId: z.string(), reason: z.string() }),
  run: () => 'rejected',
});

export const placeOrder = defineWorkflow({
  name: 'shop.placeOrder',
  input: z.object({
    orderId: z.string(),
    skus: z.array(z.string()),
    card: z.object({ number: z.string() }),
  }),
  steps: (flow) =>
    flow
      .step('reserve', reserve, {
        input: (_, order) => ({ orderId: order.orderId }),
        onFailure: { compensate: 'reject' },
      })
      .parallel({
        ship: { task: ship, input: (_, order) => ({ orderId: order.orderId }) },
        confirm: {
          task: confirm,
          input: (_, order) => ({ orderId: order.orderId }),
          onFailure: 'continue',
        },
      })
      .map('charge', charge, { items: (_, order) => order.skus.map((sku) => ({ sku })) })
      .step('fulfil', fulfil, { input: (_, order) => ({ orderId: order.orderId }) })
      .compensation('reject', reject, {
        input: (failure, order) => ({ orderId: order.orderId, reason: failure.message }),
      }),
});

export function withWorkflows(transport: Transport): TransportWith<'workflows'> {
  if (!transport.workflows) throw new Error('the memory transport has workflows');
  return transport as TransportWith<'workflows'>;
}

/**
 * Starts placeOrder and enqueues its first step's job; `settle` runs a step by hand.
 * `inputSchema`: the input schema fingerprint a generated stub would send.
 */
export async function startOrder(
  transport: Transport,
  skus = ['a', 'b', 'c'],
  inputSchema?: string,
) {
  const wf = withWorkflows(transport);
  const id = newWorkflowId();
  const started = await wf.workflows.start({
    id,
    plan: workflowPlan(placeOrder),
    input: { orderId: 'o-1', skus, card: { number: '4242424242424242' } },
    ...(inputSchema !== undefined && { inputSchema }),
  });
  await applyWorkflowEffects(wf, id, started);
  const settle = async (address: StepAddress, outcome: StepOutcome) => {
    await wf.workflows.claim(id, address);
    await applyWorkflowEffects(wf, id, await wf.workflows.record(id, address, outcome));
  };
  const expand = async (items: readonly { sku: string }[]) => {
    const expanded = await wf.workflows.expand(id, 'charge', items, 10_000);
    await applyWorkflowEffects(wf, id, expanded);
    const { children } = expanded;
    const plan = workflowPlan(placeOrder);
    if (children) await enqueueMapChildren(wf, id, plan, 'charge', items, children);
  };
  /** reserve, ship and confirm done; charge expanded; child 0 done and child 1 running. */
  const advance = async () => {
    await settle({ step: 'reserve' }, { ok: true, result: { reserved: true } });
    await settle({ step: 'ship' }, { ok: true, result: { id: 's' } });
    await settle({ step: 'confirm' }, { ok: true, result: { sent: true } });
    await expand(skus.map((sku) => ({ sku })));
    await settle({ step: 'charge', child: 0 }, { ok: true, result: 1 });
    await wf.workflows.claim(id, { step: 'charge', child: 1 });
  };
  return { id, workflows: wf.workflows, settle, expand, advance };
}

export const failure = (message: string, code?: string): StepOutcome => ({
  ok: false,
  error: { name: 'Error', message, ...(code === undefined ? {} : { code }) },
});
