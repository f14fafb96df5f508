/**
 * The producer's view of the tasks and the order workflow: the `.delay()` stubs that
 * `conveyor generate` wrote from the task files. They carry each task's contract (name,
 * input schema, queue, priority, retries) and the workflow's plan, and import no task
 * code: no nodemailer, no pg, in the API.
 */
import type { Client } from '@conveyor/core';
import {
  configureConveyor,
  notifyWarehouse,
  placeOrder,
  sendAnnouncement,
  sendOrderConfirmation,
  sendWelcomeEmail,
  updateInventory,
} from './generated/client.js';

/** The stubs the API uses, as one object so that tests and the in-process mode can pass them around. */
export const shopTasks = {
  placeOrder,
  sendAnnouncement,
  sendOrderConfirmation,
  sendWelcomeEmail,
  updateInventory,
  notifyWarehouse,
};
export type ShopStubs = typeof shopTasks;

/** Points every generated stub at `client` (one client per process) and returns them. */
export function useClient(client: Client): ShopStubs {
  configureConveyor(client);
  return shopTasks;
}
