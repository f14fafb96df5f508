import { defineTask, NonRetryableError } from '@conveyor/core';
import { z } from 'zod';
import { rejectOnce } from '../db/orders.js';
import { outOfStockMessageId } from '../mail/order-mail.js';
import { database, mail } from '../services.js';

/**
 * The order workflow's compensation: when the stock cannot be taken, the order becomes
 * `rejected` with the reason, and the customer gets an out-of-stock email instead of a
 * confirmation. Once per order: the order's row records that the email went out, in the
 * transaction that sent it, so a retried or duplicated job sends no second email.
 */
export const rejectOrder = defineTask({
  name: 'shop.rejectOrder',
  input: z.object({ orderId: z.string().min(1), reason: z.string().min(1) }),
  output: z.object({
    orderId: z.string(),
    status: z.literal('rejected'),
    /** False when a retried or duplicated job found the email already sent. */
    mailed: z.boolean(),
    messageId: z.string().nullable(),
  }),
  queue: 'emails',
  priority: 8,
  index: ['orderId'],
  retry: { attempts: 5, backoff: { type: 'exponential', delay: 500, maxDelay: 10_000 } },
  timeout: 15_000,
  async run({ orderId, reason }, ctx) {
    const outcome = await rejectOnce(database(), orderId, reason, (order) => {
      const lines = order.items.map(({ sku, quantity }) => `  ${quantity} × ${sku}`);
      return mail().send({
        to: order.email,
        subject: `Order ${orderId} is out of stock`,
        text: [
          `Hello ${order.name},`,
          '',
          `We are sorry: we cannot fulfil your order ${orderId}.`,
          ...lines,
          '',
          `Reason: ${order.reason}`,
          'Nothing was shipped, and nothing will be.',
        ].join('\n'),
        headers: { 'X-Shop-Order': orderId, 'X-Shop-Mail': 'out-of-stock' },
        messageId: outOfStockMessageId(orderId),
      });
    });
    switch (outcome.kind) {
      case 'rejected':
        ctx.logger.info({ orderId, reason, mailed: outcome.mailed }, 'order rejected');
        return {
          orderId,
          status: 'rejected' as const,
          mailed: outcome.mailed,
          messageId: outcome.messageId,
        };
      case 'conflict':
        throw new NonRetryableError(
          `Order ${orderId} is already ${outcome.status}; it cannot be rejected (${reason})`,
        );
      case 'unknown-order':
        throw new NonRetryableError(`No order ${JSON.stringify(orderId)} to reject (${reason})`);
    }
  },
});
