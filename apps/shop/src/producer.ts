/**
 * The producer's view of the tasks: `.delay()` stubs bound to a client.
 *
 * Interim: until `conveyor generate` writes `src/generated/client.ts`, this binds the
 * task definitions themselves (which imports their code into the API process).
 */
import { bindTask, type Client } from '@conveyor/core';
import { notifyWarehouse } from './tasks/notify-warehouse.js';
import { sendOrderConfirmation } from './tasks/send-order-confirmation.js';
import { sendWelcomeEmail } from './tasks/send-welcome-email.js';
import { updateInventory } from './tasks/update-inventory.js';

export function createShopStubs(client: Client) {
  return {
    sendOrderConfirmation: bindTask(client, sendOrderConfirmation),
    sendWelcomeEmail: bindTask(client, sendWelcomeEmail),
    updateInventory: bindTask(client, updateInventory),
    notifyWarehouse: bindTask(client, notifyWarehouse),
  };
}

export type ShopStubs = ReturnType<typeof createShopStubs>;
