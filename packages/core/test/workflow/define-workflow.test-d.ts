import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { defineTask } from '../../src/task.js';
import {
  defineWorkflow,
  type WorkflowInput,
  type WorkflowResult,
} from '../../src/workflow/define-workflow.js';
import type {
  Flow,
  FlowResult,
  StepFailure,
  TakesPrevious,
} from '../../src/workflow/flow-types.js';
import {
  chargeLine,
  logFailure,
  markOrderFulfilled,
  notifyWarehouse,
  OrderInput,
  rejectOrder,
  sendOrderConfirmation,
  updateInventory,
} from './fixtures.js';

/**
 * docs/workflows.md §1 in the types: each stage receives the JSON form of what the stage
 * before it produced, and a hand-off that does not fit is a compile error naming both steps.
 */

type Order = z.output<typeof OrderInput>;
type Reserved = { reserved: boolean; at: string };

/**
 * The message a step's task parameter requires when the step cannot take what flows in:
 * the key of what the task is intersected with (the last overload is the one without input).
 */
type StepError<M extends (...args: never[]) => unknown, T> = Exclude<
  keyof Parameters<M>[1],
  keyof T
>;

declare const afterReserve: Flow<Order, Reserved, 'step "reserve"'>;
const afterGroup = afterReserve.parallel({
  ship: { task: notifyWarehouse, input: (_, o) => ({ orderId: o.orderId }) },
  confirm: { task: sendOrderConfirmation, input: (_, o) => ({ orderId: o.orderId }) },
});
const afterMap = afterReserve.map('charge', chargeLine, { items: (_, o) => o.items });

describe('the spec example', () => {
  it('compiles, and the workflow ends with the last stage result', () => {
    const placeOrder = defineWorkflow({
      name: 'shop.placeOrder',
      input: OrderInput,
      steps: (flow) =>
        flow
          .step('reserve', updateInventory, {
            input: (previous, order) => {
              // The first stage receives the workflow input, parsed, as `previous` too.
              expectTypeOf(previous).toEqualTypeOf<Order>();
              return { orderId: order.orderId, items: order.items };
            },
            onFailure: { compensate: 'reject' },
          })
          .parallel({
            ship: { task: notifyWarehouse, input: (_, order) => ({ orderId: order.orderId }) },
            confirm: {
              task: sendOrderConfirmation,
              input: (previous, order) => {
                // A result's Date arrives as a string: what flows on is the JSON form.
                expectTypeOf(previous).toEqualTypeOf<Reserved>();
                return { orderId: order.orderId };
              },
            },
          })
          .step('fulfil', markOrderFulfilled, {
            input: (previous, order) => {
              expectTypeOf(previous).toEqualTypeOf<{
                ship: { shipmentId: string };
                confirm: { sent: boolean };
              }>();
              return { orderId: order.orderId, shipmentId: previous.ship.shipmentId };
            },
          })
          .compensation('reject', rejectOrder, {
            input: (failure, order) => {
              expectTypeOf(failure).toEqualTypeOf<StepFailure>();
              return { orderId: order.orderId, reason: failure.message };
            },
          }),
    });
    expectTypeOf(placeOrder.kind).toEqualTypeOf<'workflow'>();
    expectTypeOf(placeOrder.name).toEqualTypeOf<'shop.placeOrder'>();
    expectTypeOf<WorkflowResult<typeof placeOrder>>().toEqualTypeOf<{ status: 'fulfilled' }>();
    expectTypeOf<WorkflowInput<typeof placeOrder>>().toEqualTypeOf<z.input<typeof OrderInput>>();
  });
});

