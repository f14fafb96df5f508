/** Prints what the run did, read back from the real systems, and lists what went wrong. */
import type { JobRecord } from '@conveyor/core';
import type { Product } from '../db/schema.js';
import type { PlacedOrder, SystemsReport } from '../stack/flow.js';

export interface RunFacts {
  orders: readonly PlacedOrder[];
  welcome: { email: string; jobId: string };
  /** Extra jobs enqueued on purpose for one order, as a careless producer would. */
  duplicates: readonly string[];
  records: ReadonlyMap<string, JobRecord>;
  stockBefore: readonly Product[];
  systems: SystemsReport;
}

/** Writes the summary; returns the checks that failed (empty when the run is right). */
export function printSummary(facts: RunFacts, write: (line: string) => void): string[] {
  const { systems, records } = facts;
  const problems: string[] = [];

  write(`\nEmails to customers received by the mailbox (${systems.mail.length}):`);
  for (const mail of systems.mail) write(`  to ${mail.to.join(', ').padEnd(22)} "${mail.subject}"`);

  write('\nStock (shop.products):');
  for (const after of systems.stock) {
    const before = facts.stockBefore.find((product) => product.sku === after.sku);
    write(
      `  ${after.sku.padEnd(7)} ${String(before?.stock ?? '?').padStart(3)} → ${String(after.stock).padStart(3)}  ${after.name}`,
    );
  }

  write(`\nShipments recorded by the warehouse (${systems.shipments.length}):`);
  const shipmentsByOrder = new Map<string, number>();
  for (const shipment of systems.shipments) {
    shipmentsByOrder.set(shipment.orderId, (shipmentsByOrder.get(shipment.orderId) ?? 0) + 1);
  }
  write(
    `  ${systems.shipments.map((shipment) => `${shipment.id}←${shipment.orderId}`).join('  ')}`,
  );
  for (const order of facts.orders) {
    const count = shipmentsByOrder.get(order.orderId) ?? 0;
    if (count !== 1) problems.push(`order ${order.orderId} has ${count} shipments, expected 1`);
  }

  const retried = [...records.values()].filter((record) => record.attempts > 1);
  const injected = systems.warehouseRequests.filter((request) => request.status === 503);
  write(`\nRetries that happened: ${retried.length} jobs ran more than once`);
  for (const record of retried) {
    write(
      `  ${record.envelope.task.padEnd(27)} ${orderOf(record).padEnd(16)} ${record.attempts} attempts, ${record.state}`,
    );
  }
  write(
    `  the warehouse answered 503 to ${injected.length} of ${systems.warehouseRequests.length} requests:`,
  );
  for (const request of injected) {
    const lost =
      request.outcome === 'lost-response-503' ? ' (after recording it: a lost response)' : '';
    write(`    request #${request.seq} for ${request.orderId}${lost}`);
  }

  write('\nDuplicate jobs (same order enqueued again on purpose):');
  for (const id of facts.duplicates) {
    const record = records.get(id);
    write(
      `  ${record?.envelope.task.padEnd(27)} ${record ? orderOf(record) : ''} → ${JSON.stringify(record?.result ?? record?.error?.message)}`,
    );
  }

  const failed = [...records.values()].filter((record) => record.state !== 'completed');
  write(`\nJobs that did not complete (${failed.length}):`);
  for (const record of failed) {
    write(
      `  ${record.envelope.task.padEnd(27)} ${record.state}, attempts=${record.attempts}: ${record.error?.message}`,
    );
  }

  const expectedMail = facts.orders.length + 1;
  if (systems.mail.length !== expectedMail) {
    problems.push(`the mailbox holds ${systems.mail.length} emails, expected ${expectedMail}`);
  }
  if (!systems.mail.some((mail) => mail.to.includes(facts.welcome.email))) {
    problems.push(`no welcome email reached ${facts.welcome.email}`);
  }
  for (const record of records.values()) {
    if (record.state === 'dead')
      problems.push(`job ${record.id} is dead: ${record.error?.message}`);
  }
  return problems;
}

function orderOf(record: JobRecord): string {
  const input = record.envelope.input as { orderId?: string; email?: string } | null;
  return input?.orderId ?? input?.email ?? '';
}
