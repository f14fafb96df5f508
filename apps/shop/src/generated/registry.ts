// Written by hand until `conveyor generate` (the codegen) lands; then generated from conveyor.config.ts.
import { notifyWarehouse } from '../tasks/notify-warehouse.js';
import { sendOrderConfirmation } from '../tasks/send-order-confirmation.js';
import { sendWelcomeEmail } from '../tasks/send-welcome-email.js';
import { updateInventory } from '../tasks/update-inventory.js';

export const tasks = [notifyWarehouse, sendOrderConfirmation, sendWelcomeEmail, updateInventory] as const;
export default tasks;
