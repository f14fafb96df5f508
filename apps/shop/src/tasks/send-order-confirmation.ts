import { defineTask } from '@conveyor/core';
import { z } from 'zod';
import { confirmationMessageId } from '../mail/order-mail.js';
import { mail } from '../services.js';

const orderItem = z.object({ sku: z.string().min(1), quantity: z.number().int().positive() });

/**
 * Emails the customer that their order is confirmed, over real SMTP. On the `emails`
 * queue, which its own worker drains first, so mail never waits behind a warehouse
 * backlog; order confirmations outrank welcome emails.
 */
export const sendOrderConfirmation = defineTask({
  name: 'shop.sendOrderConfirmation',
  input: z.object({
    orderId: z.string().min(1),
    email: z.email(),
    name: z.string().min(1),
    items: z.array(orderItem).min(1),
  }),
  output: z.object({ to: z.string(), messageId: z.string() }),
  queue: 'emails',
  priority: 8,
  // The dashboard finds an order's email job by order id or by customer email.
  index: ['orderId', 'email'],
  retry: { attempts: 5, backoff: { type: 'exponential', delay: 500, maxDelay: 10_000 } },
  timeout: 15_000,
  async run({ orderId, email, name, items }, ctx) {
    const lines = items.map(({ sku, quantity }) => `  ${quantity} × ${sku}`);
    const sent = await mail().send({
      to: email,
      subject: `Order ${orderId} confirmed`,
      text: [
        `Hello ${name},`,
        '',
        `We have your order ${orderId}:`,
        ...lines,
        '',
        'Thank you!',
      ].join('\n'),
      headers: { 'X-Shop-Order': orderId },
      // Stable per order: a receiving system can drop a duplicate delivery.
      messageId: confirmationMessageId(orderId),
    });
    ctx.logger.info({ to: email, messageId: sent.messageId }, 'order confirmation sent');
    return { to: email, messageId: sent.messageId };
  },
});