describe('a step without a mapping takes what flows in', () => {
  it('compiles when it fits, the first stage taking the workflow input', () => {
    const wf = defineWorkflow({
      name: 't.fits',
      input: OrderInput,
      steps: (flow) => flow.step('reserve', updateInventory),
    });
    expectTypeOf<WorkflowResult<typeof wf>>().toEqualTypeOf<Reserved>();
  });

  it('does not compile when it does not fit, and the message names both steps', () => {
    defineWorkflow({
      name: 't.mismatch',
      input: OrderInput,
      steps: (flow) =>
        // @ts-expect-error step "fulfil" cannot take the output of step "reserve"
        flow.step('reserve', updateInventory).step('fulfil', markOrderFulfilled),
    });
    // tsc prints (TS2345):
    //   Argument of type 'TaskDefinition<"shop.markOrderFulfilled", …>' is not assignable to
    //   parameter of type 'TaskDefinition<"shop.markOrderFulfilled", …> & { …; }'.
    //     Property '"step \"fulfil\" cannot take the output of step \"reserve\""' is missing in
    //     type 'TaskDefinition<…>' but required in type '{ readonly "step \"fulfil\" cannot take
    //     the output of step \"reserve\"": "give the step an input mapping: { input: (previous,
    //     input) => … }"; }'.
    expectTypeOf<
      StepError<
        typeof afterReserve.step<'fulfil', typeof markOrderFulfilled, 'fail'>,
        typeof markOrderFulfilled
      >
    >().toEqualTypeOf<'step "fulfil" cannot take the output of step "reserve"'>();
    expectTypeOf<
      keyof TakesPrevious<Order, { orderId: number }, 'charge', 'the workflow input'>
    >().toEqualTypeOf<'step "charge" cannot take the output of the workflow input'>();
    expectTypeOf<
      TakesPrevious<Reserved, { reserved: boolean }, 'a', 'b'>
    >().toEqualTypeOf<unknown>();
  });

  it('does not compile with onFailure but no mapping either', () => {
    defineWorkflow({
      name: 't.mismatch-continue',
      input: OrderInput,
      steps: (flow) =>
        // @ts-expect-error no overload: the first wants input, the second names both steps
        flow.step('reserve', updateInventory).step('fulfil', markOrderFulfilled, {
          onFailure: 'continue',
        }),
    });
  });

  it('names the first stage and the group in the message', () => {
    defineWorkflow({
      name: 't.first',
      input: z.object({ orderId: z.number() }),
      // @ts-expect-error step "reserve" cannot take the output of the workflow input
      steps: (flow) => flow.step('reserve', updateInventory),
    });
    defineWorkflow({
      name: 't.after-group',
      input: OrderInput,
      steps: (flow) =>
        flow
          .parallel({
            ship: { task: notifyWarehouse, input: (_, order) => ({ orderId: order.orderId }) },
            confirm: { task: sendOrderConfirmation },
          })
          // @ts-expect-error step "fulfil" cannot take the output of parallel "ship", "confirm"
          .step('fulfil', markOrderFulfilled),
    });
    expectTypeOf<
      StepError<
        typeof afterGroup.step<'fulfil', typeof markOrderFulfilled, 'fail'>,
        typeof markOrderFulfilled
      >
    >().toEqualTypeOf<'step "fulfil" cannot take the output of parallel "ship", "confirm"'>();
    expectTypeOf<
      StepError<
        typeof afterMap.step<'fulfil', typeof markOrderFulfilled, 'fail'>,
        typeof markOrderFulfilled
      >
    >().toEqualTypeOf<'step "fulfil" cannot take the output of map "charge"'>();
  });

  it('checks a group step without a mapping', () => {
    afterReserve.parallel({
      // @ts-expect-error step "ship" cannot take the output of step "reserve"
      ship: { task: notifyWarehouse },
    });
  });
});

