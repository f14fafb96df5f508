import type { WorkflowHandle, WorkflowResult } from '@conveyor/core';
import { describe, expectTypeOf, it } from 'vitest';
import { placeOrder, placeOrderContract } from './fixtures/shop/src/generated/client.js';
import type { placeOrder as placeOrderDefinition } from './fixtures/shop/src/tasks/place-order.js';

const order = {
  orderId: 'o-1',
  email: 'ada@example.com',
  cents: 1_250,
  lines: [{ sku: 'tea', quantity: 2 }],
  shipTo: { street: '1 Loop Rd', city: 'Cupertino', country: 'US' },
};

/** The last stage of the order: a group whose `confirm` may 'continue'. */
type OrderResult = {
  confirm: { messageId: string; delivered: boolean } | undefined;
  deliver: { orderId: string; deliverAt: string; slots: number[] };
};

describe('generated workflow stubs', () => {
  it('accept exactly the input schema', () => {
    placeOrder.delay(order);
    placeOrder.delay(order, { idempotencyKey: 'o-1' });
    // @ts-expect-error cents must be a number
    placeOrder.delay({ ...order, cents: '1250' });
    // @ts-expect-error shipTo.country (from the *.schema.ts module) is missing
    placeOrder.delay({ ...order, shipTo: { street: '1 Loop Rd', city: 'Cupertino' } });
    // @ts-expect-error lines are required
    placeOrder.delay({ orderId: 'o-1', email: 'ada@example.com', cents: 1, shipTo: order.shipTo });
    // @ts-expect-error an extra field is rejected
    placeOrder.delay({ ...order, coupon: 'FREE' });
  });

  it("type the handle's result as the last stage's: a record for a group, | undefined where it may continue", () => {
    expectTypeOf(placeOrder.delay).returns.resolves.toEqualTypeOf<WorkflowHandle<OrderResult>>();
  });

  it("type the result exactly as the definition's (what the worker produces)", () => {
    expectTypeOf<WorkflowHandle<WorkflowResult<typeof placeOrderDefinition>>>().toEqualTypeOf<
      Awaited<ReturnType<typeof placeOrder.delay>>
    >();
  });

  it('keep the literal workflow name on the contract and the stub', () => {
    expectTypeOf(placeOrderContract.name).toEqualTypeOf<'shop.placeOrder'>();
    expectTypeOf(placeOrder.name).toEqualTypeOf<'shop.placeOrder'>();
  });
});
