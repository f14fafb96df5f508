/**
 * An in-process tour of Conveyor's task model: the Celery guide's order story with the
 * in-memory transport and a minimal worker loop in one process.
 *
 * This is the interim `pnpm demo`. The full shop app (Redis, real SMTP, PostgreSQL, a
 * warehouse service over HTTP, two worker processes) replaces it; see README.md.
 */
import {
  createClient,
  createTaskRegistry,
  type JobOutcome,
  memoryTransport,
  runJob,
  type Transport,
} from '@conveyor/core';
import * as tasks from './in-process-tasks.js';
import { demoTasks, inventory, warehouseShipments } from './in-process-tasks.js';

const transport = memoryTransport();
const client = createClient({ transport });
const registry = createTaskRegistry(demoTasks);
const sendOrderConfirmation = client.bind(tasks.sendOrderConfirmation);
const updateInventory = client.bind(tasks.updateInventory);
const notifyWarehouse = client.bind(tasks.notifyWarehouse);

const orders = [
  { orderId: 'ord-1001', email: 'ada@example.com', sku: 'TEA-01', quantity: 2 },
  { orderId: 'ord-1002', email: 'grace@example.com', sku: 'MUG-07', quantity: 1 },
  { orderId: 'ord-1003', email: 'alan@example.com', sku: 'TEA-01', quantity: 50 },
];

console.log('Conveyor in-process demo (in-memory transport, one process)\n');
console.log(`Stock before: ${formatStock()}\n`);

// Step 4 of the guide: enqueue. Each order fans out into three jobs on three queues.
const handles = [];
for (const order of orders) {
  handles.push(
    await sendOrderConfirmation.delay({ orderId: order.orderId, email: order.email }),
    await updateInventory.delay({
      orderId: order.orderId,
      sku: order.sku,
      quantity: order.quantity,
    }),
    await notifyWarehouse.delay({
      orderId: order.orderId,
      sku: order.sku,
      quantity: order.quantity,
    }),
  );
  console.log(`placed ${order.orderId}: 3 jobs enqueued`);
}

// Step 5: a worker. The real one is `conveyor worker`; this loop shows what it does.
const stop = new AbortController();
const outcomes: Array<{ task: string; attempt: number; outcome: JobOutcome }> = [];
const worker = runWorkerLoop(transport, stop.signal);

// Step 6: results, read back through the job handles (Celery's result.status / .get()).
console.log('\nWaiting for every job to finish…');
for (const handle of handles) {
  await handle.result({ timeout: 10_000 }).catch(() => {});
}
stop.abort();
await worker;

console.log('\nJob states:');
for (const handle of handles) {
  const record = await handle.info();
  const detail = record?.state !== 'completed' && record?.error ? ` (${record.error.message})` : '';
  console.log(
    `  ${record?.envelope.task.padEnd(28)} ${record?.state.padEnd(9)} attempts=${record?.attempts}${detail}`,
  );
}
const retries = outcomes.filter(({ outcome }) => outcome.kind === 'retry');
console.log(`\nRetries that happened: ${retries.length}`);
for (const { task, attempt, outcome } of retries) {
  const message = outcome.settlement.type === 'retry' ? outcome.settlement.error.message : '';
  console.log(`  ${task} attempt ${attempt}: ${message}`);
}
console.log(`\nStock after:  ${formatStock()}`);
console.log(`Shipments recorded by the warehouse: ${[...warehouseShipments].join(', ')}`);
await client.close();

async function runWorkerLoop(broker: Transport, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    const reservations = await broker.reserve({
      queues: ['emails', 'inventory', 'warehouse'],
      max: 10,
      leaseMs: 30_000,
      waitMs: 1_000,
      consumer: 'in-process-demo',
      signal,
    });
    const settlements = await Promise.all(
      reservations.map(async (reservation) => {
        const outcome = await runJob(reservation, { registry, signal });
        const { task, attempt } = reservation.envelope;
        outcomes.push({ task, attempt, outcome });
        console.log(`  worker: ${task} attempt ${attempt} -> ${outcome.kind}`);
        return outcome.settlement;
      }),
    );
    if (settlements.length > 0) await broker.settle(settlements);
  }
}

function formatStock(): string {
  return [...inventory].map(([sku, count]) => `${sku}=${count}`).join(', ');
}