describe('mappings', () => {
  it('do not compile when they return the wrong shape', () => {
    // @ts-expect-error orderId: number is not assignable to string
    afterReserve.step('fulfil', markOrderFulfilled, {
      input: () => ({ orderId: 1, shipmentId: 's' }),
    });
    // @ts-expect-error shipmentId is missing
    afterReserve.step('fulfil', markOrderFulfilled, { input: (_, o) => ({ orderId: o.orderId }) });
    afterReserve.parallel({
      // @ts-expect-error orderId: boolean is not assignable to string
      ship: { task: notifyWarehouse, input: (previous) => ({ orderId: previous.reserved }) },
    });
    afterReserve.map('charge', chargeLine, {
      // @ts-expect-error items returns task inputs: quantity is missing
      items: (_, o) => o.items.map((i) => ({ sku: i.sku })),
    });
    afterReserve.compensation('reject', rejectOrder, {
      // @ts-expect-error a failure has no orderId
      input: (failure) => ({ orderId: failure.orderId, reason: failure.message }),
    });
  });
});

describe('what flows on', () => {
  it('is a record by name after a group, an array after a map', () => {
    const wf = defineWorkflow({
      name: 't.shapes',
      input: OrderInput,
      steps: (flow) =>
        flow
          .map('charge', chargeLine, { items: (order) => order.items })
          .step(
            'total',
            defineTask({
              name: 't.total',
              input: z.array(z.object({ cents: z.number() })),
              run: () => 1,
            }),
          )
          .parallel({
            a: {
              task: notifyWarehouse,
              input: (total, o) => ({ orderId: `${o.orderId}:${total}` }),
            },
            b: { task: sendOrderConfirmation, input: (_, o) => ({ orderId: o.orderId }) },
          }),
    });
    expectTypeOf<WorkflowResult<typeof wf>>().toEqualTypeOf<{
      a: { shipmentId: string };
      b: { sent: boolean };
    }>();
    const mapped = afterReserve.map('charge', chargeLine, { items: (_, o) => o.items });
    expectTypeOf<FlowResult<typeof mapped>>().toEqualTypeOf<Array<{ cents: number }>>();
  });

  it("is `| undefined` after a step or map that may 'continue'", () => {
    const step = afterReserve.step('ship', notifyWarehouse, {
      input: (_, o) => ({ orderId: o.orderId }),
      onFailure: 'continue',
    });
    expectTypeOf<FlowResult<typeof step>>().toEqualTypeOf<{ shipmentId: string } | undefined>();
    step.step('fulfil', markOrderFulfilled, {
      input: (previous, o) => {
        expectTypeOf(previous).toEqualTypeOf<{ shipmentId: string } | undefined>();
        // @ts-expect-error previous may be undefined
        return { orderId: o.orderId, shipmentId: previous.shipmentId };
      },
    });
    const failing = afterReserve.step('ship', notifyWarehouse, {
      input: (_, o) => ({ orderId: o.orderId }),
      onFailure: 'fail',
    });
    failing.step('fulfil', markOrderFulfilled, {
      input: (previous, o) => {
        expectTypeOf(previous).toEqualTypeOf<{ shipmentId: string }>();
        return { orderId: o.orderId, shipmentId: previous.shipmentId };
      },
    });
    // A map step that fails itself (its items mapping threw, too many items) is skipped
    // whole: no array at all, not an empty one.
    const soft = afterReserve.map('charge', chargeLine, {
      items: (_, o) => o.items,
      onFailure: 'continue',
    });
    expectTypeOf<FlowResult<typeof soft>>().toEqualTypeOf<
      Array<{ cents: number } | undefined> | undefined
    >();
    soft.step('sum', notifyWarehouse, {
      input: (charges) => {
        expectTypeOf(charges).toEqualTypeOf<Array<{ cents: number } | undefined> | undefined>();
        // @ts-expect-error the map step itself may have been skipped
        return { orderId: String(charges.length) };
      },
    });
  });

  it('gives undefined (void) for a task that returns nothing: alone, as a group member and as map elements', () => {
    const nothing = defineTask({
      name: 't.nothing',
      input: z.unknown(),
      run: (): void => undefined,
    });
    const alone = afterReserve.step('v', nothing);
    expectTypeOf<FlowResult<typeof alone>>().toEqualTypeOf<void>();
    const group = afterReserve.parallel({ v: { task: nothing } });
    // biome-ignore lint/suspicious/noConfusingVoidType: what a task that returns nothing is typed.
    expectTypeOf<FlowResult<typeof group>>().toEqualTypeOf<{ v: void }>();
    const map = afterReserve.map('v', nothing, { items: () => [1, 2] });
    // biome-ignore lint/suspicious/noConfusingVoidType: what a task that returns nothing is typed.
    expectTypeOf<FlowResult<typeof map>>().toEqualTypeOf<void[]>();
  });

  it("gives `| undefined` for a group step that may 'continue'", () => {
    const group = afterReserve.parallel({
      ship: {
        task: notifyWarehouse,
        input: (_, o) => ({ orderId: o.orderId }),
        onFailure: 'continue',
      },
      confirm: { task: sendOrderConfirmation, input: (_, o) => ({ orderId: o.orderId }) },
    });
    group.step('fulfil', markOrderFulfilled, {
      input: (previous, o) => {
        expectTypeOf(previous).toEqualTypeOf<{
          ship: { shipmentId: string } | undefined;
          confirm: { sent: boolean };
        }>();
        return { orderId: o.orderId, shipmentId: previous.ship?.shipmentId ?? 'none' };
      },
    });
  });
});

