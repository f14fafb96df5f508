/** Prints what the run did, read back from the real systems, and lists what went wrong. */
import type { JobRecord } from '@conveyor/core';
import type { OrderRow } from '../db/orders.js';
import type { Product } from '../db/schema.js';
import { mailOfOrder } from '../mail/order-mail.js';
import { type OrderRun, type SystemsReport, stepsOf } from '../stack/flow.js';

export interface RunFacts {
  /** Each order's workflow run, once it ended. */
  runs: readonly OrderRun[];
  /** The orders as the database holds them after the run, in the order placed. */
  orders: readonly OrderRow[];
  welcome: { email: string; jobId: string };
  /** Extra jobs enqueued on purpose for one order, as a careless producer would. */
  duplicates: readonly string[];
  /** Every job of the run: the welcome email, the orders' step jobs, the duplicates. */
  records: ReadonlyMap<string, JobRecord>;
  stockBefore: readonly Product[];
  systems: SystemsReport;
}

/** What each order's workflow must have ended as, given the order's final status. */
const RUN_STATUS = { fulfilled: 'completed', rejected: 'compensated' } as const;

/** Writes the summary; returns the checks that failed (empty when the run is right). */
export function printSummary(facts: RunFacts, write: (line: string) => void): string[] {
  const { systems, records } = facts;
  const problems: string[] = [];
  const shipmentsOf = (orderId: string) =>
    systems.shipments.filter((shipment) => shipment.orderId === orderId);

  write('\nOrders (shop.orders, as each order workflow left them):');
  for (const order of facts.orders) {
    const outcome =
      order.status === 'fulfilled'
        ? `shipment ${order.shipmentId}`
        : order.status === 'rejected'
          ? order.reason
          : '';
    write(`  ${order.id}  ${order.email.padEnd(20)} ${order.status.padEnd(9)}  ${outcome}`);
  }

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
  write(
    `  ${systems.shipments.map((shipment) => `${shipment.id}←${shipment.orderId}`).join('  ')}`,
  );

  const rejected = facts.orders.filter((order) => order.status === 'rejected');
  write(`\nRefused for lack of stock (${rejected.length}): never shipped, never confirmed`);
  for (const order of rejected) {
    const { confirmations, outOfStock } = mailOfOrder(systems.mail, order.id);
    const run = facts.runs.find((candidate) => candidate.order.orderId === order.id)?.run;
    const steps =
      run &&
      stepsOf(run)
        .map((step) => `${step.name} ${step.state}`)
        .join(', ');
    write(
      `  ${order.id}: ${shipmentsOf(order.id).length} shipments, ${confirmations.length} confirmations, out-of-stock email: ${outOfStock[0] ? `"${outOfStock[0].subject}"` : 'none'}`,
    );
    write(`    workflow ${run?.id} ${run?.status}: ${steps}`);
  }
  if (rejected.length === 0)
    problems.push('no order was refused for stock: the scenario needs one');

  for (const order of facts.orders) problems.push(...checkOrder(order, facts));

  const retried = [...records.values()].filter((record) => record.attempts > 1);
  const injected = systems.warehouseRequests.filter((request) => request.status === 503);
  write(`\nRetries that happened: ${retried.length} jobs ran more than once`);
  for (const record of retried) {
    write(
      `  ${record.envelope.task.padEnd(27)} ${orderOf(record, facts.runs).padEnd(16)} ${record.attempts} attempts, ${record.state}`,
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

  write('\nDuplicate jobs (same order enqueued again on purpose, after it was fulfilled):');
  for (const id of facts.duplicates) {
    const record = records.get(id);
    write(
      `  ${record?.envelope.task.padEnd(27)} ${record ? orderOf(record, facts.runs) : ''} → ${JSON.stringify(record?.result ?? record?.error?.message)}`,
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

/**
 * One order against the systems: fulfilled means one shipment (the one in its row) and one
 * confirmation; rejected means no shipment, no confirmation and one out-of-stock email.
 */
function checkOrder(order: OrderRow, facts: RunFacts): string[] {
  const { systems } = facts;
  const problems: string[] = [];
  const shipments = systems.shipments.filter((shipment) => shipment.orderId === order.id);
  const { confirmations, outOfStock } = mailOfOrder(systems.mail, order.id);
  const run = facts.runs.find((candidate) => candidate.order.orderId === order.id)?.run;
  if (order.status === 'pending') {
    return [`order ${order.id} is still pending (its workflow ${run?.id} is ${run?.status})`];
  }
  if (run?.status !== RUN_STATUS[order.status]) {
    problems.push(`order ${order.id} is ${order.status} but its workflow is ${run?.status}`);
  }
  const expected =
    order.status === 'fulfilled'
      ? { shipments: 1, confirmations: 1, outOfStock: 0 }
      : { shipments: 0, confirmations: 0, outOfStock: 1 };
  const found = {
    shipments: shipments.length,
    confirmations: confirmations.length,
    outOfStock: outOfStock.length,
  };
  for (const [what, count] of Object.entries(found)) {
    const wanted = expected[what as keyof typeof expected];
    if (count !== wanted) {
      problems.push(`${order.status} order ${order.id} has ${count} ${what}, expected ${wanted}`);
    }
  }
  if (order.status === 'fulfilled' && shipments[0] && shipments[0].id !== order.shipmentId) {
    problems.push(
      `order ${order.id} records shipment ${order.shipmentId}, the warehouse ${shipments[0].id}`,
    );
  }
  return problems;
}

/** The order (or the customer) a job was for. */
function orderOf(record: JobRecord, runs: readonly OrderRun[]): string {
  // A step job carries no input of its own (the worker reads the run's): its workflow says.
  const step = record.envelope.workflow;
  if (step) return runs.find((run) => run.run.id === step.id)?.order.orderId ?? step.id;
  const input = record.envelope.input as { orderId?: string; email?: string } | null;
  return input?.orderId ?? input?.email ?? '';
}
