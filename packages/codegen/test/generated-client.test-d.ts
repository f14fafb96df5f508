import type { JobHandle, TaskContract } from '@conveyor/core';
import { describe, expectTypeOf, it } from 'vitest';
import {
  chargePayment,
  chargePaymentContract,
  scheduleDelivery,
  sendOrderConfirmation,
  updateInventory,
} from './fixtures/shop/src/generated/client.js';

const order = {
  orderId: 'o-1',
  email: 'ada@example.com',
  lines: [{ sku: 'tea', quantity: 2 }],
  shipTo: { street: '1 Loop Rd', city: 'Cupertino', country: 'US' },
};

describe('generated stubs', () => {
  it('accept exactly the input schema', () => {
    sendOrderConfirmation.delay(order);
    sendOrderConfirmation.delay({ ...order, note: 'gift' });
    chargePayment.enqueue({ orderId: 'o-1', cents: 1_250 }, { delay: 1_000, priority: 9 });
    // A default in the schema makes the field optional for producers.
    updateInventory.delay({ sku: 'tea', delta: -1 });
  });

  it('reject a wrong field type', () => {
    // @ts-expect-error cents must be a number
    chargePayment.delay({ orderId: 'o-1', cents: '1250' });
    // @ts-expect-error quantity must be a number (nested in an array)
    sendOrderConfirmation.delay({ ...order, lines: [{ sku: 'tea', quantity: '2' }] });
    // @ts-expect-error warehouse is an enum
    updateInventory.delay({ sku: 'tea', delta: 1, warehouse: 'east' });
  });

  it('reject a missing field', () => {
    // @ts-expect-error cents is missing
    chargePayment.delay({ orderId: 'o-1' });
    // @ts-expect-error shipTo.country (from the *.schema.ts module) is missing
    sendOrderConfirmation.delay({ ...order, shipTo: { street: '1 Loop Rd', city: 'Cupertino' } });
  });

  it('reject an extra field', () => {
    // @ts-expect-error currency is not in the schema
    chargePayment.delay({ orderId: 'o-1', cents: 1, currency: 'EUR' });
    // @ts-expect-error extra fields in enqueueMany items are rejected too
    chargePayment.enqueueMany([{ orderId: 'o-1', cents: 1, currency: 'EUR' }]);
  });

  it('type the result exactly: from the output schema (after transforms)', () => {
    expectTypeOf(chargePayment.delay).returns.resolves.toEqualTypeOf<
      JobHandle<{ chargeId: string; chargedAt: Date }>
    >();
  });

  it("type the result exactly: from run's inferred return type", () => {
    expectTypeOf(sendOrderConfirmation.delay).returns.resolves.toEqualTypeOf<
      JobHandle<{ messageId: string; delivered: boolean }>
    >();
  });

  it('type the result as what arrives: a Date that run returns is a string', async () => {
    const handle = await scheduleDelivery.delay({ orderId: 'o-1', shipAfter: new Date() });
    const result = await handle.result();
    expectTypeOf(result.deliverAt).toEqualTypeOf<string>();
    // @ts-expect-error a Date crossed JSON as its ISO string: there is no getFullYear()
    result.deliverAt.getFullYear();
    expectTypeOf(scheduleDelivery.delay).returns.resolves.toEqualTypeOf<
      JobHandle<{ orderId: string; deliverAt: string; slots: number[] }>
    >();
  });

  it('accept a Date where the input schema says z.date()', () => {
    scheduleDelivery.delay({ orderId: 'o-1', shipAfter: new Date() });
    // @ts-expect-error shipAfter is a Date (its JSON form is revived at z.date())
    scheduleDelivery.delay({ orderId: 'o-1', shipAfter: 42 });
  });

  it("type the result exactly: from run's declared return type", () => {
    expectTypeOf(updateInventory.enqueue).returns.resolves.toEqualTypeOf<
      JobHandle<{ sku: string; warehouse: 'north' | 'south'; onHand: number }[]>
    >();
  });

  it('keep the literal task name on the contract', () => {
    expectTypeOf(chargePaymentContract.name).toEqualTypeOf<'shop.chargePayment'>();
    expectTypeOf(chargePaymentContract).toExtend<TaskContract<'shop.chargePayment'>>();
    expectTypeOf(chargePayment.name).toEqualTypeOf<'shop.chargePayment'>();
  });
});