describe('compensations', () => {
  it('must be declared when an onFailure names one, in a group too', () => {
    // @ts-expect-error onFailure names compensation "undo", which is not declared
    defineWorkflow({
      name: 't.none-declared',
      input: OrderInput,
      steps: (flow) => flow.step('reserve', updateInventory, { onFailure: { compensate: 'undo' } }),
    });
    // @ts-expect-error onFailure names compensation "undo", which is not declared
    defineWorkflow({
      name: 't.undeclared-group',
      input: OrderInput,
      steps: (flow) =>
        flow.parallel({ ship: { task: notifyWarehouse, onFailure: { compensate: 'undo' } } }),
    });
    // @ts-expect-error onFailure names compensation "rejct", which is not declared
    defineWorkflow({
      name: 't.undeclared',
      input: OrderInput,
      steps: (flow) =>
        flow
          .step('reserve', updateInventory, { onFailure: { compensate: 'rejct' } })
          .compensation('reject', rejectOrder, {
            input: (failure, order) => ({ orderId: order.orderId, reason: failure.message }),
          }),
    });
  });

  it('take the failure as it is when their task fits it, and come after the stages', () => {
    const continued = defineWorkflow({
      name: 't.last-continues',
      input: OrderInput,
      steps: (flow) => flow.step('reserve', updateInventory, { onFailure: 'continue' }),
    });
    expectTypeOf<WorkflowResult<typeof continued>>().toEqualTypeOf<Reserved | undefined>();
    const wf = defineWorkflow({
      name: 't.log',
      input: OrderInput,
      steps: (flow) =>
        flow
          .step('reserve', updateInventory, { onFailure: { compensate: 'log' } })
          .compensation('log', logFailure),
    });
    expectTypeOf<WorkflowResult<typeof wf>>().toEqualTypeOf<Reserved>();
    const compensated = afterReserve.compensation('log', logFailure);
    // @ts-expect-error no stage after a compensation
    compensated.step('late', notifyWarehouse);
    // @ts-expect-error compensation "reject" cannot take a step failure
    afterReserve.compensation('reject', rejectOrder);
  });
});

describe('the workflow input crosses JSON', () => {
  it('refuses an input schema that cannot', () => {
    // @ts-expect-error input.tags is a Set, which JSON cannot carry
    defineWorkflow({
      name: 't.set',
      input: z.object({ tags: z.set(z.string()) }),
      steps: (flow) => flow.step('x', notifyWarehouse, { input: () => ({ orderId: '1' }) }),
    });
  });
});
