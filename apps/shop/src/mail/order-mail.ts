/**
 * The two emails an order can get, told apart by their stable Message-IDs: the
 * confirmation (sent once the stock is taken) or the out-of-stock notice (sent instead
 * when it cannot be). The tasks send with these ids; the demo and the tests read by them.
 */
import type { ReceivedMail } from './mailbox.js';

export function confirmationMessageId(orderId: string): string {
  return `<order-${orderId}@shop.conveyor.local>`;
}

export function outOfStockMessageId(orderId: string): string {
  return `<order-${orderId}-out-of-stock@shop.conveyor.local>`;
}

/** The mail one order got, by kind. */
export function mailOfOrder(
  messages: readonly ReceivedMail[],
  orderId: string,
): { confirmations: ReceivedMail[]; outOfStock: ReceivedMail[] } {
  return {
    confirmations: messages.filter((mail) => mail.messageId === confirmationMessageId(orderId)),
    outOfStock: messages.filter((mail) => mail.messageId === outOfStockMessageId(orderId)),
  };
}
